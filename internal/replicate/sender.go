package replicate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// maxEntryFrame is the framed size of an ENTRIES holding the largest entry.
// The sender starts a store read only with at least this much byte credit,
// so whatever it reads, the first entry fits.
var maxEntryFrame = entriesFrameSize(1, 1+cborwire.BytesSize(entry.MaxHeaderSize)+cborwire.BytesSize(entry.MaxPayloadSize))

// sender serves the peer's WANTs: it reads the wanted logs from the store in
// chunks, round robin, and writes them as ENTRIES within the peer's credit;
// it pushes entries stored later (live), announces new heads of other
// offered logs with HAVE, and sends CAUGHT_UP once the logs wanted before
// WANTS_DONE have been sent up to their heads. One goroutine (run) does the
// reading and writing; the other methods only change state under mu.
type sender struct {
	s *session

	mu             sync.Mutex
	wake           chan struct{} // capacity 1: there may be work
	logs           map[store.LogKey]*outLog
	ready          []*outLog // logs with entries to send, in turn
	creditEntries  int64
	creditBytes    int64
	wantsDone      bool                    // the peer sent WANTS_DONE
	initial        int                     // logs wanted before WANTS_DONE not yet sent up to their target
	caughtUpSent   bool                    // CAUGHT_UP is decided (step will queue it)
	caughtUpQueued atomic.Bool             // CAUGHT_UP is in the write queue, after the entries it covers
	reconciled     bool                    // HAVEs may go out
	have           map[store.LogKey]Item   // HAVEs to send, newest head per log
	peerHas        map[store.LogKey]uint64 // seqs the peer is known to hold
	snapshot       *ItemSet                // the offer set as reconciled: targets of initial wants
	// lazy: the reconciliation started from the offer set's digest and
	// the set is not built (snapshot is nil): the logs held at the start
	// are those offered but lazyWithheld, and lazySince holds the logs
	// whose entries came since without being offered to the peer (at
	// most maxLazySince; beyond, the rest are not told at a scope change).
	lazy         bool
	lazyWithheld map[store.LogKey]bool
	lazySince    map[store.LogKey]bool
	useless      int  // wants of no use received (see want)
	warnedFull   bool // the log said that no more logs are served
}

// outLog is one log the peer wants.
type outLog struct {
	log     store.LogKey
	next    uint64 // next seq to send
	target  uint64 // for a log wanted before WANTS_DONE: the seq through which it counts for CAUGHT_UP; 0 when done or not initial
	pending bool   // entries from next on may be in the store
	inReady bool
}

func newSender(s *session) *sender {
	return &sender{
		s:       s,
		wake:    make(chan struct{}, 1),
		logs:    map[store.LogKey]*outLog{},
		have:    map[store.LogKey]Item{},
		peerHas: map[store.LogKey]uint64{},
	}
}

func (x *sender) signal() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// setSnapshot gives the sender the offer set as reconciled.
func (x *sender) setSnapshot(set *ItemSet) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.snapshot = set
	x.lazy, x.lazyWithheld, x.lazySince = false, nil, nil
}

// maxLazySince bounds sender.lazySince.
const maxLazySince = 4096

// setLazy says that the reconciliation starts from the offer set's digest:
// withheld are the logs held and not offered then (lazyStart).
func (x *sender) setLazy(withheld map[store.LogKey]bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.lazy, x.lazyWithheld, x.lazySince = true, withheld, map[store.LogKey]bool{}
}

// inOfferFunc returns a function that reports whether a log held now was
// in the offer set as reconciled or was told to the peer since, as far as
// the sender knows now: it may be called without mu. The caller holds mu.
func (x *sender) inOfferFunc() func(store.LogKey) bool {
	if snap := x.snapshot; snap != nil {
		return func(l store.LogKey) bool {
			_, ok := snap.Lookup(l)
			return ok
		}
	}
	if !x.lazy {
		return func(store.LogKey) bool { return false }
	}
	withheld, since := x.lazyWithheld, maps.Clone(x.lazySince)
	return func(l store.LogKey) bool { return !withheld[l] && !since[l] }
}

// markReady queues ol for sending; the caller holds mu.
func (x *sender) markReady(ol *outLog) {
	ol.pending = true
	if !ol.inReady {
		ol.inReady = true
		x.ready = append(x.ready, ol)
	}
}

