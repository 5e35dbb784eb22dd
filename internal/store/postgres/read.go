package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// entryCols are the columns scanEntry reads, in order.
const entryCols = `cursor, id, header, payload, payload IS NOT NULL, coalesce(type, ''), deleted, arrived, entry_time`

func scanEntry(sc pgx.Row) (*store.Stored, error) {
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

// payloadOf tells a held empty payload from one not held (NULL).
func payloadOf(b []byte, held bool) []byte {
	if !held {
		return nil
	}
	if b == nil {
		return []byte{}
	}
	return b
}

func (s *Store) queryEntries(ctx context.Context, query string, args ...any) ([]*store.Stored, error) {
	rows, err := s.pool.Query(ctx, query, args...)
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

func scanHead(sc pgx.Row) (store.Head, error) {
	var (
		hd               store.Head
		author, lid, hid []byte
		err              error
	)
	if err := sc.Scan(&author, &lid, &hd.Seq, &hid, &hd.Forked, &hd.Ended); err != nil {
		return store.Head{}, err
	}
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
	rows, err := s.pool.Query(ctx, `SELECT `+headCols+` FROM logs WHERE head_seq > 0 ORDER BY author, log_id`)
	if err != nil {
		return nil, s.wrap("heads", err)
	}
	defer rows.Close()
	hs := []store.Head{}
	for rows.Next() {
		hd, err := scanHead(rows)
		if err != nil {
			return nil, s.wrap("heads", err)
		}
		hs = append(hs, hd)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("heads", err)
	}
	return hs, nil
}

// Head returns one log's head, or store.ErrNotFound.
func (s *Store) Head(ctx context.Context, log store.LogKey) (store.Head, error) {
	if err := s.enter(ctx); err != nil {
		return store.Head{}, err
	}
	defer s.life.RUnlock()
	hd, err := scanHead(s.pool.QueryRow(ctx, `SELECT `+headCols+` FROM logs WHERE author = $1 AND log_id = $2 AND head_seq > 0`, log.Author[:], log.LogID[:]))
	if noRows(err) {
		return store.Head{}, store.ErrNotFound
	}
	if err != nil {
		return store.Head{}, s.wrap(fmt.Sprintf("head of log %s", log), err)
	}
	return hd, nil
}

const logSQL = ` FROM entries
	WHERE log = (SELECT log FROM logs WHERE author = $1 AND log_id = $2) AND seq >= $3
	ORDER BY seq LIMIT $4`

// Log returns the entries of one log with seq ≥ from, in seq order.
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
	out, err := s.queryEntries(ctx, `SELECT `+entryCols+logSQL, log.Author[:], log.LogID[:], int64(from), limit)
	return out, s.wrap(fmt.Sprintf("read log %s", log), err)
}

// LogRaw is Log without decoding.
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
	rows, err := s.pool.Query(ctx, `SELECT seq, header, payload, payload IS NOT NULL`+logSQL, log.Author[:], log.LogID[:], int64(from), limit)
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("read log %s", log), err)
	}
	defer rows.Close()
	var out []store.RawEntry
	for rows.Next() {
		var (
			seq        int64
			header, pl []byte
			held       bool
		)
		if err := rows.Scan(&seq, &header, &pl, &held); err != nil {
			return nil, s.wrap(fmt.Sprintf("read log %s", log), err)
		}
		out = append(out, store.RawEntry{Seq: uint64(seq), Header: header, Payload: payloadOf(pl, held)})
	}
	return out, s.wrap(fmt.Sprintf("read log %s", log), rows.Err())
}

// Get returns one entry by id, or store.ErrNotFound.
func (s *Store) Get(ctx context.Context, id entry.ID) (*store.Stored, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	st, err := scanEntry(s.pool.QueryRow(ctx, `SELECT `+entryCols+` FROM entries WHERE id = $1`, id[:]))
	if noRows(err) {
		return nil, store.ErrNotFound
	}
	return st, s.wrap(fmt.Sprintf("get %s", id), err)
}

// Find returns the entries matching q; see store.Store.
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
	query, args := findSQL(q, limit)
	out, err := s.queryEntries(ctx, query, args...)
	return out, s.wrap("find", err)
}

