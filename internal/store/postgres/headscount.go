package postgres

import (
	"context"
	"fmt"

	"github.com/kithnet/kith/internal/store"
)

var _ store.HeadsCounter = (*Store)(nil)

// CountHeads counts the heads and sums their seqs in SQL, listing none.
func (s *Store) CountHeads(ctx context.Context) (logs, entries uint64, err error) {
	if err := s.enter(ctx); err != nil {
		return 0, 0, err
	}
	defer s.life.RUnlock()
	var n, sum int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(head_seq), 0)::bigint FROM logs WHERE head_seq > 0`).Scan(&n, &sum); err != nil {
		return 0, 0, s.wrap("count heads", err)
	}
	if n < 0 || sum < 0 {
		return 0, 0, s.wrap("count heads", fmt.Errorf("%d heads of %d entries: the logs table holds a negative seq", n, sum))
	}
	return uint64(n), uint64(sum), nil
}