// want handles a WANT (doc/protocol/sync.md, "Serving wants"). Only a log
// offered to the peer and held here becomes a served log, within the
// node's Budget of served logs; nothing is kept of any other: a log not
// offered or not held is ignored (the peer gets it with HAVE once it is
// held), and does not hold back CAUGHT_UP. A want of a log ignored that
// was not in the offer set as reconciled, or a restart of a log already
// served, is of no use: beyond MaxUselessWants in the session the peer is
// closed with code 3.
func (x *sender) want(ctx context.Context, ws []WantLog) error {
	x.mu.Lock()
	snap := x.snapshot
	lazy := x.lazy && snap == nil
	reconciledLazy := func(l store.LogKey) bool { return false }
	if lazy {
		withheld := x.lazyWithheld // never changed once set
		reconciledLazy = func(l store.LogKey) bool { return !withheld[l] }
	}
	x.mu.Unlock()
	const (
		serve = iota
		ignore
		useless
	)
	how := make([]int8, len(ws))
	for i, w := range ws {
		reconciled := false
		if snap != nil {
			_, reconciled = snap.Lookup(w.Log)
		}
		offers := x.s.e.cfg.Scope.Offers(x.s.peer, w.Log)
		switch {
		case lazy:
			// In the set as reconciled: held (now) and not withheld
			// then. Each such want costs one read of a head.
			held, err := x.holdsNow(ctx, w.Log)
			if err != nil {
				return err
			}
			reconciled = held && reconciledLazy(w.Log)
			if offers && held {
				how[i] = serve
			} else {
				how[i] = ignore
			}
		case !offers:
			how[i] = ignore
		case reconciled:
			how[i] = serve
		default:
			held, err := x.holdsNow(ctx, w.Log)
			if err != nil {
				return err
			}
			if held {
				how[i] = serve
			} else {
				how[i] = ignore
			}
		}
		if how[i] == ignore && !reconciled {
			how[i] = useless
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	limit := x.s.e.limits.MaxUselessWants
	noUse := func(w WantLog, why string) error {
		x.useless++
		if x.useless > limit {
			return protoErr(CodeLimit, "WANT: log %s is want %d of no use in this session (%s); the limit is %d", w.Log, x.useless, why, limit)
		}
		return nil
	}
	for i, w := range ws {
		switch how[i] {
		case ignore:
			continue
		case useless:
			if err := noUse(w, "a log this node does not hold or did not offer the peer"); err != nil {
				return err
			}
			continue
		}
		ol := x.logs[w.Log]
		if ol != nil {
			if err := noUse(w, "a restart of a log already wanted"); err != nil {
				return err
			}
		} else {
			if len(x.logs) >= MaxOpenWants {
				return protoErr(CodeLimit, "WANT: log %s would be open want %d; the limit is %d", w.Log, len(x.logs)+1, MaxOpenWants)
			}
			if !x.s.acct.takeServe() {
				if !x.warnedFull {
					x.warnedFull = true
					x.s.log.Warn("not serving more logs to this peer in this session: the node serves as many as its budget allows; the rest waits for a later session", "log", w.Log)
				}
				continue
			}
			ol = &outLog{log: w.Log}
			x.logs[w.Log] = ol
			if !x.wantsDone {
				if t := x.targetOf(ctx, w.Log); t >= w.From {
					ol.target = t
					x.initial++
				}
			}
		}
		ol.next = w.From
		x.markReady(ol)
		delete(x.have, w.Log)
	}
	x.signal()
	return nil
}

// holdsNow reports whether the store holds an entry of a log. The caller
// does not hold mu.
func (x *sender) holdsNow(ctx context.Context, log store.LogKey) (bool, error) {
	h, err := x.s.e.cfg.Store.Head(ctx, log)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, &localError{fmt.Errorf("head of log %s: %w", log, err)}
	}
	return h.Seq > 0, nil
}

// targetOf returns this side's head seq of a log as reconciled (or as the
// store has it now, for a log outside the snapshot); the caller holds mu.
func (x *sender) targetOf(ctx context.Context, log store.LogKey) uint64 {
	if x.snapshot != nil {
		if it, ok := x.snapshot.Lookup(log); ok {
			return it.Seq
		}
	}
	h, err := x.s.e.cfg.Store.Head(ctx, log)
	if err != nil {
		return 0
	}
	return h.Seq
}

// unwanted handles the peer's UNWANT: it stops the logs. Their entries
// stored before it and not sent (queued, or read meanwhile) are announced
// with HAVE instead, as entries stored later are: the peer may want the
// log again in the session (a scope change), and has to know of them.
func (x *sender) unwanted(ctx context.Context, logs []store.LogKey) error {
	type stop struct {
		log  store.LogKey
		next uint64
	}
	var stopped []stop
	x.mu.Lock()
	for _, l := range logs {
		if ol := x.logs[l]; ol != nil {
			stopped = append(stopped, stop{l, ol.next})
			x.stopLocked(l)
		}
	}
	x.mu.Unlock()
	var heads []Item
	for _, st := range stopped {
		h, err := x.s.e.cfg.Store.Head(ctx, st.log)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			return &localError{fmt.Errorf("head of log %s: %w", st.log, err)}
		}
		if h.Seq >= st.next && x.s.e.cfg.Scope.Offers(x.s.peer, st.log) {
			heads = append(heads, Item{Log: st.log, Seq: h.Seq, Head: h.ID})
		}
	}
	x.mu.Lock()
	for _, it := range heads {
		x.offerHeadLocked(it, true)
	}
	x.mu.Unlock()
	x.signal()
	return nil
}

