package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxReadStmts bounds the read statements kept prepared: the queries of
// Find have a few dozen shapes (the query's text depends on which fields
// of store.Query are set, never on their values), so a node's readers
// stay well under it; past it a query is prepared for its one use, as
// before.
const maxReadStmts = 256

// readStmts keeps the read pool's statements prepared, by their text.
// Without it every Find parsed and planned its SQL again: 41 % of a node's
// CPU while it followed accounts from a village, which reads villages and
// certificates by type at every recomputation (BENCHMARKS.md, "Following
// from a node in a village, ninth session"). A sql.Stmt of the pool is
// prepared on each connection it runs on, once.
type readStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns query's prepared statement, preparing it on first use; nil
// when maxReadStmts are kept already or it does not prepare (the caller
// then runs the query as it is, and gets the error).
func (s *Store) stmt(ctx context.Context, query string) *sql.Stmt {
	rs := &s.rstmts
	rs.mu.Lock()
	st, ok := rs.m[query]
	full := len(rs.m) >= maxReadStmts
	rs.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	// Prepared without the lock: preparing takes a connection of the
	// pool, which may wait for one that a reader holds.
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if old, ok := rs.m[query]; ok {
		_ = st.Close()
		return old
	}
	if rs.m == nil {
		rs.m = map[string]*sql.Stmt{}
	}
	rs.m[query] = st
	return st
}

// query runs query on the read pool through its prepared statement.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.r.QueryContext(ctx, query, args...)
}

// queryRow is query for one row.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := s.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.r.QueryRowContext(ctx, query, args...)
}

// close closes the prepared statements (Close, before the pool).
func (rs *readStmts) close() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, st := range rs.m {
		_ = st.Close()
	}
	rs.m = nil
}
