// Package mem is an in-memory store.Store, for unit tests of the packages
// above the store. It keeps everything in maps behind one mutex, validates
// with store.Plan like every backend, and applies a plan's changes all at
// once under the lock, so a rejected or failed call changes nothing. It is
// complete and correct, but it holds every entry in memory and forgets them
// all on Close.
package mem

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Store is an in-memory store.Store. Create it with New.
type Store struct {
	mu      sync.RWMutex
	closed  bool
	version atomic.Uint64 // HeadsVersion: bumped by every write
	verify  store.Verifier
	clock   store.Clock // stamps arrivals
	entries []*record   // by cursor-1, in arrival order
	byID    map[entry.ID]*record
	logs    map[store.LogKey]*logState
	digest  store.HeadsDigest // of every log's head, kept with every write (headsdigest.go)
	forks   []store.Fork
	forkAt  map[store.LogKey]map[uint64]bool // seqs with fork evidence, by log
	tombs   map[tombKey]store.Tombstone
	devices map[devKey]*store.Device // (account, device) → certification
	revoked map[devKey]entry.ID      // (account, device) → the revoking entry
	// inEffect holds what the revocations in effect of each revoked
	// device keep (payloads.md §6.1).
	inEffect map[identity.PublicKey]*store.Revoked
}

type record struct {
	e       *entry.Entry // a private copy
	typ     string
	thread  entry.ID // thread root of a reply whose payload is held
	deleted bool
	dropped bool // its log was dropped (DropLog): skipped by Find
	cursor  int64
	arrived int64
	time    int64 // store.EntryTime
}

func (r *record) key() store.TimeKey { return store.TimeKey{Time: r.time, Cursor: r.cursor} }

type logState struct {
	head    store.Head
	entries []*record // entries[i] has seq i+1
}

type tombKey struct {
	target entry.ID
	author identity.PublicKey
}