// offerHeadLocked queues a HAVE of it unless the peer wants the log (it
// is sent), or, with unlessHeld, already holds that far of it; x.mu is
// held.
func (x *sender) offerHeadLocked(it Item, unlessHeld bool) {
	if _, wanted := x.logs[it.Log]; wanted {
		return
	}
	if seq, ok := x.peerHas[it.Log]; unlessHeld && ok && seq >= it.Seq {
		return
	}
	if h, ok := x.have[it.Log]; !ok || h.Seq < it.Seq {
		x.have[it.Log] = it
	}
}

// unwant stops logs.
func (x *sender) unwant(logs []store.LogKey) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, l := range logs {
		x.stopLocked(l)
	}
	x.signal()
}

func (x *sender) stopLocked(l store.LogKey) {
	ol := x.logs[l]
	if ol == nil {
		return
	}
	if ol.target > 0 {
		ol.target = 0
		x.initial--
	}
	ol.pending = false
	delete(x.logs, l)
	x.s.acct.giveServe()
	if ol.inReady {
		for i, r := range x.ready {
			if r == ol {
				x.ready = append(x.ready[:i], x.ready[i+1:]...)
				break
			}
		}
	}
}

// gotWantsDone handles WANTS_DONE.
func (x *sender) gotWantsDone() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.wantsDone {
		return protoErr(CodeMalformed, "WANTS_DONE: a second one in this session")
	}
	x.wantsDone = true
	x.signal()
	return nil
}

// addCredit handles a CREDIT.
func (x *sender) addCredit(c *Credit) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, b := x.creditEntries+int64(min(c.Entries, 1<<40)), x.creditBytes+int64(min(c.Bytes, 1<<40))
	if e > MaxCreditEntries || b > MaxCreditBytes {
		return protoErr(CodeLimit, "CREDIT: %d entries and %d bytes held; the limits are %d and %d", e, b, MaxCreditEntries, MaxCreditBytes)
	}
	x.creditEntries, x.creditBytes = e, b
	x.signal()
	return nil
}

// setReconciled lets HAVEs go out.
func (x *sender) setReconciled() {
	// Acknowledge the account's logs of the offer set (Acknowledger): a
	// mirror whose set equals this side's learns nothing else from the
	// reconciliation.
	var ack []Item
	x.mu.Lock()
	snap := x.snapshot
	x.mu.Unlock()
	if snap != nil {
		for _, it := range snap.Items() {
			if x.s.acknowledges(it.Log) {
				ack = append(ack, it)
			}
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, it := range ack {
		if h, ok := x.have[it.Log]; !ok || h.Seq < it.Seq {
			x.have[it.Log] = it
		}
	}
	x.reconciled = true
	x.signal()
}

// peerHolds records that the peer holds a log up to seq (from the
// reconciliation or its HAVE), so no HAVE tells it what it knows.
func (x *sender) peerHolds(its []Item) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, it := range its {
		x.notePeerLocked(it.Log, it.Seq)
	}
}

func (x *sender) notePeerLocked(l store.LogKey, seq uint64) {
	if old, ok := x.peerHas[l]; ok {
		x.peerHas[l] = max(old, seq)
	} else if x.s.acct.takeHead() {
		x.peerHas[l] = seq
	}
}

// offered reports whether a log is in the offer set as reconciled.
func (x *sender) offered(l store.LogKey) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.snapshot == nil {
		return false
	}
	_, ok := x.snapshot.Lookup(l)
	return ok
}

// wantedFromPeer reports whether this side wants a log from the peer up to
// a head at least seq high: the peer holds it (HAVE need not say so, and
// the log needs no note in peerHas). The caller does not hold mu.
func (x *sender) wantedFromPeer(l store.LogKey, seq uint64) bool {
	t, ok := x.s.recv.peerHead(l)
	return ok && t >= seq
}

