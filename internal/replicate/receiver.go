package replicate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// receiver is this side's state for taking entries in: which logs it wants
// from the peer and where each stream of entries stands, the heads the peer
// is known to have, progress, and the credit granted. The session loop
// decides what to want; the store stage checks every entry against this
// state, in stream order.
type receiver struct {
	s *session

	mu         sync.Mutex
	logs       map[store.LogKey]*inLog
	wanted     int                       // logs in logs that are not draining
	peerHeads  map[store.LogKey]peerHead // heads the peer has of logs not wanted (best effort, in the budget)
	resync     map[store.LogKey]bool     // logs refused and now wanted again (scopeChanged)
	warnedFull bool                      // the log said that no more logs are wanted
	expected   int64
	received   int64
	forks      int
	notKept    int // entries refused as a revoked device's, not kept (store.ErrNotKept)

	// Credit: what the peer may still send, and what was consumed since
	// the last CREDIT.
	availEntries, availBytes int64
	backEntries, backBytes   int64
}

// inLog is one log this side has wanted.
type inLog struct {
	next      uint64   // seq expected next
	prev      entry.ID // id the backlink of next must name, when checkBack
	checkBack bool
	fromStore bool   // prev is this side's stored entry (first entry after the WANT): a mismatch means a fork
	probing   uint64 // > 0: a fork probe restarted the log at this seq; entries before it are dropped
	probed    bool
	draining  bool   // UNWANTed: entries still in flight are dropped
	target    uint64 // the peer's head seq as last heard
	refused   uint64 // > 0: the seq of the entry the scope did not admit (the log drains)
	unwanted  bool   // drained by a scope change: wanted again when the scope wants it again
	// resync: wanted again in this session (after a refusal or an UNWANT
	// of a scope change): entries of the earlier streams of the log, sent
	// before the peer read the UNWANT, may come before the new stream's.
	// Only the entry at next is taken (every stream carries the one chain
	// of the peer); any other is dropped. It ends with the new stream's
	// first entry, the one at from, once it is sure to be the new
	// stream's: below old, the lowest seq an earlier stream can still
	// carry.
	resync    bool
	from, old uint64
	unsent    bool // its WANT is held back until the reconciliation ends: the peer may send nothing yet
}

// floor returns the lowest seq that an entry of the log still in flight
// can carry, once the log drains: every stream of it sends in seq order
// from where it stands, and a refused entry was the last one taken.
func (il *inLog) floor() uint64 {
	f := il.next
	if il.refused > 0 {
		f = il.refused + 1
	}
	if il.probing > 0 {
		f = min(f, il.probing)
	}
	if il.resync {
		f = min(f, il.from, il.old)
	}
	return f
}

func newReceiver(s *session) *receiver {
	return &receiver{
		s:            s,
		logs:         map[store.LogKey]*inLog{},
		peerHeads:    map[store.LogKey]peerHead{},
		resync:       map[store.LogKey]bool{},
		availEntries: int64(s.e.limits.CreditEntries),
		availBytes:   int64(s.e.limits.CreditBytes),
	}
}

// consider decides about a head the peer has (learned from HAVE, or
// remembered and wanted after a scope change): want returns the WANT for a
// log the scope wants; the head of any other is remembered.
func (r *receiver) consider(ctx context.Context, it Item) (*WantLog, error) {
	if !r.s.wants(it.Log) {
		r.remember(it)
		return nil, nil
	}
	return r.want(ctx, it, false)
}

