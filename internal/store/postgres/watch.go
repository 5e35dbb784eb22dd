package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

var _ store.Watcher = (*Store)(nil)

// watchPage is how many entries Watch reads at a time.
const watchPage = 1000

// watchStartQuery reads where the first Watch starts.
const watchStartQuery = `SELECT coalesce(max(cursor), 0) FROM entries`

// Watch listens on the store's channel (LISTEN/NOTIFY) on a connection of
// its own and, for every notification of a write by another Store (another
// process, as a rule), calls fn with the entries that arrived since the
// last it reported, read by cursor: cursors grow in commit order, so none
// is skipped. Entries this Store wrote in between are reported too. See
// store.Watcher.
//
// The first Watch of a Store reports what commits after its LISTEN. A
// later one, after a Watch that failed (the node tries again after a
// pause), goes on from the last cursor the Store's watching reached, so
// what other processes stored while nobody listened is reported too. One
// Watch runs at a time.
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
	// The first Watch reports only what commits after LISTEN: it starts
	// from the last cursor now. A later one goes on from where the last
	// stopped.
	last, ok := s.watchPos.get()
	if !ok {
		if err := conn.QueryRow(ctx, watchStartQuery).Scan(&last); err != nil {
			return s.wrap("watch", err)
		}
		s.watchPos.set(last)
	}
	// A Watch that goes on reads at once what committed while nobody
	// listened; then it reads after each notification.
	catchUp := ok
	for {
		if !catchUp {
			n, err := conn.Conn().WaitForNotification(ctx)
			if err != nil {
				return s.wrap("watch", err)
			}
			if strings.HasPrefix(n.Payload, s.token+" ") {
				continue
			}
		}
		catchUp = false
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
			s.watchPos.set(last)
			if len(page) < watchPage {
				break
			}
		}
	}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// watchPos is the last cursor a Store's watching reached.
type watchPos struct {
	mu     sync.Mutex
	cursor int64
	ok     bool // a Watch has read where to start
}

func (w *watchPos) get() (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cursor, w.ok
}

func (w *watchPos) set(c int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cursor, w.ok = c, true
}
