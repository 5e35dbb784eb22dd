package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// entryCols are the columns scanEntry reads, in order.
const entryCols = `cursor, id, header, payload, payload IS NOT NULL, coalesce(type, ''), deleted, arrived, entry_time`

type scanner interface{ Scan(dest ...any) error }

func scanEntry(sc scanner) (*store.Stored, error) {
	var (
		st          store.Stored
		id, raw, pl []byte
		hasPayload  bool
	)
	if err := sc.Scan(&st.Cursor, &id, &raw, &pl, &hasPayload, &st.Type, &st.Deleted, &st.Arrived, &st.Time); err != nil {
		return nil, err
	}
	pl = payloadOf(pl, hasPayload)
	h, err := entry.DecodeHeader(raw)
	if err != nil {
		return nil, fmt.Errorf("entry at cursor %d: stored header: %w", st.Cursor, err)
	}
	eid, err := toKey(id, "entry id")
	if err != nil {
		return nil, fmt.Errorf("entry at cursor %d: %w", st.Cursor, err)
	}
	st.Entry = &entry.Entry{Header: h, Raw: raw, ID: eid, Payload: pl}
	return &st, nil
}

// payloadOf tells a held empty payload (a zero-length BLOB, which the
// driver returns as nil) from a payload not held (NULL).
func payloadOf(b []byte, held bool) []byte {
	if held && b == nil {
		return []byte{}
	}
	if !held {
		return nil
	}
	return b
}