// want decides about a head the peer has of a log this side wants. It
// returns the WANT to send, if any: from this side's head + 1 when the
// peer is ahead, or from the peer's seq when this side holds another entry
// there (a fork: the conflicting entry comes as evidence). A log not
// wanted yet becomes an open want only within the session's share of the
// node's budget; beyond it, it is left for a later session. held says
// that the WANT is held back until sent (see sent): until then the log's
// entries are unsolicited.
func (r *receiver) want(ctx context.Context, it Item, held bool) (*WantLog, error) {
	cfg := &r.s.e.cfg
	r.mu.Lock()
	il := r.logs[it.Log]
	if il != nil && !(il.draining && r.resync[it.Log]) {
		if it.Seq > il.target {
			if !il.draining {
				r.expected += int64(it.Seq - il.target)
			}
			il.target = it.Seq // (of a draining log: for scopeChanged, if the scope wants it again)
		}
		r.mu.Unlock()
		return nil, nil // wanted already (or unwanted until a scope change wants it again)
	}
	if il == nil && r.wanted >= MaxOpenWants {
		r.fullLocked("open wants", it.Log)
		r.mu.Unlock()
		return nil, nil
	}
	r.mu.Unlock()
	h, err := cfg.Store.Head(ctx, it.Log)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, &localError{fmt.Errorf("head of log %s: %w", it.Log, err)}
	}
	if h.Forked {
		return nil, nil // evidence held; the log no longer grows
	}
	r.mu.Lock()
	resync := r.resync[it.Log] // (kept until the log is wanted: a later head may want it)
	r.mu.Unlock()
	if resync && it.Seq <= h.Seq {
		return nil, nil // taken from another peer meanwhile
	}
	nl := &inLog{target: it.Seq, resync: resync, unsent: held}
	switch {
	case it.Seq > h.Seq:
		nl.next, nl.prev, nl.checkBack, nl.fromStore = h.Seq+1, h.ID, h.Seq > 0, h.Seq > 0
	default:
		id := h.ID
		if it.Seq < h.Seq {
			got, err := cfg.Store.Log(ctx, it.Log, it.Seq, 1)
			if err != nil || len(got) != 1 {
				return nil, &localError{fmt.Errorf("entry %d of log %s: %v (%d returned)", it.Seq, it.Log, err, len(got))}
			}
			id = got[0].ID
		}
		if id == it.Head {
			return nil, nil // the peer is behind or level: nothing to take
		}
		nl.next = it.Seq // a fork: the peer's entry there is evidence; the store judges it
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wanted >= MaxOpenWants {
		r.fullLocked("open wants", it.Log)
		return nil, nil
	}
	if r.logs[it.Log] == nil && !r.s.acct.takeWant() {
		r.fullLocked("the node's budget", it.Log)
		return nil, nil
	}
	if resync {
		delete(r.resync, it.Log)
		if old := r.logs[it.Log]; old != nil {
			nl.from, nl.old = nl.next, old.floor()
		}
	}
	r.logs[it.Log] = nl
	r.wanted++
	r.expected += int64(it.Seq - nl.next + 1)
	return &WantLog{Log: it.Log, From: nl.next}, nil
}

// sent records that the WANTs held back in the reconciliation are sent.
func (r *receiver) sent(ws []WantLog) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range ws {
		if il := r.logs[w.Log]; il != nil {
			il.unsent = false
		}
	}
}

// fullLocked says once per session that a log is not wanted for want of
// room; the caller holds mu.
func (r *receiver) fullLocked(what string, l store.LogKey) {
	if !r.warnedFull {
		r.warnedFull = true
		r.s.log.Warn("not wanting more logs from this peer in this session: limit reached; the rest waits for a later session", "limit", what, "log", l)
	}
}

// peerHead is a remembered head: an Item without its log, which is the
// map's key (40 bytes instead of 104: a flood of items for logs not wanted
// fills every session's share, and 10 sessions held 51 MB of them).
type peerHead struct {
	seq  uint64
	head entry.ID
}

// remember keeps the head of a log not wanted, within the session's share
// of the node's budget (best effort).
func (r *receiver) remember(it Item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.peerHeads[it.Log]; ok {
		if it.Seq > old.seq {
			r.peerHeads[it.Log] = peerHead{it.Seq, it.Head}
		}
		return
	}
	if r.s.acct.takeHead() {
		r.peerHeads[it.Log] = peerHead{it.Seq, it.Head}
	}
}

// peerHead returns the head seq the peer is known to hold of a log this
// side wants from it.
func (r *receiver) peerHead(l store.LogKey) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if il := r.logs[l]; il != nil {
		return il.target, true
	}
	return 0, false
}

// scopeChanged returns the logs to unwant (wanted, no longer in scope;
// they drain) and the heads of logs now wanted: the remembered ones, and
// those of the logs unwanted earlier in the session or whose entry the
// scope refused (it may admit it now; if not, it is refused again).
func (r *receiver) scopeChanged() (unwant []store.LogKey, reconsider []Item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for l, il := range r.logs {
		if !il.draining && !r.s.wants(l) {
			r.drainLocked(il)
			il.unwanted = true
			unwant = append(unwant, l)
		}
		if il.draining && (il.refused > 0 || il.unwanted) && !r.resync[l] && r.s.wants(l) {
			// Kept (draining) until consider replaces it, so entries
			// in flight are dropped, not taken as unsolicited.
			r.resync[l] = true
			reconsider = append(reconsider, Item{Log: l, Seq: il.target})
		}
	}
	for l, h := range r.peerHeads {
		if r.s.wants(l) {
			delete(r.peerHeads, l)
			r.s.acct.giveHead()
			reconsider = append(reconsider, Item{Log: l, Seq: h.seq, Head: h.head})
		}
	}
	return unwant, reconsider
}

// rewants returns the heads of the logs a scope change wants again that
// are still draining (see check).
func (r *receiver) rewants() []Item {
	r.mu.Lock()
	defer r.mu.Unlock()
	var its []Item
	for l := range r.resync {
		if il := r.logs[l]; il != nil && il.draining {
			its = append(its, Item{Log: l, Seq: il.target})
		}
	}
	return its
}

// drain marks a log unwanted; it reports whether it was wanted.
func (r *receiver) drain(l store.LogKey) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	il := r.logs[l]
	if il == nil || il.draining {
		return false
	}
	r.drainLocked(il)
	return true
}

