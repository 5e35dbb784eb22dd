package postgres

import (
	"context"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

var _ store.AuthorHeads = (*Store)(nil)

// HeadsOf returns the heads of author's logs, ordered by log id, through
// the logs table's UNIQUE (author, log_id) index: it reads only those
// rows.
func (s *Store) HeadsOf(ctx context.Context, author identity.PublicKey) ([]store.Head, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	rows, err := s.pool.Query(ctx, `SELECT `+headCols+` FROM logs WHERE author = $1 AND head_seq > 0 ORDER BY log_id`, author[:])
	if err != nil {
		return nil, s.wrap("heads of author", err)
	}
	defer rows.Close()
	hs := []store.Head{}
	for rows.Next() {
		hd, err := scanHead(rows)
		if err != nil {
			return nil, s.wrap("heads of author", err)
		}
		hs = append(hs, hd)
	}
	return hs, s.wrap("heads of author", rows.Err())
}