func (s *Store) queryEntries(ctx context.Context, query string, args ...any) ([]*store.Stored, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.Stored
	for rows.Next() {
		st, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func scanHead(sc scanner) (store.Head, error) {
	var (
		hd               store.Head
		author, lid, hid []byte
	)
	if err := sc.Scan(&author, &lid, &hd.Seq, &hid, &hd.Forked, &hd.Ended); err != nil {
		return store.Head{}, err
	}
	return headOf(hd, author, lid, hid)
}

// headOf completes hd, scanned with its seq and flags, with its log key
// and head id.
func headOf(hd store.Head, author, lid, hid []byte) (store.Head, error) {
	var err error
	if hd.Log.Author, err = pub(author, "log author"); err != nil {
		return store.Head{}, err
	}
	var l [32]byte
	if l, err = toKey(lid, "log id"); err != nil {
		return store.Head{}, err
	}
	hd.Log.LogID = entry.LogID(l)
	if hd.ID, err = toKey(hid, "head id"); err != nil {
		return store.Head{}, err
	}
	return hd, nil
}

const headCols = `author, log_id, head_seq, head_id, forked, ended`

// Heads returns the head of every log, ordered by author then log id.
func (s *Store) Heads(ctx context.Context) ([]store.Head, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	gen := s.heads.gen.Load()
	if hs, ok := s.heads.get(); ok {
		return hs, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+headCols+` FROM logs WHERE head_seq > 0 ORDER BY author, log_id`)
	if err != nil {
		return nil, s.wrap("heads", err)
	}
	defer rows.Close()
	hs := []store.Head{}
	var author, lid, hid sql.RawBytes // not copied: every log's head is read here
	for rows.Next() {
		var hd store.Head
		err := rows.Scan(&author, &lid, &hd.Seq, &hid, &hd.Forked, &hd.Ended)
		if err == nil {
			hd, err = headOf(hd, author, lid, hid)
		}
		if err != nil {
			return nil, s.wrap("heads", err)
		}
		hs = append(hs, hd)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("heads", err)
	}
	s.heads.put(gen, hs)
	return hs, nil
}

// Head returns one log's head, or store.ErrNotFound.
func (s *Store) Head(ctx context.Context, log store.LogKey) (store.Head, error) {
	if err := s.enter(ctx); err != nil {
		return store.Head{}, err
	}
	defer s.life.RUnlock()
	hd, err := scanHead(s.queryRow(ctx, `SELECT `+headCols+` FROM logs WHERE author = ? AND log_id = ? AND head_seq > 0`, log.Author[:], log.LogID[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Head{}, store.ErrNotFound
	}
	if err != nil {
		return store.Head{}, s.wrap(fmt.Sprintf("head of log %s", log), err)
	}
	return hd, nil
}

// Log returns the entries of one log with seq ≥ from, in seq order, at most
// limit of them (store.DefaultLimit when limit ≤ 0). An unknown log has no
// entries.
func (s *Store) Log(ctx context.Context, log store.LogKey, from uint64, limit int) ([]*store.Stored, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	if from > entry.MaxSeq {
		return nil, nil
	}
	out, err := s.queryEntries(ctx, `SELECT `+entryCols+` FROM entries
		WHERE log = (SELECT log FROM logs WHERE author = ? AND log_id = ?) AND seq >= ?
		ORDER BY seq LIMIT ?`, log.Author[:], log.LogID[:], int64(from), limit)
	return out, s.wrap(fmt.Sprintf("read log %s", log), err)
}

// LogRaw is Log without decoding: it reads only seq, header and payload,
// and copies the bytes of all rows into one buffer, so a chunk costs two
// allocations, not several per entry.
func (s *Store) LogRaw(ctx context.Context, log store.LogKey, from uint64, limit int) ([]store.RawEntry, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	if from > entry.MaxSeq {
		return nil, nil
	}
	out, err := s.logRaw(ctx, log, from, limit)
	return out, s.wrap(fmt.Sprintf("read log %s", log), err)
}

func (s *Store) logRaw(ctx context.Context, log store.LogKey, from uint64, limit int) ([]store.RawEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, header, payload, payload IS NOT NULL FROM entries
		WHERE log = (SELECT log FROM logs WHERE author = ? AND log_id = ?) AND seq >= ?
		ORDER BY seq LIMIT ?`, log.Author[:], log.LogID[:], int64(from), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type span struct {
		seq            uint64
		h0, h1, p0, p1 int
		held           bool
	}
	var (
		spans        []span
		buf          []byte
		header, body sql.RawBytes
		seq          int64
		held         bool
	)
	for rows.Next() {
		if err := rows.Scan(&seq, &header, &body, &held); err != nil {
			return nil, err
		}
		sp := span{seq: uint64(seq), h0: len(buf), held: held}
		buf = append(buf, header...)
		sp.h1, sp.p0 = len(buf), len(buf)
		buf = append(buf, body...)
		sp.p1 = len(buf)
		spans = append(spans, sp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]store.RawEntry, len(spans))
	for i, sp := range spans {
		out[i] = store.RawEntry{Seq: sp.seq, Header: buf[sp.h0:sp.h1:sp.h1]}
		if sp.held {
			out[i].Payload = buf[sp.p0:sp.p1:sp.p1]
		}
	}
	return out, nil
}

// getSQL is Get's query.
var getSQL = `SELECT ` + entryCols + ` FROM entries WHERE cursor = ` + cursorOfID(1, 2)

// Get returns one entry by id, or store.ErrNotFound. Fork evidence is not
// returned here; see Forks.
func (s *Store) Get(ctx context.Context, id entry.ID) (*store.Stored, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	st, err := scanEntry(s.queryRow(ctx, getSQL, idPrefix(id), id[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return st, s.wrap(fmt.Sprintf("get %s", id), err)
}

// Find returns the entries matching q in arrival order (q.Desc: newest
// first).
func (s *Store) Find(ctx context.Context, q store.Query) ([]*store.Stored, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	if q.Thread == nil && q.Type != "" && len(q.Authors) > 0 {
		out, ok, err := s.findLogs(ctx, q, limit)
		if err != nil || ok {
			return out, s.wrap("find", err)
		}
	}
	if q.Thread == nil {
		out, err := s.queryEntries(ctx, findSQL(q), findArgs(q, limit)...)
		return out, s.wrap("find", err)
	}
	// The thread column holds the root's id prefix: rows are checked
	// against their payload, and the query goes on past rows that do not
	// match (another root with the same prefix) until the page is full.
	var out []*store.Stored
	for {
		page, err := s.queryEntries(ctx, findSQL(q), findArgs(q, limit)...)
		if err != nil {
			return nil, s.wrap("find", err)
		}
		for _, e := range page {
			if len(out) < limit && e.Payload != nil && threadOf(e.Payload) == *q.Thread {
				out = append(out, e)
			}
		}
		if len(page) < limit || len(out) == limit {
			return out, nil
		}
		last := page[len(page)-1]
		switch {
		case q.ByTime && q.Desc:
			q.BeforeKey = last.Key()
		case q.ByTime:
			q.AfterKey = last.Key()
		case q.Desc:
			q.Before = last.Cursor
		default:
			q.After = last.Cursor
		}
	}
}

// findSQL is the query of Find for q; findArgs are its arguments.
//
// Entries of one type are walked through entries_type, which is ordered by
// (type, cursor) in either direction, or with ByTime through
// entries_type_time, ordered by (type, entry_time, cursor); a thread's
// replies through entries_thread, ordered by (thread, cursor).
func findSQL(q store.Query) string {
	where := []string{`cursor > ?`}
	if q.Before > 0 {
		where = append(where, `cursor < ?`)
	}
	if q.AfterKey.Cursor > 0 {
		where = append(where, `(entry_time, cursor) > (?, ?)`)
	}
	if q.BeforeKey.Cursor > 0 {
		where = append(where, `(entry_time, cursor) < (?, ?)`)
	}
	if q.Type != "" {
		if lit, ok := typeLiteral(q.Type); ok {
			where = append(where, `type = `+lit)
		} else {
			where = append(where, `type = ?`)
		}
	}
	if q.Thread != nil {
		where = append(where, `thread = ?`)
	}
	var logWhere []string
	if q.LogID != nil {
		logWhere = append(logWhere, `log_id = ?`)
	}
	if len(q.Authors) > 0 {
		// One parameter however many authors: a JSON array of hex keys.
		logWhere = append(logWhere, `author IN (SELECT unhex(value) FROM json_each(?))`)
	}
	if len(logWhere) > 0 {
		where = append(where, `log IN (SELECT log FROM logs WHERE `+strings.Join(logWhere, ` AND `)+`)`)
	}
	order := `cursor`
	switch {
	case q.ByTime && q.Desc:
		order = `entry_time DESC, cursor DESC`
	case q.ByTime:
		order = `entry_time, cursor`
	case q.Desc:
		order = `cursor DESC`
	}
	from := ` FROM entries`
	if q.ByTime && q.Type != "" && q.Thread == nil {
		// With entries_log_type (migration 4) SQLite may prefer
		// entries_type and a sort of every post; a time-ordered feed
		// walks entries_type_time and stops at the page's end.
		from += ` INDEXED BY entries_type_time`
	}
	return `SELECT ` + entryCols + from + ` WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY ` + order + ` LIMIT ?`
}

// typeLiteral returns the SQL string literal of an entry type made of at
// most 64 printable ASCII characters (every type kith writes), for Find's
// query: ok is false for any other, which is then bound as a parameter.
//
// A type bound as a parameter made SQLite prepare the query again at every
// run: entries_type is a partial index (type IS NOT NULL), and a plan
// that uses it for "type = ?" holds only while the parameter is not NULL,
// so SQLite marks the statement to be prepared again whenever it is bound.
// With the type in the text, a prepared statement (readstmts.go) runs
// again without a parse: a node in a village reads villages and
// certificates by type at every recomputation of its scope, and spent 41 %
// of its CPU in SQLite's parser while it followed accounts (BENCHMARKS.md,
// "Following from a node in a village, ninth session").
func typeLiteral(t string) (string, bool) {
	if t == "" || len(t) > 64 {
		return "", false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 0x20 || t[i] > 0x7e {
			return "", false
		}
	}
	return `'` + strings.ReplaceAll(t, `'`, `''`) + `'`, true
}

func findArgs(q store.Query, limit int) []any {
	args := []any{max(q.After, 0)}
	if q.Before > 0 {
		args = append(args, q.Before)
	}
	if q.AfterKey.Cursor > 0 {
		args = append(args, q.AfterKey.Time, q.AfterKey.Cursor)
	}
	if q.BeforeKey.Cursor > 0 {
		args = append(args, q.BeforeKey.Time, q.BeforeKey.Cursor)
	}
	if _, lit := typeLiteral(q.Type); q.Type != "" && !lit {
		args = append(args, q.Type)
	}
	if q.Thread != nil {
		args = append(args, idPrefix(*q.Thread))
	}
	if q.LogID != nil {
		args = append(args, q.LogID[:])
	}
	if len(q.Authors) > 0 {
		var b strings.Builder
		b.WriteByte('[')
		for i, a := range q.Authors {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(hex.EncodeToString(a[:]))
			b.WriteByte('"')
		}
		b.WriteByte(']')
		args = append(args, b.String())
	}
	return append(args, limit)
}

// Forks returns the fork evidence held, oldest first.
func (s *Store) Forks(ctx context.Context) ([]store.Fork, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	rows, err := s.r.QueryContext(ctx, `SELECT id, seq, kept, header, payload, payload IS NOT NULL FROM forks ORDER BY n`)
	if err != nil {
		return nil, s.wrap("forks", err)
	}
	defer rows.Close()
	var out []store.Fork
	for rows.Next() {
		var (
			f                 store.Fork
			id, kept, raw, pl []byte
			hasPayload        bool
		)
		if err := rows.Scan(&id, &f.Seq, &kept, &raw, &pl, &hasPayload); err != nil {
			return nil, s.wrap("forks", err)
		}
		pl = payloadOf(pl, hasPayload)
		h, err := entry.DecodeHeader(raw)
		if err != nil {
			return nil, s.wrap("forks", fmt.Errorf("stored header: %w", err))
		}
		eid, err := toKey(id, "fork id")
		if err != nil {
			return nil, s.wrap("forks", err)
		}
		if f.Kept, err = toKey(kept, "kept id"); err != nil {
			return nil, s.wrap("forks", err)
		}
		f.Log = store.LogKey{Author: h.Author, LogID: h.LogID}
		f.Conflict = &entry.Entry{Header: h, Raw: raw, ID: eid, Payload: pl}
		out = append(out, f)
	}
	return out, s.wrap("forks", rows.Err())
}

const deviceCols = `d.account, d.device, d.name, d.cert, r.by`

const deviceFrom = ` FROM devices d LEFT JOIN revocations r ON r.account = d.account AND r.device = d.device`

func scanDevice(sc scanner) (store.Device, error) {
	var (
		d                  store.Device
		acc, dev, cert, by []byte
		err                error
	)
	if err := sc.Scan(&acc, &dev, &d.Name, &cert, &by); err != nil {
		return store.Device{}, err
	}
	if d.Account, err = pub(acc, "account"); err != nil {
		return store.Device{}, err
	}
	if d.Device, err = pub(dev, "device"); err != nil {
		return store.Device{}, err
	}
	if d.Cert, err = toKey(cert, "certificate id"); err != nil {
		return store.Device{}, err
	}
	if by != nil {
		d.Revoked = true
		if d.RevokedBy, err = toKey(by, "revocation id"); err != nil {
			return store.Device{}, err
		}
	}
	return d, nil
}

// Devices returns the devices account has certified, revoked or not,
// ordered by device key.
func (s *Store) Devices(ctx context.Context, account identity.PublicKey) ([]store.Device, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	gen := s.devices.gen.Load()
	if ds, ok := s.devices.get(account); ok {
		return ds, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+deviceCols+deviceFrom+` WHERE d.account = ? ORDER BY d.device`, account[:])
	if err != nil {
		return nil, s.wrap("devices", err)
	}
	defer rows.Close()
	var out []store.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, s.wrap("devices", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("devices", err)
	}
	s.devices.put(gen, account, out)
	return out, nil
}

// AccountOf returns the certification of device, or store.ErrNotFound. When
// more than one account certified the device (each with the device's
// counter-signature), a certification that is not revoked wins, then the
// one with the smallest certificate id, so every replica answers the same.
func (s *Store) AccountOf(ctx context.Context, device identity.PublicKey) (store.Device, error) {
	if err := s.enter(ctx); err != nil {
		return store.Device{}, err
	}
	defer s.life.RUnlock()
	d, err := scanDevice(s.r.QueryRowContext(ctx, `SELECT `+deviceCols+deviceFrom+`
		WHERE d.device = ? ORDER BY r.by IS NOT NULL, d.cert LIMIT 1`, device[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Device{}, store.ErrNotFound
	}
	return d, s.wrap("account of device", err)
}

// LatestProfile returns the newest profile written by the account key or by
// a device the account certified and has not revoked: the greatest author
// timestamp, then the greatest id. Profiles whose payload is not held do
// not count. It returns store.ErrNotFound when there is none.
func (s *Store) LatestProfile(ctx context.Context, account identity.PublicKey) (*store.Stored, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	st, err := scanEntry(s.r.QueryRowContext(ctx, latestProfileSQL, account[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return st, s.wrap("latest profile", err)
}

// latestProfileSQL finds the newest profile of account ?1. Without
// statistics SQLite would walk every profile through entries_type; the
// partial index entries_profile reaches the few logs of one account.
const latestProfileSQL = `
		WITH authors (a) AS (
			SELECT ?1
			UNION
			SELECT d.device FROM devices d
			WHERE d.account = ?1 AND NOT EXISTS (
				SELECT 1 FROM revocations r WHERE r.account = d.account AND r.device = d.device)
		)
		SELECT ` + entryCols + ` FROM entries INDEXED BY entries_profile
		WHERE type = '` + content.TypeProfile + `' AND log IN (SELECT l.log FROM logs l JOIN authors ON l.author = authors.a WHERE l.log_id = zeroblob(32))
		ORDER BY timestamp DESC, id DESC LIMIT 1`