// findSQL is the query of Find for q and its arguments.
func findSQL(q store.Query, limit int) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{`cursor > ` + arg(max(q.After, 0))}
	if q.Before > 0 {
		where = append(where, `cursor < `+arg(q.Before))
	}
	if q.AfterKey.Cursor > 0 {
		where = append(where, `(entry_time, cursor) > (`+arg(q.AfterKey.Time)+`, `+arg(q.AfterKey.Cursor)+`)`)
	}
	if q.BeforeKey.Cursor > 0 {
		where = append(where, `(entry_time, cursor) < (`+arg(q.BeforeKey.Time)+`, `+arg(q.BeforeKey.Cursor)+`)`)
	}
	if q.Type != "" {
		where = append(where, `type = `+arg(q.Type))
	}
	if q.Thread != nil {
		where = append(where, `thread = `+arg(q.Thread[:]))
	}
	var logWhere []string
	if q.LogID != nil {
		logWhere = append(logWhere, `log_id = `+arg(q.LogID[:]))
	}
	if len(q.Authors) > 0 {
		as := make([][]byte, len(q.Authors))
		for i := range q.Authors {
			as[i] = q.Authors[i][:]
		}
		logWhere = append(logWhere, `author = ANY(`+arg(as)+`)`)
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
	return `SELECT ` + entryCols + ` FROM entries WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY ` + order + ` LIMIT ` + arg(limit), args
}

// Forks returns the fork evidence held, oldest first.
func (s *Store) Forks(ctx context.Context) ([]store.Fork, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	rows, err := s.pool.Query(ctx, `SELECT id, seq, kept, header, payload, payload IS NOT NULL FROM forks ORDER BY n`)
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
			seq               int64
		)
		if err := rows.Scan(&id, &seq, &kept, &raw, &pl, &hasPayload); err != nil {
			return nil, s.wrap("forks", err)
		}
		f.Seq = uint64(seq)
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

func scanDevice(sc pgx.Row) (store.Device, error) {
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

// Devices returns the devices account has certified, ordered by device key.
func (s *Store) Devices(ctx context.Context, account identity.PublicKey) ([]store.Device, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	rows, err := s.pool.Query(ctx, `SELECT `+deviceCols+deviceFrom+` WHERE d.account = $1 ORDER BY d.device`, account[:])
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
	return out, s.wrap("devices", rows.Err())
}

// AccountOf returns the certification of device, or store.ErrNotFound: a
// certification not revoked first, then the smallest certificate id.
func (s *Store) AccountOf(ctx context.Context, device identity.PublicKey) (store.Device, error) {
	if err := s.enter(ctx); err != nil {
		return store.Device{}, err
	}
	defer s.life.RUnlock()
	d, err := scanDevice(s.pool.QueryRow(ctx, `SELECT `+deviceCols+deviceFrom+`
		WHERE d.device = $1 ORDER BY r.by IS NOT NULL, d.cert LIMIT 1`, device[:]))
	if noRows(err) {
		return store.Device{}, store.ErrNotFound
	}
	return d, s.wrap("account of device", err)
}

// LatestProfile returns the newest profile of the account key or of a
// device the account certified and has not revoked; see store.Store.
func (s *Store) LatestProfile(ctx context.Context, account identity.PublicKey) (*store.Stored, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	st, err := scanEntry(s.pool.QueryRow(ctx, latestProfileSQL, account[:], entry.PublicLog[:]))
	if noRows(err) {
		return nil, store.ErrNotFound
	}
	return st, s.wrap("latest profile", err)
}

const latestProfileSQL = `
		WITH authors (a) AS (
			SELECT $1::bytea
			UNION
			SELECT d.device FROM devices d
			WHERE d.account = $1 AND NOT EXISTS (
				SELECT 1 FROM revocations r WHERE r.account = d.account AND r.device = d.device)
		)
		SELECT ` + entryCols + ` FROM entries
		WHERE type = '` + content.TypeProfile + `' AND log IN (SELECT l.log FROM logs l JOIN authors ON l.author = authors.a WHERE l.log_id = $2)
		ORDER BY timestamp DESC, id DESC LIMIT 1`