// added handles entries newly stored on this node: wanted logs get pushed,
// other logs offered to the peer get a HAVE (acknowledged logs even when
// the peer serves them: Acknowledger).
func (x *sender) added(es []*entry.Entry) { x.announce(es, false) }

// acknowledge sends HAVE for the entries of acknowledged logs that the
// peer itself sent and this node stored (Acknowledger).
func (x *sender) acknowledge(es []*entry.Entry) { x.announce(es, true) }

func (x *sender) announce(es []*entry.Entry, ackOnly bool) {
	var offer []Item
	ack := map[store.LogKey]bool{}
	for _, e := range es {
		l := store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
		if _, ok := ack[l]; !ok {
			ack[l] = x.s.acknowledges(l)
		}
	}
	x.mu.Lock()
	for _, e := range es {
		l := store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
		if ackOnly && !ack[l] {
			continue
		}
		if ol := x.logs[l]; ol != nil {
			if e.Header.Seq >= ol.next {
				x.markReady(ol)
			}
			continue
		}
		if seq, ok := x.peerHas[l]; ok && seq >= e.Header.Seq && !ack[l] {
			continue // (an acknowledgement tells what this side holds)
		}
		if h, ok := x.have[l]; ok && h.Seq >= e.Header.Seq {
			continue
		}
		offer = append(offer, Item{Log: l, Seq: e.Header.Seq, Head: e.ID})
	}
	x.mu.Unlock()
	// Scope and the receiver are asked without holding mu.
	kept := offer[:0]
	var withheld []store.LogKey
	for _, it := range offer {
		if !x.s.e.cfg.Scope.Offers(x.s.peer, it.Log) {
			withheld = append(withheld, it.Log)
			continue
		}
		if ack[it.Log] || !x.wantedFromPeer(it.Log, it.Seq) {
			kept = append(kept, it)
		}
	}
	x.mu.Lock()
	if x.lazy {
		for _, l := range withheld {
			if len(x.lazySince) < maxLazySince {
				x.lazySince[l] = true
			}
		}
	}
	for _, it := range kept {
		if _, wanted := x.logs[it.Log]; wanted {
			continue
		}
		if h, ok := x.have[it.Log]; !ok || h.Seq < it.Seq {
			x.have[it.Log] = it
		}
	}
	x.mu.Unlock()
	x.signal()
}

// scopeChanged stops the logs no longer offered to the peer, and
// announces (HAVE) those offered now that were not when the session
// reconciled — an unblocked account's, a stranger's whose veto was lifted —
// as a new entry would be announced; without it the peer would not learn
// of them until the next session. heads are the store's heads.
func (x *sender) scopeChanged(heads []store.Head) {
	x.mu.Lock()
	logs := make([]store.LogKey, 0, len(x.logs))
	for l := range x.logs {
		logs = append(logs, l)
	}
	inOffer := x.inOfferFunc()
	x.mu.Unlock()
	var stop []store.LogKey
	for _, l := range logs {
		if !x.s.e.cfg.Scope.Offers(x.s.peer, l) {
			stop = append(stop, l)
		}
	}
	if len(stop) > 0 {
		x.unwant(stop)
	}
	var offer, ack []Item
	for _, h := range heads {
		if h.Seq == 0 {
			continue
		}
		// A log acknowledged now may not have been when its entries
		// came (its author's certificate came later): acknowledge it
		// again.
		if x.s.acknowledges(h.Log) && x.s.e.cfg.Scope.Offers(x.s.peer, h.Log) {
			ack = append(ack, Item{Log: h.Log, Seq: h.Seq, Head: h.ID})
		}
		if inOffer(h.Log) {
			continue
		}
		if !x.wantedFromPeer(h.Log, h.Seq) && x.s.e.cfg.Scope.Offers(x.s.peer, h.Log) {
			offer = append(offer, Item{Log: h.Log, Seq: h.Seq, Head: h.ID})
		}
	}
	if len(offer) == 0 && len(ack) == 0 {
		return
	}
	x.mu.Lock()
	for _, it := range ack {
		x.offerHeadLocked(it, false)
	}
	for _, it := range offer {
		x.offerHeadLocked(it, true)
	}
	x.mu.Unlock()
	x.signal()
}

// sentCaughtUp reports whether CAUGHT_UP was queued for writing.
func (x *sender) sentCaughtUp() bool {
	return x.caughtUpQueued.Load()
}

// served returns the number of logs the peer wants that are sent to it,
// and the wants of no use it sent.
func (x *sender) served() (int, int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.logs), x.useless
}
