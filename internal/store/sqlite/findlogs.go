package sqlite

import (
	"context"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/store"
)

// maxFindLogs bounds the logs Find reads one at a time: a query of one type
// by a few authors (one account's posts, its follows) whose authors hold at
// most this many logs matching it. More logs than that (a timeline of many
// accounts) are read through entries_type and entries_type_time, whose cost
// does not depend on the authors.
const maxFindLogs = 64

// findLogs answers q, which has a Type and Authors and no Thread, by
// reading each of the authors' matching logs through entries_log_type and
// merging: the cost of a page is that of its rows in those logs, whatever
// else the store holds (without it, a page of an account's posts walked
// every post held, newest first, until it found enough of the account's).
// ok is false, and nothing was read but the logs' numbers, when the
// authors hold more than maxFindLogs matching logs.
func (s *Store) findLogs(ctx context.Context, q store.Query, limit int) (out []*store.Stored, ok bool, err error) {
	args := findArgs(store.Query{Authors: q.Authors, LogID: q.LogID}, maxFindLogs+1)[1:]
	where := `author IN (SELECT unhex(value) FROM json_each(?))`
	if q.LogID != nil {
		where = `log_id = ? AND ` + where
	}
	rows, err := s.r.QueryContext(ctx, `SELECT log FROM logs WHERE `+where+` LIMIT ?`, args...)
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
	query := findLogSQL(q)
	for _, l := range logs {
		page, err := s.queryEntries(ctx, query, findLogArgs(q, l, limit)...)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page...)
	}
	cmp := func(a, b *store.Stored) int {
		if q.ByTime {
			return a.Key().Compare(b.Key())
		}
		return compareInt(a.Cursor, b.Cursor)
	}
	if q.Desc {
		slices.SortFunc(out, func(a, b *store.Stored) int { return cmp(b, a) })
	} else {
		slices.SortFunc(out, cmp)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, true, nil
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// findLogSQL is the query of one log for findLogs: findSQL's conditions on
// cursors and keys, in one log (?1) and type (?2), through
// entries_log_type. Within one log and type, time order is arrival order
// (see migration 4), so both orders walk the index: no row is read that
// the page does not need beyond the cursor conditions' own.
func findLogSQL(q store.Query) string {
	// A cursor bound that is an entry of this log (a page's last, when
	// paging) also bounds entry_time, which the index can seek to: along a
	// log entry_time never decreases as cursors grow. Of another log it
	// bounds nothing (coalesce).
	where := []string{`log = ?1`, `type = ?2`, `cursor > ?3`,
		`entry_time >= coalesce((SELECT entry_time FROM entries WHERE cursor = ?3 AND log = ?1), 0)`}
	if q.Before > 0 {
		where = append(where, `cursor < ?4`,
			`entry_time <= coalesce((SELECT entry_time FROM entries WHERE cursor = ?4 AND log = ?1), 9223372036854775807)`)
	}
	if q.AfterKey.Cursor > 0 {
		where = append(where, `(entry_time, cursor) > (?, ?)`)
	}
	if q.BeforeKey.Cursor > 0 {
		where = append(where, `(entry_time, cursor) < (?, ?)`)
	}
	order := `entry_time, cursor`
	if q.Desc {
		order = `entry_time DESC, cursor DESC`
	}
	return `SELECT ` + entryCols + ` FROM entries INDEXED BY entries_log_type WHERE ` +
		strings.Join(where, ` AND `) + ` ORDER BY ` + order + ` LIMIT ?`
}

func findLogArgs(q store.Query, log int64, limit int) []any {
	args := []any{log, q.Type, max(q.After, 0)}
	if q.Before > 0 {
		args = append(args, q.Before)
	}
	if q.AfterKey.Cursor > 0 {
		args = append(args, q.AfterKey.Time, q.AfterKey.Cursor)
	}
	if q.BeforeKey.Cursor > 0 {
		args = append(args, q.BeforeKey.Time, q.BeforeKey.Cursor)
	}
	return append(args, limit)
}
