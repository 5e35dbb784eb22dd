package postgres

import (
	"context"

	"github.com/kithnet/kith/internal/store"
)

var _ store.LogDropper = (*Store)(nil)

// DropLog deletes a log's entries, fork evidence and head in one write
// transaction; see store.LogDropper.
func (s *Store) DropLog(ctx context.Context, k store.LogKey) (int, int64, error) {
	if err := s.enter(ctx); err != nil {
		return 0, 0, err
	}
	defer s.life.RUnlock()
	var n int
	var size int64
	err := s.writeTx(ctx, "drop log", func(v *txView) (bool, error) {
		var rowid int64
		err := v.tx.QueryRow(ctx, `SELECT log FROM logs WHERE author = $1 AND log_id = $2`, k.Author[:], k.LogID[:]).Scan(&rowid)
		if noRows(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if err := v.tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(length(header) + coalesce(length(payload), 0)), 0) FROM entries WHERE log = $1`, rowid).Scan(&n, &size); err != nil {
			return false, err
		}
		for _, q := range []string{`DELETE FROM entries WHERE log = $1`, `DELETE FROM forks WHERE log = $1`, `DELETE FROM logs WHERE log = $1`} {
			if _, err := v.tx.Exec(ctx, q, rowid); err != nil {
				return false, err
			}
		}
		v.purged = map[store.LogKey]bool{k: true}
		return true, nil
	})
	if err != nil {
		return 0, 0, err
	}
	return n, size, nil
}
