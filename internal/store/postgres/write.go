package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/jackc/pgx/v5"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Append validates and stores one entry; see store.Store.
func (s *Store) Append(ctx context.Context, e *entry.Entry) (store.Result, error) {
	rs, err := s.Ingest(ctx, []*entry.Entry{e})
	if err != nil {
		return store.Result{}, err
	}
	return rs[0], nil
}

// Ingest validates a batch with store.Plan and applies its changes in one
// transaction under the writers' lock; see store.Store and the package
// doc.
func (s *Store) Ingest(ctx context.Context, es []*entry.Entry) ([]store.Result, error) {
	for i, e := range es {
		if e == nil {
			return nil, fmt.Errorf("postgres: ingest: entry %d of %d is nil", i, len(es))
		}
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	if len(es) == 0 {
		return []store.Result{}, nil
	}
	pv := store.StartVerify(es, s.verify, s.fresh)
	defer pv.Stop()
	if err := pv.Wait(0); err != nil {
		return nil, s.wrap("ingest", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var results []store.Result
	err := s.writeTx(ctx, "ingest", func(v *txView) (bool, error) {
		purged := false
		if s.purgeDue {
			if err := v.purgeRevoked(); err != nil {
				return false, err
			}
			purged, v.didPurge = true, true
		}
		rs, applied, err := v.run(es, pv)
		if err != nil {
			return false, err
		}
		results = rs
		return applied > 0 || purged, nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// writeTx runs fn in a write transaction: it takes the writers' lock,
// reloads what this process caches if another process wrote since its
// last write, and, when fn reports a change, bumps kith_meta.gen and
// notifies the store's channel before committing. On commit the caches
// take what the transaction learned.
func (s *Store) writeTx(ctx context.Context, op string, fn func(v *txView) (changed bool, err error)) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	defer s.hv.changed() // after the transaction ends: HeadsVersion
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.wrap(op+": begin", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	fail := func(err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return s.wrap(op, err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, s.lockID); err != nil {
		return fail(fmt.Errorf("take the writers' lock: %w", err))
	}
	var gen int64
	if err := tx.QueryRow(ctx, `SELECT gen FROM kith_meta`).Scan(&gen); err != nil {
		return fail(fmt.Errorf("read the write generation: %w", err))
	}
	if gen != s.gen {
		if err := s.reload(ctx, tx); err != nil {
			return fail(err)
		}
		s.gen = gen
	}
	v := &txView{s: s, ctx: ctx, tx: tx, logs: map[store.LogKey]*txLog{}, now: s.clock()}
	changed, err := fn(v)
	if err == nil {
		err = v.flush()
	}
	if err != nil {
		s.gen = -1 // the tombstone filter may hold targets of the rollback
		return fail(err)
	}
	if !changed {
		return s.wrap(op+": commit", tx.Commit(ctx))
	}
	if err := tx.QueryRow(ctx, `UPDATE kith_meta SET gen = gen + 1 RETURNING gen`).Scan(&gen); err != nil {
		s.gen = -1
		return fail(fmt.Errorf("bump the write generation: %w", err))
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, s.Channel(), s.token+" "+fmt.Sprint(gen)); err != nil {
		s.gen = -1
		return fail(fmt.Errorf("notify: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		s.gen = -1
		s.logsMu.Lock()
		clear(s.logs)
		s.logsMu.Unlock()
		return fail(fmt.Errorf("commit: %w", err))
	}
	s.gen = gen
	v.committed()
	return nil
}

// Channel is the LISTEN/NOTIFY channel on which every write that changed
// the store announces itself; the payload is the writer's token (random,
// one per Store) and the new kith_meta.gen.
func (s *Store) Channel() string { return "kith_" + s.schema }

// reload drops what the writer caches and reads the tombstone filter and
// the revocations in effect again.
func (s *Store) reload(ctx context.Context, tx pgx.Tx) error {
	s.logsMu.Lock()
	clear(s.logs)
	s.logsMu.Unlock()
	s.tombs = map[[32]byte]struct{}{}
	rows, err := tx.Query(ctx, `SELECT target FROM tombstones`)
	if err != nil {
		return fmt.Errorf("reload tombstones: %w", err)
	}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return fmt.Errorf("reload tombstones: %w", err)
		}
		if len(b) == 32 {
			s.tombs[[32]byte(b)] = struct{}{}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reload tombstones: %w", err)
	}
	if err := s.loadRevoked(ctx, tx); err != nil {
		return fmt.Errorf("reload revocations: %w", err)
	}
	s.purgeDue = len(s.revoked) > 0
	return nil
}

// fresh returns the entries of chunk that are probably new: those past
// the head this process last saw of their log. Only they are verified
// ahead (store.VerifyPipeline).
func (s *Store) fresh(chunk []*entry.Entry) []*entry.Entry {
	cand := make([]*entry.Entry, 0, len(chunk))
	s.logsMu.RLock()
	defer s.logsMu.RUnlock()
	for _, e := range chunk {
		if l, ok := s.logs[store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}]; ok && e.Header.Seq <= l.head.Seq {
			continue
		}
		cand = append(cand, e)
	}
	return cand
}

// txView is store.View over the write transaction. Writes are queued in
// a pgx batch and sent before the next read, so a chunk's changes take one
// round trip.
type txView struct {
	s       *Store
	ctx     context.Context
	tx      pgx.Tx
	now     int64
	logs    map[store.LogKey]*txLog
	last    *txLog
	lastKey store.LogKey
	batch   *pgx.Batch
	whats   []string // names the queued writes, for errors
	// rows are the entries queued for insertion, sent by flush with one
	// COPY before the batch (see flush).
	rows [][]any
	// times holds the entry_time of the entries this transaction
	// inserted, for the replies to them.
	times   map[entry.ID]int64
	revoked map[identity.PublicKey]*store.Revoked
	purged  map[store.LogKey]bool
	// didPurge: this transaction dropped what every revocation in
	// effect does not keep (Store.purgeDue).
	didPurge bool
}

type txLog struct {
	logState
	known bool
	dirty bool
	forks map[uint64]bool
}

// queue adds a write to the batch; what names it in an error.
func (v *txView) queue(what string, sql string, args ...any) {
	if v.batch == nil {
		v.batch = &pgx.Batch{}
	}
	v.batch.Queue(sql, args...)
	v.whats = append(v.whats, what)
}

// copyCols are the columns of entries that a COPY fills; cursor comes
// from its identity sequence, in row order.
var copyCols = []string{"id", "log", "seq", "timestamp", "type", "deleted", "header", "payload", "thread", "arrived", "entry_time"}

// flush sends the queued writes: first the queued entries, with one COPY
// into entries, then the batch of the other writes, in one round trip.
//
// COPY has no ON CONFLICT, and needs none: the rows are entries that
// store.Plan found new under the writers' advisory lock, which every
// process's writers take, so no other transaction can have stored them;
// the unique indexes on id and (log, seq) stay as the last word (a
// violation fails the whole transaction, and nothing of it is stored).
// Entries go first because the batch's writes may name them (a payload
// filled in or dropped by a later entry of the same chunk); no write of
// the batch is one that an entry of the COPY depends on (the logs row of a
// new log is inserted at once, before its entries are queued).
func (v *txView) flush() error {
	if len(v.rows) > 0 {
		rows := v.rows
		v.rows = nil
		n, err := v.tx.CopyFrom(v.ctx, pgx.Identifier{"entries"}, copyCols, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("insert %d entries (first %x…, seq %d): %w", len(rows), rows[0][0].([]byte)[:8], rows[0][2], err)
		}
		if n != int64(len(rows)) {
			return fmt.Errorf("insert %d entries: the server stored %d", len(rows), n)
		}
	}
	if v.batch == nil || v.batch.Len() == 0 {
		return nil
	}
	b, whats := v.batch, v.whats
	v.batch, v.whats = nil, nil
	br := v.tx.SendBatch(v.ctx, b)
	for _, what := range whats {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return br.Close()
}

// run plans and applies the batch chunk by chunk; it returns the results
// and how many changes it applied.
func (v *txView) run(es []*entry.Entry, pv *store.VerifyPipeline) ([]store.Result, int, error) {
	results := make([]store.Result, 0, len(es))
	applied := 0
	for i, chunk := range pv.Chunks() {
		verify, err := pv.Verifier(i)
		if err != nil {
			return nil, 0, err
		}
		rs, changes, err := store.Plan(v, chunk, verify)
		if err != nil {
			return nil, 0, err
		}
		for _, r := range rs {
			var re *store.RejectError
			if errors.As(r.Err, &re) {
				re.Index += len(results)
			}
		}
		results = append(results, rs...)
		for j := range changes {
			if applied%cancelCheckRows == 0 {
				if err := v.ctx.Err(); err != nil {
					return nil, 0, err
				}
			}
			if err := v.apply(&changes[j]); err != nil {
				return nil, 0, err
			}
			applied++
		}
		if err := v.flush(); err != nil {
			return nil, 0, err
		}
	}
	v.flushHeads()
	store.RejectUnkept(es, results, v.revoked)
	return results, applied, v.ctx.Err()
}

func (v *txView) log(k store.LogKey) (*txLog, error) {
	if l, ok := v.logs[k]; ok {
		return l, nil
	}
	l := &txLog{logState: logState{head: store.Head{Log: k}}}
	if c, ok := v.s.cachedLog(k); ok {
		l.logState, l.known = c, true
		v.logs[k] = l
		return l, nil
	}
	if err := v.flush(); err != nil {
		return nil, err
	}
	var headID []byte
	err := v.tx.QueryRow(v.ctx, `SELECT log, head_seq, head_id, forked, ended FROM logs WHERE author = $1 AND log_id = $2`, k.Author[:], k.LogID[:]).
		Scan(&l.rowid, &l.head.Seq, &headID, &l.head.Forked, &l.head.Ended)
	switch {
	case noRows(err):
	case err != nil:
		return nil, fmt.Errorf("read head of log %s: %w", k, err)
	default:
		l.known = true
		if l.head.Seq > 0 {
			id, err := toKey(headID, "head id")
			if err != nil {
				return nil, fmt.Errorf("log %s: %w", k, err)
			}
			l.head.ID = id
		}
	}
	v.logs[k] = l
	return l, nil
}

func (v *txView) Head(k store.LogKey) (store.Head, bool, error) {
	l, err := v.log(k)
	if err != nil || !l.known || l.head.Seq == 0 {
		return store.Head{}, false, err
	}
	return l.head, true, nil
}

func (v *txView) IDAt(k store.LogKey, seq uint64) (entry.ID, bool, error) {
	l, err := v.log(k)
	if err != nil || !l.known || seq == 0 || seq > l.head.Seq {
		return entry.ID{}, false, err
	}
	if err := v.flush(); err != nil {
		return entry.ID{}, false, err
	}
	var b []byte
	err = v.tx.QueryRow(v.ctx, `SELECT id FROM entries WHERE log = $1 AND seq = $2`, l.rowid, int64(seq)).Scan(&b)
	if noRows(err) {
		return entry.ID{}, false, nil
	}
	if err != nil {
		return entry.ID{}, false, fmt.Errorf("read seq %d of log %s: %w", seq, k, err)
	}
	id, err := toKey(b, "entry id")
	return id, err == nil, err
}

func (v *txView) Meta(id entry.ID) (store.Meta, bool, error) {
	if err := v.flush(); err != nil {
		return store.Meta{}, false, err
	}
	var raw []byte
	var m store.Meta
	err := v.tx.QueryRow(v.ctx, `SELECT header, payload IS NOT NULL, deleted, coalesce(type, '') FROM entries WHERE id = $1`, id[:]).
		Scan(&raw, &m.HasPayload, &m.Deleted, &m.Type)
	if noRows(err) {
		return store.Meta{}, false, nil
	}
	if err != nil {
		return store.Meta{}, false, fmt.Errorf("read entry %s: %w", id, err)
	}
	h, err := entry.DecodeHeader(raw)
	if err != nil {
		return store.Meta{}, false, fmt.Errorf("entry %s: stored header: %w", id, err)
	}
	m.Header, m.Author = &h, h.Author
	return m, true, nil
}

func (v *txView) Tombstone(target entry.ID, author identity.PublicKey) (store.Tombstone, bool, error) {
	if _, maybe := v.s.tombs[target]; !maybe {
		return store.Tombstone{}, false, nil
	}
	if err := v.flush(); err != nil {
		return store.Tombstone{}, false, err
	}
	var b []byte
	err := v.tx.QueryRow(v.ctx, `SELECT by FROM tombstones WHERE target = $1 AND author = $2`, target[:], author[:]).Scan(&b)
	if noRows(err) {
		return store.Tombstone{}, false, nil
	}
	if err != nil {
		return store.Tombstone{}, false, fmt.Errorf("read tombstone of %s: %w", target, err)
	}
	by, err := toKey(b, "tombstone")
	if err != nil {
		return store.Tombstone{}, false, err
	}
	return store.Tombstone{Target: target, Author: author, By: by}, true, nil
}

func (v *txView) ForkSeqs(k store.LogKey) (map[uint64]bool, error) {
	l, err := v.log(k)
	if err != nil || !l.known {
		return nil, err
	}
	if l.forks == nil {
		if err := v.flush(); err != nil {
			return nil, err
		}
		rows, err := v.tx.Query(v.ctx, `SELECT seq FROM forks WHERE log = $1`, l.rowid)
		if err != nil {
			return nil, fmt.Errorf("read fork evidence of log %s: %w", k, err)
		}
		seqs := map[uint64]bool{}
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return nil, err
			}
			seqs[uint64(seq)] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read fork evidence of log %s: %w", k, err)
		}
		l.forks = seqs
	}
	return maps.Clone(l.forks), nil
}

// nullable maps "" to NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// threadCol is the thread column of an entry whose thread root is root.
func threadCol(root entry.ID) any {
	if root.IsZero() {
		return nil
	}
	return root[:]
}

func (v *txView) apply(c *store.Change) error {
	switch c.Kind {
	case store.Insert:
		e := c.Entry
		k := store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
		l := v.last
		if l == nil || k != v.lastKey {
			var err error
			if l, err = v.log(k); err != nil {
				return err
			}
			v.last, v.lastKey = l, k
		}
		if !l.known {
			if err := v.flush(); err != nil {
				return err
			}
			if err := v.tx.QueryRow(v.ctx, `INSERT INTO logs (author, log_id, head_seq, head_id) VALUES ($1, $2, 0, '') RETURNING log`,
				k.Author[:], k.LogID[:]).Scan(&l.rowid); err != nil {
				return fmt.Errorf("insert log %s: %w", k, err)
			}
			l.known = true
		}
		payload, typ, thread := e.Payload, c.Type, threadCol(c.Thread)
		if c.Deleted {
			payload, typ, thread = nil, "", nil
		}
		prev, err := v.headTime(l, k)
		if err != nil {
			return err
		}
		if !c.ReplyTo.IsZero() {
			pt, ok, err := v.timeOf(c.ReplyTo)
			if err != nil {
				return err
			}
			if ok {
				prev = max(prev, pt)
			}
		}
		t := store.EntryTime(e.Header.Timestamp, v.now, prev)
		v.rows = append(v.rows, []any{e.ID[:], l.rowid, int64(e.Header.Seq), int64(e.Header.Timestamp),
			nullable(typ), c.Deleted, e.Raw, payload, thread, v.now, t})
		if v.times == nil {
			v.times = map[entry.ID]int64{}
		}
		v.times[e.ID] = t
		l.time, l.timeSeq = t, e.Header.Seq
		l.head.Seq, l.head.ID = e.Header.Seq, e.ID
		l.head.Ended = e.Header.Flags&entry.FlagEndOfLog != 0
		l.dirty = true
	case store.FillPayload:
		v.queue("fill payload of "+c.Target.String(), `UPDATE entries SET payload = $1, type = $2, deleted = false, thread = $3 WHERE id = $4 AND payload IS NULL`,
			nonNil(c.Payload), nullable(c.Type), threadCol(c.Thread), c.Target[:])
	case store.DropPayload:
		v.queue("drop payload of "+c.Target.String(), `UPDATE entries SET payload = NULL, type = NULL, deleted = true, thread = NULL WHERE id = $1`, c.Target[:])
	case store.AddTombstone:
		t := c.Tombstone
		v.queue("insert tombstone of "+t.Target.String(), `INSERT INTO tombstones (target, author, by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			t.Target[:], t.Author[:], t.By[:])
		// The filter only over-approximates; a rollback resets it.
		v.s.tombs[t.Target] = struct{}{}
	case store.AddFork:
		f := c.Fork
		l, err := v.log(f.Log)
		if err != nil {
			return err
		}
		if !l.known {
			return fmt.Errorf("fork of log %s, which is not held", f.Log)
		}
		v.queue("insert fork evidence "+f.Conflict.ID.String(), `INSERT INTO forks (id, log, seq, kept, header, payload) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			f.Conflict.ID[:], l.rowid, int64(f.Seq), f.Kept[:], f.Conflict.Raw, f.Conflict.Payload)
		if l.forks != nil {
			l.forks[f.Seq] = true
		}
		l.head.Forked, l.dirty = true, true
	case store.AddDevice:
		d := c.Device
		v.queue("insert device "+d.Device.Device().String(), `INSERT INTO devices AS d (account, device, name, cert) VALUES ($1, $2, $3, $4)
			ON CONFLICT (account, device) DO UPDATE SET name = excluded.name, cert = excluded.cert WHERE excluded.cert < d.cert`,
			d.Account[:], d.Device[:], d.Name, d.Cert[:])
	case store.RevokeDevice:
		d := c.Device
		v.queue("revoke device "+d.Device.Device().String(), `INSERT INTO revocations AS r (account, device, by) VALUES ($1, $2, $3)
			ON CONFLICT (account, device) DO UPDATE SET by = excluded.by WHERE excluded.by < r.by`,
			d.Account[:], d.Device[:], d.RevokedBy[:])
	case store.DropRevoked:
		if err := v.flush(); err != nil {
			return err
		}
		if err := v.dropRevoked(c.Revoked); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown change kind %d", c.Kind)
	}
	return nil
}

// nonNil keeps a held empty payload apart from none (NULL).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// timeOf returns the entry_time of a held entry.
func (v *txView) timeOf(id entry.ID) (int64, bool, error) {
	if t, ok := v.times[id]; ok {
		return t, true, nil
	}
	if err := v.flush(); err != nil {
		return 0, false, err
	}
	var t int64
	err := v.tx.QueryRow(v.ctx, `SELECT entry_time FROM entries WHERE id = $1`, id[:]).Scan(&t)
	if noRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read time of %s: %w", id, err)
	}
	return t, true, nil
}

func (v *txView) headTime(l *txLog, k store.LogKey) (int64, error) {
	if l.head.Seq == 0 {
		return 0, nil
	}
	if l.timeSeq == l.head.Seq {
		return l.time, nil
	}
	if err := v.flush(); err != nil {
		return 0, err
	}
	var t int64
	if err := v.tx.QueryRow(v.ctx, `SELECT entry_time FROM entries WHERE log = $1 AND seq = $2`, l.rowid, int64(l.head.Seq)).Scan(&t); err != nil {
		return 0, fmt.Errorf("read time of seq %d of log %s: %w", l.head.Seq, k, err)
	}
	l.time, l.timeSeq = t, l.head.Seq
	return t, nil
}

// flushHeads queues the heads this transaction moved, once per log, as
// one UPDATE: the digest's triggers (headsdigest.go) then run once for
// the whole write.
func (v *txView) flushHeads() {
	var rowids, seqs []int64
	var ids [][]byte
	var forked, ended []bool
	for _, l := range v.logs {
		if !l.dirty || !l.known {
			continue
		}
		rowids, seqs = append(rowids, l.rowid), append(seqs, int64(l.head.Seq))
		ids = append(ids, l.head.ID[:])
		forked, ended = append(forked, l.head.Forked), append(ended, l.head.Ended)
		l.dirty = false
	}
	if len(rowids) == 0 {
		return
	}
	v.queue(fmt.Sprintf("update the heads of %d logs", len(rowids)), `UPDATE logs SET head_seq = u.seq, head_id = u.id, forked = u.forked, ended = u.ended
		FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::boolean[], $5::boolean[]) AS u (log, seq, id, forked, ended)
		WHERE logs.log = u.log`, rowids, seqs, ids, forked, ended)
}

// committed publishes the logs of a committed transaction to the cache.
func (v *txView) committed() {
	s := v.s
	s.logsMu.Lock()
	defer s.logsMu.Unlock()
	if len(s.logs)+len(v.logs) > maxCachedLogs {
		clear(s.logs)
	}
	for k := range v.purged {
		delete(s.logs, k)
	}
	for d, r := range v.revoked {
		s.revoked[d] = r
	}
	if v.didPurge {
		s.purgeDue = false
	}
	for k, l := range v.logs {
		if l.known && l.head.Seq > 0 {
			s.logs[k] = l.logState
		} else {
			delete(s.logs, k)
		}
	}
}
