package sqlite

import (
	"context"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

var _ store.LogIDHeads = (*Store)(nil)

// HeadsWithLogID returns the heads of the logs of log id id, ordered by
// author, through the logs_log_id index: it reads only those rows.
func (s *Store) HeadsWithLogID(ctx context.Context, id entry.LogID) ([]store.Head, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	rows, err := s.r.QueryContext(ctx, `SELECT `+headCols+` FROM logs WHERE log_id = ? AND head_seq > 0 ORDER BY author`, id[:])
	if err != nil {
		return nil, s.wrap("heads of log id", err)
	}
	defer rows.Close()
	hs := []store.Head{}
	for rows.Next() {
		hd, err := scanHead(rows)
		if err != nil {
			return nil, s.wrap("heads of log id", err)
		}
		hs = append(hs, hd)
	}
	return hs, s.wrap("heads of log id", rows.Err())
}