func (r *receiver) drainLocked(il *inLog) {
	il.draining = true
	r.wanted--
}

// verdict is what check decides about one received entry.
type verdict int

const (
	accept verdict = iota // check passed: to the store
	drop                  // in flight for a log unwanted or restarted: ignored
	refuse                // the scope does not admit it (Admitter): dropped, its log unwanted
)

// check judges one received entry, whose signature has been verified (or
// found invalid), against the stream of its log, and advances the stream.
// A fork probe (a WANT restarting the log one seq earlier) is returned when
// the first entry after a WANT does not chain to this side's head.
func (r *receiver) check(e *entry.Entry) (verdict, *WantLog, error) {
	l := store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
	seq := e.Header.Seq
	r.mu.Lock()
	defer r.mu.Unlock()
	il := r.logs[l]
	switch {
	case il == nil || il.unsent:
		return drop, nil, protoErr(CodeUnsolicited, "ENTRIES: entry %s (seq %d of log %s): this log was not wanted", e.ID, seq, l)
	case il.draining:
		if seq > il.target && e.SignatureVerified() {
			// Sent before the peer read the UNWANT (pushed live): the
			// peer holds it, so a scope change that wants the log again
			// wants it up to there; one that did already and found
			// nothing newer wants it again now.
			il.target = seq
			if r.resync[l] {
				r.s.rewantSoon()
			}
		}
		return drop, nil, nil
	case !e.SignatureVerified():
		return drop, nil, protoErr(CodeInvalidEntry, "ENTRIES: entry %s (seq %d of log %s): invalid signature (ZIP-215)", e.ID, seq, l)
	case il.probing > 0:
		if seq != il.probing {
			return drop, nil, nil
		}
		il.probing, il.next, il.checkBack = 0, seq, false
	case il.resync:
		// Wanted again: an entry of an earlier stream may come first
		// (see inLog).
		if seq != il.next {
			return drop, nil, nil
		}
		if seq < il.old {
			il.resync = false // the new stream's first entry
		}
	}
	if seq != il.next {
		return drop, nil, protoErr(CodeUnsolicited, "ENTRIES: entry %s (seq %d of log %s): want seq %d next", e.ID, seq, l, il.next)
	}
	if il.checkBack && e.Header.Backlink != il.prev {
		if il.fromStore && !il.probed {
			// The peer's chain differs from ours below seq: fetch its
			// entry at seq-1, which conflicts with ours there.
			il.probed, il.probing = true, seq-1
			return drop, &WantLog{Log: l, From: seq - 1}, nil
		}
		return drop, nil, protoErr(CodeInvalidEntry, "ENTRIES: entry %s (seq %d of log %s): its backlink does not name the entry at seq %d sent before it", e.ID, seq, l, seq-1)
	}
	if a, ok := r.s.e.cfg.Scope.(Admitter); ok && !a.Admits(e) {
		il.refused = seq
		r.drainLocked(il)
		return refuse, nil, nil
	}
	il.next, il.prev, il.checkBack, il.fromStore = seq+1, e.ID, true, false
	if seq > il.target {
		// Pushed live beyond the head the peer announced: it is expected
		// now too, so progress (received of expected) never passes 100 %.
		r.expected += int64(seq - il.target)
		il.target = seq
	}
	r.received++
	return accept, nil, nil
}

// take books a received ENTRIES against the credit granted.
func (r *receiver) take(entries, bytes int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.availEntries -= int64(entries)
	r.availBytes -= int64(bytes)
	if r.availEntries < 0 || r.availBytes < 0 {
		return protoErr(CodeLimit, "ENTRIES: %d entries in %d bytes overrun the credit granted by %d entries and %d bytes",
			entries, bytes, max(0, -r.availEntries), max(0, -r.availBytes))
	}
	return nil
}

// giveBack returns consumed credit. It returns a CREDIT to send when enough
// came back, or whenever idle (nothing more queued) and some did.
func (r *receiver) giveBack(entries, bytes int, idle bool) *Credit {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.backEntries += int64(entries)
	r.backBytes += int64(bytes)
	lim := &r.s.e.limits
	if r.backEntries == 0 && r.backBytes == 0 {
		return nil
	}
	if !idle && r.backEntries < int64(lim.CreditEntries/4) && r.backBytes < int64(lim.CreditBytes/4) {
		return nil
	}
	c := &Credit{Entries: uint64(r.backEntries), Bytes: uint64(r.backBytes)}
	r.availEntries += r.backEntries
	r.availBytes += r.backBytes
	r.backEntries, r.backBytes = 0, 0
	return c
}

// progress returns the counters for SessionState.
func (r *receiver) progress() (wanted int, expected, received int64, forks int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.wanted, r.expected, r.received, r.forks
}

func (r *receiver) notKeptCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.notKept
}

func (r *receiver) addNotKept(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notKept += n
}

func (r *receiver) addForks(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forks += n
}