type devKey struct {
	account identity.PublicKey
	device  identity.PublicKey
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store stamp arrivals with c instead of
// store.SystemClock.
func WithClock(c store.Clock) Option { return func(s *Store) { s.clock = c } }

// New returns an empty store that verifies signatures with
// entry.VerifyBatch.
func New(opts ...Option) *Store {
	s := &Store{
		verify:  entry.VerifyBatch,
		clock:   store.SystemClock,
		byID:    map[entry.ID]*record{},
		logs:    map[store.LogKey]*logState{},
		forkAt:  map[store.LogKey]map[uint64]bool{},
		tombs:   map[tombKey]store.Tombstone{},
		devices: map[devKey]*store.Device{},
		revoked: map[devKey]entry.ID{},

		inEffect: map[identity.PublicKey]*store.Revoked{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Append validates and stores one entry; see store.Store.
func (s *Store) Append(ctx context.Context, e *entry.Entry) (store.Result, error) {
	rs, err := s.Ingest(ctx, []*entry.Entry{e})
	if err != nil {
		return store.Result{}, err
	}
	return rs[0], nil
}

// Ingest validates a batch with store.Plan and applies its changes at once;
// see store.Store.
func (s *Store) Ingest(ctx context.Context, es []*entry.Entry) ([]store.Result, error) {
	for i, e := range es {
		if e == nil {
			return nil, fmt.Errorf("mem: ingest: entry %d of %d is nil", i, len(es))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	results, changes, err := store.Plan(view{s}, es, s.verify)
	if err != nil {
		return nil, fmt.Errorf("mem: ingest: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err // nothing applied yet
	}
	now := s.clock() // one arrival for the batch
	for i := range changes {
		s.apply(&changes[i], now)
	}
	s.version.Add(1)
	return results, nil
}

// copyEntry returns a copy that shares nothing mutable with e.
func copyEntry(e *entry.Entry) *entry.Entry {
	c := *e
	c.Raw = bytes.Clone(e.Raw)
	if e.Payload != nil {
		c.Payload = bytes.Clone(e.Payload)
	}
	return &c
}

func (s *Store) apply(c *store.Change, now int64) {
	switch c.Kind {
	case store.Insert:
		e := copyEntry(c.Entry)
		r := &record{e: e, typ: c.Type, thread: c.Thread, deleted: c.Deleted, cursor: int64(len(s.entries) + 1), arrived: now}
		if c.Deleted {
			e.Payload, r.typ, r.thread = nil, "", entry.ID{}
		}
		s.entries = append(s.entries, r)
		s.byID[e.ID] = r
		k := store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
		l := s.logs[k]
		if l == nil {
			l = &logState{head: store.Head{Log: k}}
			s.logs[k] = l
		}
		var prev int64
		if n := len(l.entries); n > 0 {
			prev = l.entries[n-1].time
		}
		if p := s.byID[c.ReplyTo]; !c.ReplyTo.IsZero() && p != nil && !p.dropped {
			prev = max(prev, p.time)
		}
		r.time = store.EntryTime(e.Header.Timestamp, now, prev)
		l.entries = append(l.entries, r)
		s.digest = s.digest.Sub(l.head)
		l.head.Seq, l.head.ID = e.Header.Seq, e.ID
		s.digest = s.digest.Add(l.head)
		l.head.Ended = e.Header.Flags&entry.FlagEndOfLog != 0
	case store.FillPayload:
		if r := s.byID[c.Target]; r != nil && r.e.Payload == nil {
			r.e.Payload = bytes.Clone(c.Payload)
			r.typ, r.thread, r.deleted = c.Type, c.Thread, false
		}
	case store.DropPayload:
		if r := s.byID[c.Target]; r != nil {
			r.e.Payload, r.typ, r.thread, r.deleted = nil, "", entry.ID{}, true
		}
	case store.AddTombstone:
		k := tombKey{c.Tombstone.Target, c.Tombstone.Author}
		if _, ok := s.tombs[k]; !ok {
			s.tombs[k] = c.Tombstone
		}
	case store.AddFork:
		f := c.Fork
		seqs := s.forkAt[f.Log]
		if seqs == nil {
			seqs = map[uint64]bool{}
			s.forkAt[f.Log] = seqs
		}
		if !seqs[f.Seq] { // one piece of evidence per position
			f.Conflict = copyEntry(f.Conflict)
			s.forks = append(s.forks, f)
			seqs[f.Seq] = true
		}
		if l := s.logs[f.Log]; l != nil {
			l.head.Forked = true
		}
	case store.AddDevice:
		d := c.Device
		k := devKey{d.Account, d.Device}
		// Of two certifications of one device by one account (only a fork
		// of the certificate log makes that possible) keep the one with
		// the smaller id, so replicas agree whatever the arrival order.
		if old := s.devices[k]; old == nil || bytes.Compare(d.Cert[:], old.Cert[:]) < 0 {
			s.devices[k] = &store.Device{Account: d.Account, Device: d.Device, Name: d.Name, Cert: d.Cert}
		}
	case store.RevokeDevice:
		d := c.Device
		k := devKey{d.Account, d.Device}
		if old, ok := s.revoked[k]; !ok || bytes.Compare(d.RevokedBy[:], old[:]) < 0 {
			s.revoked[k] = d.RevokedBy
		}
	case store.DropRevoked:
		s.dropRevoked(c.Revoked)
	}
}

// view is store.View over the store's state; the caller holds s.mu.
type view struct{ s *Store }

func (v view) Head(log store.LogKey) (store.Head, bool, error) {
	l := v.s.logs[log]
	if l == nil {
		return store.Head{}, false, nil
	}
	return l.head, true, nil
}

func (v view) IDAt(log store.LogKey, seq uint64) (entry.ID, bool, error) {
	l := v.s.logs[log]
	if l == nil || seq == 0 || seq > uint64(len(l.entries)) {
		return entry.ID{}, false, nil
	}
	return l.entries[seq-1].e.ID, true, nil
}

func (v view) Meta(id entry.ID) (store.Meta, bool, error) {
	r := v.s.byID[id]
	if r == nil {
		return store.Meta{}, false, nil
	}
	return store.Meta{
		Author:     r.e.Header.Author,
		HasPayload: r.e.Payload != nil,
		Deleted:    r.deleted,
		Type:       r.typ,
		Header:     &r.e.Header,
	}, true, nil
}

func (v view) Tombstone(target entry.ID, author identity.PublicKey) (store.Tombstone, bool, error) {
	t, ok := v.s.tombs[tombKey{target, author}]
	return t, ok, nil
}

func (v view) ForkSeqs(log store.LogKey) (map[uint64]bool, error) {
	return maps.Clone(v.s.forkAt[log]), nil
}

func (v view) Revoked(device identity.PublicKey) (*store.Revoked, error) {
	return v.s.inEffect[device], nil
}

func (v view) Revocations(log store.LogKey) ([]*entry.Entry, error) {
	var out []*entry.Entry
	if l := v.s.logs[log]; l != nil {
		for _, r := range l.entries {
			if r.typ == content.TypeDeviceRevoke {
				out = append(out, r.e)
			}
		}
	}
	return out, nil
}

// rlock takes the read lock unless the store is closed or ctx is done; on
// success the caller must call s.mu.RUnlock.
func (s *Store) rlock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

func (r *record) stored() *store.Stored {
	return &store.Stored{Entry: copyEntry(r.e), Type: r.typ, Deleted: r.deleted, Cursor: r.cursor, Arrived: r.arrived, Time: r.time}
}

// Heads returns the head of every log, ordered by author then log id.
func (s *Store) Heads(ctx context.Context) ([]store.Head, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	hs := make([]store.Head, 0, len(s.logs))
	for _, l := range s.logs {
		hs = append(hs, l.head)
	}
	slices.SortFunc(hs, func(a, b store.Head) int {
		if c := bytes.Compare(a.Log.Author[:], b.Log.Author[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.Log.LogID[:], b.Log.LogID[:])
	})
	return hs, nil
}

// Head returns one log's head, or store.ErrNotFound.
func (s *Store) Head(ctx context.Context, log store.LogKey) (store.Head, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Head{}, err
	}
	defer s.mu.RUnlock()
	l := s.logs[log]
	if l == nil {
		return store.Head{}, store.ErrNotFound
	}
	return l.head, nil
}

// Log returns the entries of one log with seq ≥ from, in seq order, at most
// limit of them (store.DefaultLimit when limit ≤ 0). An unknown log has no
// entries.
func (s *Store) Log(ctx context.Context, log store.LogKey, from uint64, limit int) ([]*store.Stored, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	l := s.logs[log]
	if l == nil {
		return nil, nil
	}
	if from == 0 {
		from = 1
	}
	var out []*store.Stored
	for seq := from; seq <= uint64(len(l.entries)) && len(out) < limit; seq++ {
		out = append(out, l.entries[seq-1].stored())
	}
	return out, nil
}

// LogRaw is Log, answering the entries' bytes.
func (s *Store) LogRaw(ctx context.Context, log store.LogKey, from uint64, limit int) ([]store.RawEntry, error) {
	stored, err := s.Log(ctx, log, from, limit)
	if err != nil {
		return nil, err
	}
	out := make([]store.RawEntry, len(stored))
	for i, st := range stored {
		out[i] = store.RawEntry{Seq: st.Header.Seq, Header: st.Raw, Payload: st.Payload}
	}
	return out, nil
}

// Get returns one entry by id, or store.ErrNotFound. Fork evidence is not
// returned here; see Forks.
func (s *Store) Get(ctx context.Context, id entry.ID) (*store.Stored, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	r := s.byID[id]
	if r == nil {
		return nil, store.ErrNotFound
	}
	return r.stored(), nil
}

// Find returns the entries matching q in arrival order, or in time order
// with q.ByTime (q.Desc: newest first).
func (s *Store) Find(ctx context.Context, q store.Query) ([]*store.Stored, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultLimit
	}
	var authors map[identity.PublicKey]bool
	if len(q.Authors) > 0 {
		authors = make(map[identity.PublicKey]bool, len(q.Authors))
		for _, a := range q.Authors {
			authors[a] = true
		}
	}
	// Cursors are 1..len(entries), so entries[lo:hi] are those after
	// After and before Before.
	n := int64(len(s.entries))
	lo, hi := min(max(q.After, 0), n), n
	if q.Before > 0 {
		hi = min(q.Before-1, n)
	}
	var out []*store.Stored
	if lo >= hi {
		return out, nil
	}
	match := func(r *record) bool {
		h := &r.e.Header
		return !r.dropped && (q.Type == "" || r.typ == q.Type) &&
			(q.LogID == nil || h.LogID == *q.LogID) &&
			(authors == nil || authors[h.Author]) &&
			(q.Thread == nil || !r.thread.IsZero() && r.thread == *q.Thread) &&
			(q.AfterKey.Cursor <= 0 || r.key().Compare(q.AfterKey) > 0) &&
			(q.BeforeKey.Cursor <= 0 || r.key().Compare(q.BeforeKey) < 0)
	}
	if q.ByTime {
		var rs []*record
		for _, r := range s.entries[lo:hi] {
			if match(r) {
				rs = append(rs, r)
			}
		}
		slices.SortFunc(rs, func(a, b *record) int {
			if q.Desc {
				return b.key().Compare(a.key())
			}
			return a.key().Compare(b.key())
		})
		for _, r := range rs[:min(len(rs), limit)] {
			out = append(out, r.stored())
		}
		return out, nil
	}
	for i := range hi - lo {
		if len(out) == limit {
			break
		}
		r := s.entries[lo+i]
		if q.Desc {
			r = s.entries[hi-1-i]
		}
		if match(r) {
			out = append(out, r.stored())
		}
	}
	return out, nil
}

// Forks returns the fork evidence held, oldest first.
func (s *Store) Forks(ctx context.Context) ([]store.Fork, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]store.Fork, len(s.forks))
	for i, f := range s.forks {
		f.Conflict = copyEntry(f.Conflict)
		out[i] = f
	}
	return out, nil
}

func (s *Store) device(d *store.Device) store.Device {
	out := *d
	if by, ok := s.revoked[devKey{d.Account, d.Device}]; ok {
		out.Revoked, out.RevokedBy = true, by
	}
	return out
}

// Devices returns the devices account has certified, revoked or not,
// ordered by device key.
func (s *Store) Devices(ctx context.Context, account identity.PublicKey) ([]store.Device, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var out []store.Device
	for k, d := range s.devices {
		if k.account == account {
			out = append(out, s.device(d))
		}
	}
	slices.SortFunc(out, func(a, b store.Device) int { return bytes.Compare(a.Device[:], b.Device[:]) })
	return out, nil
}

// AccountOf returns the certification of device, or store.ErrNotFound. When
// more than one account certified the device (each with the device's
// counter-signature), a certification that is not revoked wins, then the
// one with the smallest certificate id, so every replica answers the same.
func (s *Store) AccountOf(ctx context.Context, device identity.PublicKey) (store.Device, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Device{}, err
	}
	defer s.mu.RUnlock()
	var best *store.Device
	for k, d := range s.devices {
		if k.device != device {
			continue
		}
		c := s.device(d)
		if best == nil || compareCerts(&c, best) < 0 {
			best = &c
		}
	}
	if best == nil {
		return store.Device{}, store.ErrNotFound
	}
	return *best, nil
}

// compareCerts orders certifications of one device: not revoked first, then
// by certificate id.
func compareCerts(a, b *store.Device) int {
	if a.Revoked != b.Revoked {
		if !a.Revoked {
			return -1
		}
		return 1
	}
	return bytes.Compare(a.Cert[:], b.Cert[:])
}

// LatestProfile returns the newest profile written by the account key or by
// a device the account certified and has not revoked: the greatest author
// timestamp, then the greatest id. Profiles whose payload is not held do
// not count. It returns store.ErrNotFound when there is none.
func (s *Store) LatestProfile(ctx context.Context, account identity.PublicKey) (*store.Stored, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	authors := map[identity.PublicKey]bool{account: true}
	for k := range s.devices {
		if _, revoked := s.revoked[k]; k.account == account && !revoked {
			authors[k.device] = true
		}
	}
	var best *record
	for _, r := range s.entries {
		if r.dropped || r.typ != content.TypeProfile || !authors[r.e.Header.Author] || r.e.Header.LogID != entry.PublicLog {
			continue
		}
		if best == nil || cmp.Or(
			cmp.Compare(r.e.Header.Timestamp, best.e.Header.Timestamp),
			bytes.Compare(r.e.ID[:], best.e.ID[:])) > 0 {
			best = r
		}
	}
	if best == nil {
		return nil, store.ErrNotFound
	}
	return best.stored(), nil
}

// Close releases the store's memory. It is idempotent; every other method
// returns store.ErrClosed afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.entries, s.byID, s.logs, s.forks, s.forkAt = nil, nil, nil, nil, nil
	s.tombs, s.devices, s.revoked = nil, nil, nil
	return nil
}
