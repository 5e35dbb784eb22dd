package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

var _ store.Watcher = (*Store)(nil)

// watchPage is how many entries Watch reads at a time.
const watchPage = 1000

// Watch listens on the store's channel (LISTEN/NOTIFY) on a connection of
// its own and, for every notification of a write by another Store (another
// process, as a rule), calls fn with the entries that arrived since the
// last it reported, read by cursor: cursors grow in commit order, so none
// is skipped. Entries this Store wrote in between are reported too. See
// store.Watcher.
func (s *Store) Watch(ctx context.Context, fn func([]*entry.Entry)) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	s.life.RUnlock()
	if err != nil {
		return s.wrap("watch", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN `+quoteIdent(s.Channel())); err != nil {
		return s.wrap("watch: listen", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `UNLISTEN *`) }()
	// Only what commits after LISTEN is reported: start from the last
	// cursor now.
	var last int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(cursor), 0) FROM entries`).Scan(&last); err != nil {
		return s.wrap("watch", err)
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return s.wrap("watch", err)
		}
		if strings.HasPrefix(n.Payload, s.token+" ") {
			continue
		}
		for {
			page, err := s.Find(ctx, store.Query{After: last, Limit: watchPage})
			if err != nil {
				return fmt.Errorf("postgres: watch: %w", err)
			}
			if len(page) == 0 {
				break
			}
			// Before the report: a session that starts after it builds
			// its offer set again (HeadsVersion).
			s.hv.changed()
			es := make([]*entry.Entry, len(page))
			for i, st := range page {
				es[i] = st.Entry
			}
			last = page[len(page)-1].Cursor
			fn(es)
			if len(page) < watchPage {
				break
			}
		}
	}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
