package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kithnet/kith/internal/store"
)

var _ store.LogDropper = (*Store)(nil)

// DropLog deletes a log's entries, fork evidence and head in one
// transaction; see store.LogDropper. The freed pages are reused by later
// writes, so the file stops growing; it does not shrink.
func (s *Store) DropLog(ctx context.Context, k store.LogKey) (int, int64, error) {
	if err := s.enter(ctx); err != nil {
		return 0, 0, err
	}
	defer s.life.RUnlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, s.wrap("drop log: begin", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.checkDataVersion(tx); err != nil {
		return 0, 0, s.wrap("drop log", err)
	}
	var rowid int64
	err = tx.QueryRowContext(ctx, `SELECT log FROM logs WHERE author = ? AND log_id = ?`, k.Author[:], k.LogID[:]).Scan(&rowid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, s.wrap("drop log", err)
	}
	var n int
	var size int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(header) + coalesce(length(payload), 0)), 0) FROM entries WHERE log = ?`, rowid).Scan(&n, &size); err != nil {
		return 0, 0, s.wrap("drop log", err)
	}
	// Dropping the newest entries must not free their cursors
	// (cursorfloor.go).
	before, err := maxCursor(tx)
	if err != nil {
		return 0, 0, s.wrap("drop log", err)
	}
	for _, q := range []string{`DELETE FROM entries WHERE log = ?`, `DELETE FROM forks WHERE log = ?`, `DELETE FROM logs WHERE log = ?`} {
		if _, err := tx.ExecContext(ctx, q, rowid); err != nil {
			return 0, 0, s.wrap("drop log", err)
		}
	}
	floor, err := keepFloor(tx, before, s.floor)
	if err != nil {
		return 0, 0, s.wrap("drop log", err)
	}
	err = tx.Commit()
	s.heads.changed()
	if err != nil {
		return 0, 0, s.wrap("drop log: commit", err)
	}
	s.floor = floor
	s.logsMu.Lock()
	delete(s.logs, k)
	s.logsMu.Unlock()
	return n, size, nil
}
