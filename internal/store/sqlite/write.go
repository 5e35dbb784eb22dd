package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// writeStmts are prepared once on the writer connection and bound to each
// transaction with tx.Stmt, which reuses the prepared statement.
type writeStmts struct {
	logByKey, insLog, updHead                   *sql.Stmt
	idAt, meta, tomb, forkSeqs, timeAt, timeOf  *sql.Stmt
	insEntry, fill, drop                        *sql.Stmt
	insTomb, insFork, upsertDevice, upsertRevoc *sql.Stmt
}

func (w *writeStmts) all() []**sql.Stmt {
	return []**sql.Stmt{&w.logByKey, &w.insLog, &w.updHead, &w.idAt, &w.meta, &w.tomb, &w.forkSeqs, &w.timeAt, &w.timeOf,
		&w.insEntry, &w.fill, &w.drop, &w.insTomb, &w.insFork, &w.upsertDevice, &w.upsertRevoc}
}

var writeSQL = []string{
	`SELECT log, head_seq, head_id, forked, ended FROM logs WHERE author = ? AND log_id = ?`,
	`INSERT INTO logs (author, log_id, head_seq, head_id) VALUES (?, ?, 0, x'')`,
	`UPDATE logs SET head_seq = ?, head_id = ?, forked = ?, ended = ? WHERE log = ?`,
	`SELECT id FROM entries WHERE log = ? AND seq = ?`,
	`SELECT header, payload IS NOT NULL, deleted, coalesce(type, '') FROM entries WHERE cursor = ` + cursorOfID(1, 2),
	`SELECT by FROM tombstones WHERE target = ? AND author = ?`,
	`SELECT seq FROM forks WHERE log = ?`,
	`SELECT entry_time FROM entries WHERE log = ? AND seq = ?`,
	`SELECT entry_time FROM entries WHERE cursor = ` + cursorOfID(1, 2),
	`INSERT INTO entries (id, id_prefix, log, seq, timestamp, type, deleted, header, payload, thread, arrived, entry_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	`UPDATE entries SET payload = ?1, type = ?2, deleted = 0, thread = ?3 WHERE cursor = ` + cursorOfID(4, 5) + ` AND payload IS NULL`,
	`UPDATE entries SET payload = NULL, type = NULL, deleted = 1, thread = NULL WHERE cursor = ` + cursorOfID(1, 2),
	`INSERT INTO tombstones (target, author, by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
	`INSERT INTO forks (id, log, seq, kept, header, payload) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
	// Of two certifications of one device by one account (only a fork of
	// the certificate log makes that possible) keep the one with the
	// smaller id, and likewise for revocations, so replicas agree.
	`INSERT INTO devices (account, device, name, cert) VALUES (?, ?, ?, ?)
		ON CONFLICT (account, device) DO UPDATE SET name = excluded.name, cert = excluded.cert WHERE excluded.cert < devices.cert`,
	`INSERT INTO revocations (account, device, by) VALUES (?, ?, ?)
		ON CONFLICT (account, device) DO UPDATE SET by = excluded.by WHERE excluded.by < revocations.by`,
}

func (w *writeStmts) prepare(ctx context.Context, db *sql.DB) error {
	for i, p := range w.all() {
		st, err := db.PrepareContext(ctx, writeSQL[i])
		if err != nil {
			return fmt.Errorf("prepare %q: %w", writeSQL[i], err)
		}
		*p = st
	}
	return nil
}

func (w *writeStmts) close() {
	for _, p := range w.all() {
		if *p != nil {
			_ = (*p).Close()
			*p = nil
		}
	}
}

// Append validates and stores one entry; see store.Store.
func (s *Store) Append(ctx context.Context, e *entry.Entry) (store.Result, error) {
	rs, err := s.Ingest(ctx, []*entry.Entry{e})
	if err != nil {
		return store.Result{}, err
	}
	return rs[0], nil
}

// Ingest validates a batch with store.Plan and applies its changes in one
// transaction; see store.Store.
//
// Signature verification is the most expensive step, so it is pipelined
// with the writing: the batch is cut into chunks; the first is verified
// before the write lock is taken, and while chunk k is planned and written
// (inside the one transaction), chunk k+1 is verified by another goroutine.
// Entries of logs this store already holds up to their seq are probably
// known; they are not verified ahead, only if Plan turns out to need them.
func (s *Store) Ingest(ctx context.Context, es []*entry.Entry) ([]store.Result, error) {
	for i, e := range es {
		if e == nil {
			return nil, fmt.Errorf("sqlite: ingest: entry %d of %d is nil", i, len(es))
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
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.wrap("ingest: begin", err)
	}
	if err := s.checkDataVersion(tx); err != nil {
		_ = tx.Rollback()
		return nil, s.wrap("ingest", err)
	}
	v := &txView{s: s, ctx: ctx, tx: tx, logs: map[store.LogKey]*txLog{}, now: s.clock(), floor: s.floor}
	purged := s.purgeDue
	if purged {
		err = v.purgeRevoked()
	}
	var results []store.Result
	if err == nil {
		results, err = v.run(es, pv)
	}
	if err != nil {
		_ = tx.Rollback()
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, s.wrap("ingest", err)
	}
	err = tx.Commit()
	s.heads.changed()
	if s.devicesWritten {
		s.devicesWritten = false
		s.devices.changed()
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		return nil, s.wrap("ingest: commit", err)
	}
	v.committed()
	if purged {
		s.purgeDue = false
	}
	return results, nil
}

// fresh returns the entries of chunk that are probably new: those past
// the head this store holds of their log. Only they are verified ahead
// (store.VerifyPipeline); Plan verifies whatever else it needs.
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

// txView is store.View over the writer's transaction. It caches the logs
// this call touches; apply keeps them current.
type txView struct {
	s    *Store
	ctx  context.Context
	tx   *sql.Tx
	now  int64 // the batch's arrival
	logs map[store.LogKey]*txLog
	// last is the log of the previous Insert: batches come log by log.
	last    *txLog
	lastKey store.LogKey
	// statements bound to tx, made on first use
	st writeStmts
	// revoked holds the revocations this transaction put in effect,
	// published on commit; purged the logs it cut back (revoked.go).
	revoked map[identity.PublicKey]*store.Revoked
	purged  map[store.LogKey]bool
	// floor is the cursor floor in effect in tx (cursorfloor.go), 0 when
	// none; floorChanged says tx changed it, to publish on commit.
	floor        int64
	floorChanged bool
}

type txLog struct {
	logState
	known bool            // the database has a row for it (rowid valid)
	dirty bool            // head changed in this transaction
	forks map[uint64]bool // seqs with fork evidence; nil until read
}

func (v *txView) stmt(p **sql.Stmt, prepared *sql.Stmt) *sql.Stmt {
	if *p == nil {
		*p = v.tx.Stmt(prepared)
	}
	return *p
}

// run plans and applies the batch chunk by chunk, in the one transaction:
// each chunk's Plan sees the changes of the chunks before it, exactly as
// one Plan over the whole batch would see the batch's earlier entries.
func (v *txView) run(es []*entry.Entry, pv *store.VerifyPipeline) ([]store.Result, error) {
	results := make([]store.Result, 0, len(es))
	applied := 0
	for i, chunk := range pv.Chunks() {
		verify, err := pv.Verifier(i)
		if err != nil {
			return nil, err
		}
		rs, changes, err := store.Plan(v, chunk, verify)
		if err != nil {
			return nil, err
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
					return nil, err
				}
			}
			if v.s.applyHook != nil {
				if err := v.s.applyHook(applied); err != nil {
					return nil, err
				}
			}
			if err := v.apply(&changes[j]); err != nil {
				return nil, err
			}
			applied++
		}
	}
	if err := v.flushHeads(); err != nil {
		return nil, err
	}
	// A revocation in a later chunk drops what earlier chunks stored.
	store.RejectUnkept(es, results, v.revoked)
	return results, v.ctx.Err()
}

// log returns the state of a log, from this transaction, the store's cache
// or the database; ok is false for a log the database does not hold.
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
	var headID []byte
	err := v.stmt(&v.st.logByKey, v.s.ws.logByKey).QueryRow(k.Author[:], k.LogID[:]).
		Scan(&l.rowid, &l.head.Seq, &headID, &l.head.Forked, &l.head.Ended)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read head of log %s: %w", k, err)
	default:
		id, err := toKey(headID, "head id")
		if err != nil {
			return nil, fmt.Errorf("log %s: %w", k, err)
		}
		l.head.ID, l.known = id, true
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
	var b []byte
	err = v.stmt(&v.st.idAt, v.s.ws.idAt).QueryRow(l.rowid, int64(seq)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return entry.ID{}, false, nil
	}
	if err != nil {
		return entry.ID{}, false, fmt.Errorf("read seq %d of log %s: %w", seq, k, err)
	}
	id, err := toKey(b, "entry id")
	return id, err == nil, err
}

func (v *txView) Meta(id entry.ID) (store.Meta, bool, error) {
	var raw []byte
	var m store.Meta
	err := v.stmt(&v.st.meta, v.s.ws.meta).QueryRow(idPrefix(id), id[:]).Scan(&raw, &m.HasPayload, &m.Deleted, &m.Type)
	if errors.Is(err, sql.ErrNoRows) {
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
	if _, maybe := v.s.tombs[idPrefix(target)]; !maybe {
		return store.Tombstone{}, false, nil
	}
	var b []byte
	err := v.stmt(&v.st.tomb, v.s.ws.tomb).QueryRow(target[:], author[:]).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
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

// ForkSeqs reads the seqs with fork evidence of a log once per
// transaction (one lookup in forks_position); apply keeps the set current.
func (v *txView) ForkSeqs(k store.LogKey) (map[uint64]bool, error) {
	l, err := v.log(k)
	if err != nil || !l.known {
		return nil, err
	}
	if l.forks == nil {
		if l.forks, err = v.readForkSeqs(l.rowid); err != nil {
			return nil, fmt.Errorf("read fork evidence of log %s: %w", k, err)
		}
	}
	return maps.Clone(l.forks), nil
}

func (v *txView) readForkSeqs(rowid int64) (map[uint64]bool, error) {
	rows, err := v.stmt(&v.st.forkSeqs, v.s.ws.forkSeqs).Query(rowid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seqs := map[uint64]bool{}
	for rows.Next() {
		var seq uint64
		if err := rows.Scan(&seq); err != nil {
			return nil, err
		}
		seqs[seq] = true
	}
	return seqs, rows.Err()
}

// nullable maps "" to NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// threadCol is the thread column of an entry whose thread root is root:
// NULL when root is zero (not a reply).
func threadCol(root entry.ID) any {
	if root.IsZero() {
		return nil
	}
	return idPrefix(root)
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
			res, err := v.stmt(&v.st.insLog, v.s.ws.insLog).Exec(k.Author[:], k.LogID[:])
			if err != nil {
				return fmt.Errorf("insert log %s: %w", k, err)
			}
			if l.rowid, err = res.LastInsertId(); err != nil {
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
			var pt int64
			switch err := v.stmt(&v.st.timeOf, v.s.ws.timeOf).QueryRow(idPrefix(c.ReplyTo), c.ReplyTo[:]).Scan(&pt); {
			case err == nil:
				prev = max(prev, pt)
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("read time of %s: %w", c.ReplyTo, err)
			}
		}
		t := store.EntryTime(e.Header.Timestamp, v.now, prev)
		args := []any{e.ID[:], idPrefix(e.ID), l.rowid, int64(e.Header.Seq), int64(e.Header.Timestamp),
			nullable(typ), c.Deleted, e.Raw, payload, thread, v.now, t}
		if v.floor > 0 {
			err = v.insertAboveFloor(args)
		} else {
			_, err = v.stmt(&v.st.insEntry, v.s.ws.insEntry).Exec(args...)
		}
		if err != nil {
			return fmt.Errorf("insert entry %s (seq %d of log %s): %w", e.ID, e.Header.Seq, k, err)
		}
		l.time, l.timeSeq = t, e.Header.Seq
		l.head.Seq, l.head.ID = e.Header.Seq, e.ID
		l.head.Ended = e.Header.Flags&entry.FlagEndOfLog != 0
		l.dirty = true
	case store.FillPayload:
		if _, err := v.stmt(&v.st.fill, v.s.ws.fill).Exec(c.Payload, nullable(c.Type), threadCol(c.Thread), idPrefix(c.Target), c.Target[:]); err != nil {
			return fmt.Errorf("fill payload of %s: %w", c.Target, err)
		}
	case store.DropPayload:
		if _, err := v.stmt(&v.st.drop, v.s.ws.drop).Exec(idPrefix(c.Target), c.Target[:]); err != nil {
			return fmt.Errorf("drop payload of %s: %w", c.Target, err)
		}
	case store.AddTombstone:
		t := c.Tombstone
		if _, err := v.stmt(&v.st.insTomb, v.s.ws.insTomb).Exec(t.Target[:], t.Author[:], t.By[:]); err != nil {
			return fmt.Errorf("insert tombstone of %s: %w", t.Target, err)
		}
		// Later Tombstone calls in this transaction must see it; the
		// filter only ever over-approximates, so adding before commit is
		// safe even if the transaction rolls back.
		v.s.tombs[idPrefix(t.Target)] = struct{}{}
	case store.AddFork:
		f := c.Fork
		l, err := v.log(f.Log)
		if err != nil {
			return err
		}
		if !l.known {
			return fmt.Errorf("fork of log %s, which is not held", f.Log)
		}
		if _, err := v.stmt(&v.st.insFork, v.s.ws.insFork).Exec(
			f.Conflict.ID[:], l.rowid, int64(f.Seq), f.Kept[:], f.Conflict.Raw, f.Conflict.Payload,
		); err != nil {
			return fmt.Errorf("insert fork evidence %s: %w", f.Conflict.ID, err)
		}
		if l.forks != nil {
			l.forks[f.Seq] = true
		}
		l.head.Forked, l.dirty = true, true
	case store.AddDevice:
		d := c.Device
		if _, err := v.stmt(&v.st.upsertDevice, v.s.ws.upsertDevice).Exec(d.Account[:], d.Device[:], d.Name, d.Cert[:]); err != nil {
			return fmt.Errorf("insert device %s: %w", d.Device.Device(), err)
		}
		v.s.devicesWritten = true
	case store.RevokeDevice:
		d := c.Device
		if _, err := v.stmt(&v.st.upsertRevoc, v.s.ws.upsertRevoc).Exec(d.Account[:], d.Device[:], d.RevokedBy[:]); err != nil {
			return fmt.Errorf("revoke device %s: %w", d.Device.Device(), err)
		}
		v.s.devicesWritten = true
	case store.DropRevoked:
		if err := v.dropRevoked(c.Revoked); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown change kind %d", c.Kind)
	}
	return nil
}

// headTime returns the entry_time of the head of log l (k), 0 when the
// log holds nothing.
func (v *txView) headTime(l *txLog, k store.LogKey) (int64, error) {
	if l.head.Seq == 0 {
		return 0, nil
	}
	if l.timeSeq == l.head.Seq {
		return l.time, nil
	}
	var t int64
	if err := v.stmt(&v.st.timeAt, v.s.ws.timeAt).QueryRow(l.rowid, int64(l.head.Seq)).Scan(&t); err != nil {
		return 0, fmt.Errorf("read time of seq %d of log %s: %w", l.head.Seq, k, err)
	}
	l.time, l.timeSeq = t, l.head.Seq
	return t, nil
}

// flushHeads writes the heads this transaction moved, once per log.
func (v *txView) flushHeads() error {
	for k, l := range v.logs {
		if !l.dirty {
			continue
		}
		if _, err := v.stmt(&v.st.updHead, v.s.ws.updHead).Exec(
			int64(l.head.Seq), l.head.ID[:], l.head.Forked, l.head.Ended, l.rowid,
		); err != nil {
			return fmt.Errorf("update head of log %s: %w", k, err)
		}
	}
	return nil
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
	if v.floorChanged {
		s.floor = v.floor
	}
	for k, l := range v.logs {
		if l.known && l.head.Seq > 0 {
			s.logs[k] = l.logState
		}
	}
}

// checkDataVersion drops what the writer caches about the database (log
// heads, the tombstone filter, the cursor floor) when another connection,
// which can only be another process, has written to the file since the
// last transaction.
func (s *Store) checkDataVersion(tx *sql.Tx) error {
	var dv int64
	if err := tx.QueryRow(`PRAGMA data_version`).Scan(&dv); err != nil {
		return fmt.Errorf("read data_version: %w", err)
	}
	if dv == s.dataVersion {
		return nil
	}
	s.heads.changed() // written by another connection
	s.devices.changed()
	s.logsMu.Lock()
	clear(s.logs)
	s.logsMu.Unlock()
	if err := s.loadTombstones(tx); err != nil {
		return fmt.Errorf("reload tombstones: %w", err)
	}
	if err := s.loadRevoked(tx); err != nil {
		return fmt.Errorf("reload revocations: %w", err)
	}
	if err := s.loadFloor(tx); err != nil {
		return err
	}
	s.purgeDue = len(s.revoked) > 0
	s.dataVersion = dv
	return nil
}
