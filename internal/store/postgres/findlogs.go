package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/kithnet/kith/internal/store"
)

// maxFindLogs bounds the logs Find reads one at a time, as in the SQLite
// store (store/sqlite/findlogs.go): a query of one type by a few authors
// (one account's posts, its follows) whose authors hold at most this many
// logs. More logs than that (a timeline of many accounts) are read through
// entries_type and entries_type_time, whose cost does not depend on the
// authors.
const maxFindLogs = 64

// findLogs answers q, which has a Type and Authors and no Thread, by
// reading each of the authors' logs through entries_log_type (migration 3)
// and merging, in one statement: the cost of a page is that of its rows in
// those logs, whatever else the store holds. ok is false, and nothing was
// read but the logs' numbers, when the authors hold more than maxFindLogs
// logs.
func (s *Store) findLogs(ctx context.Context, q store.Query, limit int) (out []*store.Stored, ok bool, err error) {
	as := make([][]byte, len(q.Authors))
	for i := range q.Authors {
		as[i] = q.Authors[i][:]
	}
	query, args := `SELECT log FROM logs WHERE author = ANY($1) LIMIT $2`, []any{as, maxFindLogs + 1}
	if q.LogID != nil {
		query, args = `SELECT log FROM logs WHERE author = ANY($1) AND log_id = $3 LIMIT $2`, append(args, q.LogID[:])
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	var logs []int64
	for rows.Next() {
		var l int64
		if err := rows.Scan(&l); err != nil {
			rows.Close()
			return nil, false, err
		}
		logs = append(logs, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(logs) > maxFindLogs {
		return nil, false, nil
	}
	if len(logs) == 0 {
		return nil, true, nil
	}
	query, args = findLogsSQL(q, logs, limit)
	out, err = s.queryEntries(ctx, query, args...)
	return out, err == nil, err
}

// findLogsSQL is the statement of findLogs: for each log, findSQL's
// conditions on cursors and keys in that log and type, through
// entries_log_type, at most limit rows; then the merge of them, in the
// query's order, at most limit rows. Within one log and type, time order
// is arrival order (a log grows in seq order, under the writers' lock,
// and entry_time never decreases along it), so both orders walk the index.
func findLogsSQL(q store.Query, logs []int64, limit int) (string, []any) {
	args := []any{logs, q.Type, max(q.After, 0), limit}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// A cursor bound that is an entry of this log (a page's last, when
	// paging) also bounds entry_time, which the index can seek to; of
	// another log it bounds nothing (coalesce).
	where := []string{`e.log = l.lg`, `e.type = $2`, `e.cursor > $3`,
		`e.entry_time >= coalesce((SELECT b.entry_time FROM entries b WHERE b.cursor = $3 AND b.log = l.lg), 0)`}
	if q.Before > 0 {
		p := arg(q.Before)
		where = append(where, `e.cursor < `+p,
			`e.entry_time <= coalesce((SELECT b.entry_time FROM entries b WHERE b.cursor = `+p+` AND b.log = l.lg), 9223372036854775807)`)
	}
	if q.AfterKey.Cursor > 0 {
		where = append(where, `(e.entry_time, e.cursor) > (`+arg(q.AfterKey.Time)+`, `+arg(q.AfterKey.Cursor)+`)`)
	}
	if q.BeforeKey.Cursor > 0 {
		where = append(where, `(e.entry_time, e.cursor) < (`+arg(q.BeforeKey.Time)+`, `+arg(q.BeforeKey.Cursor)+`)`)
	}
	inner, outer := `e.entry_time, e.cursor`, `cursor`
	switch {
	case q.ByTime && q.Desc:
		inner, outer = `e.entry_time DESC, e.cursor DESC`, `entry_time DESC, cursor DESC`
	case q.ByTime:
		outer = `entry_time, cursor`
	case q.Desc:
		inner, outer = `e.entry_time DESC, e.cursor DESC`, `cursor DESC`
	}
	return `SELECT ` + entryCols + ` FROM unnest($1::bigint[]) AS l (lg), LATERAL (
		SELECT e.* FROM entries e WHERE ` + strings.Join(where, ` AND `) + `
		ORDER BY ` + inner + ` LIMIT $4) AS x
	ORDER BY ` + outer + ` LIMIT $4`, args
}
