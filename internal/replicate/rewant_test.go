package replicate

import (
	"context"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/store"
)

// TestScopeRewant: a log a scope change unwants and a later one wants again
// is fetched again in the same session, up to the head the peer announced
// while it was unwanted, and then live.
func TestScopeRewant(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	x := newChain(t, 1, 1)
	ingest(t, a.st, x.add(t, 3))
	b.scope.setWants(x.logKey())
	l := connect(t, a, b)
	waitLive(t, a, b)
	waitHead(t, b.st, x.logKey(), 3)

	b.scope.setWants() // x unwanted
	b.eng.ScopeChanged()
	waitFor(t, "a to stop serving x", func() bool {
		sa := a.eng.Sessions()
		return len(sa) == 1 && sa[0].LogsServed == 0
	})
	more := x.add(t, 2) // seq 4–5: announced with HAVE, not pushed
	ingest(t, a.st, more)
	a.eng.Added(more)

	b.scope.setWants(x.logKey()) // wanted again
	b.eng.ScopeChanged()
	waitHead(t, b.st, x.logKey(), 5)
	last := x.add(t, 1)
	ingest(t, a.st, last)
	a.eng.Added(last)
	waitHead(t, b.st, x.logKey(), 6)
	checkOneSession(t, l, a, b)
}

// TestScopeRewantInFlight: a log unwanted in the middle of its stream and
// wanted again at once, while entries of the old stream are still in
// flight (one of them may carry the very seq the new stream starts at), is
// fetched whole, and the peer is not taken for sending unsolicited
// entries. Three times in one session, so that a log wanted again is also
// unwanted again before its old stream ended.
func TestScopeRewantInFlight(t *testing.T) {
	const n = 1500
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	x := newChain(t, 1, 1)
	ingest(t, a.st, x.add(t, n))
	b.scope.setWants(x.logKey())
	l := connect(t, a, b)
	for _, at := range []uint64{100, 500, 1000} {
		waitFor(t, fmt.Sprintf("b to hold x up to seq %d", at), func() bool {
			h, err := b.st.Head(context.Background(), x.logKey())
			return err == nil && h.Seq >= at
		})
		b.scope.setWants() // unwanted mid-stream
		b.eng.ScopeChanged()
		waitFor(t, "b to unwant x", func() bool {
			sb := b.eng.Sessions()
			return len(sb) == 1 && sb[0].LogsWanted == 0
		})
		b.scope.setWants(x.logKey()) // and wanted again at once
		b.eng.ScopeChanged()
	}
	waitHead(t, b.st, x.logKey(), n)
	waitLive(t, a, b)
	last := x.add(t, 1)
	ingest(t, a.st, last)
	a.eng.Added(last)
	waitHead(t, b.st, x.logKey(), n+1)
	checkOneSession(t, l, a, b)
}

// TestScopeRewantOldStreamAtFrom: the old stream of a log unwanted and
// wanted again may carry the very seq the new stream starts at (entries the
// peer sent before it read the UNWANT): the receiver takes the log's
// entries in order from either stream and drops the new stream's repeats,
// and the peer is not taken for sending unsolicited entries.
func TestScopeRewantOldStreamAtFrom(t *testing.T) {
	n, c, f := unwantedAfterThree(t)
	c.add(t, 3)                               // seq 4–6
	f.send(&Have{Heads: []Item{headItem(c)}}) // while unwanted: remembered
	n.scope.setWants(c.logKey())
	n.eng.ScopeChanged()
	m, _ := f.next(KindWant)
	if w := m.(*Want).Logs; len(w) != 1 || w[0].Log != c.logKey() || w[0].From != 4 {
		t.Fatalf("WANT %+v, want log %s from 4", w, c.logKey())
	}
	// The old stream's 4–5, in flight when the WANT came, then the new
	// stream from 4.
	f.send(&Entries{Entries: c.es[3:5]}, &Entries{Entries: c.es[3:6]})
	waitHead(t, n.st, c.logKey(), 6)
	live := c.add(t, 1)
	f.send(&Entries{Entries: live})
	waitHead(t, n.st, c.logKey(), 7)
	select {
	case err := <-f.result:
		t.Fatalf("the session ended: %v", err)
	default:
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: %v", n.misbeh)
	}
}

// checkOneSession requires the session of l to run on, with no
// misbehaviour reported on either side.
func checkOneSession(t *testing.T, l *link, a, b *node) {
	t.Helper()
	select {
	case err := <-l.errA:
		l.errA <- err
		t.Fatalf("a's session ended: %v", err)
	case err := <-l.errB:
		l.errB <- err
		t.Fatalf("b's session ended: %v", err)
	default:
	}
	if na, nb := len(a.eng.Sessions()), len(b.eng.Sessions()); na != 1 || nb != 1 {
		t.Fatalf("a has %d sessions and b %d, want the one still open", na, nb)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(a.misbeh) != 0 || len(b.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: a %v, b %v", a.misbeh, b.misbeh)
	}
}

// TestUnwantAnnouncesUnsent: entries of a log the peer unwants that the
// sender held but had not sent (here for want of credit) are announced with
// HAVE, so that the peer, should it want the log again in the session,
// knows of them.
func TestUnwantAnnouncesUnsent(t *testing.T) {
	n := newNode(t, 1, Limits{})
	x := newChain(t, 1, 1)
	ingest(t, n.st, x.add(t, 6))
	f := newFakePeer(t, n, 1, true)
	f.send(&Hello{Version: Version}, &Credit{Entries: 3, Bytes: MinCreditBytes})
	f.send(&Reconcile{Ranges: []Range{{Mode: ModeList}}})
	f.next(KindReconcile)
	f.send(&Want{Logs: []WantLog{{Log: x.logKey(), From: 1}}}, &WantsDone{})
	m, _ := f.next(KindEntries)
	if es := m.(*Entries).Entries; len(es) != 3 || es[0].Header.Seq != 1 {
		t.Fatalf("ENTRIES of %d entries from seq %d, want 3 from 1 (the credit)", len(es), es[0].Header.Seq)
	}
	f.send(&Unwant{Logs: []store.LogKey{x.logKey()}})
	m, skipped := f.next(KindHave)
	if hs := m.(*Have).Heads; len(hs) != 1 || hs[0] != headItem(x) {
		t.Fatalf("HAVE %+v, want x's head (seq 6) only", hs)
	}
	for _, m := range skipped {
		if m.Kind() == KindEntries {
			t.Fatalf("ENTRIES sent after the credit ran out: %v", kinds(skipped))
		}
	}
}

// TestScopeRewantAfterDroppedPush: an entry pushed live before the peer
// read the UNWANT is dropped, but tells that the peer holds it: wanting the
// log again wants it, whether the scope change comes before or after it.
func TestScopeRewantAfterDroppedPush(t *testing.T) {
	n, c, f := unwantedAfterThree(t)
	f.send(&Entries{Entries: c.add(t, 1)}) // seq 4, pushed before the UNWANT was read
	n.scope.setWants(c.logKey())
	n.eng.ScopeChanged()
	m, _ := f.next(KindWant)
	if w := m.(*Want).Logs; len(w) != 1 || w[0].Log != c.logKey() || w[0].From != 4 {
		t.Fatalf("WANT %+v, want log %s from 4", w, c.logKey())
	}
	f.send(&Entries{Entries: append(c.es[3:4:4], c.add(t, 1)...)})
	waitHead(t, n.st, c.logKey(), 5)
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: %v", n.misbeh)
	}
}

// unwantedAfterThree sets up a node that took seq 1–3 of a log from a fake
// peer, then stopped wanting it (the peer has read the UNWANT).
func unwantedAfterThree(t *testing.T) (*node, *chain, *fakePeer) {
	t.Helper()
	n := newNode(t, 1, Limits{})
	c := newChain(t, 10, 1)
	c.add(t, 3)
	n.scope.setWants(c.logKey())
	f := newFakePeer(t, n, 1, true)
	offerAndAwaitWant(t, f, c)
	f.send(&Entries{Entries: c.es[:3]})
	waitHead(t, n.st, c.logKey(), 3)

	n.scope.setWants()
	n.eng.ScopeChanged()
	f.next(KindUnwant)
	return n, c, f
}
