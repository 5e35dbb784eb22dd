package replicate

import (
	"context"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/sqlite"
)

// checkState compares the counters of a session state.
func checkState(t testing.TB, name string, s SessionState, wanted int, expected, received, sent int64) {
	t.Helper()
	if s.LogsWanted != wanted || s.EntriesExpected != expected || s.EntriesReceived != received || s.EntriesSent != sent || !s.CaughtUp || s.Phase != PhaseLive {
		t.Errorf("%s: %+v; want live, caught up, %d logs wanted, %d expected, %d received, %d sent", name, s, wanted, expected, received, sent)
	}
}

func TestSyncDisjointAndOverlapping(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	onlyA, onlyB, both := newChain(t, 1, 1), newChain(t, 2, 1), newChain(t, 3, 7)
	ingest(t, a.st, onlyA.add(t, 30))
	ingest(t, b.st, onlyB.add(t, 20))
	common := both.add(t, 50)
	ingest(t, a.st, common[:50])
	ingest(t, b.st, common[:35])

	connect(t, a, b)
	sa, sb := waitLive(t, a, b)

	for _, n := range []*node{a, b} {
		hs := heads(t, n.st)
		for _, c := range []*chain{onlyA, onlyB, both} {
			if h := hs[c.logKey()]; h.Seq != uint64(len(c.es)) || h.ID != c.es[len(c.es)-1].ID {
				t.Errorf("log %s: head %d, want %d", c.logKey(), h.Seq, len(c.es))
			}
		}
	}
	// a wanted onlyB (20 entries); b wanted onlyA (30) and both from 36 (15).
	checkState(t, "a", sa, 1, 20, 20, 45)
	checkState(t, "b", sb, 2, 45, 45, 20)
	if sa.LogsServed != 2 || sb.LogsServed != 1 {
		t.Errorf("logs served %d and %d, want 2 and 1", sa.LogsServed, sb.LogsServed)
	}
	if sa.Forks != 0 || sb.Forks != 0 || !sa.Initiator || sb.Initiator {
		t.Errorf("forks %d %d, initiator %v %v", sa.Forks, sb.Forks, sa.Initiator, sb.Initiator)
	}
	b.mu.Lock()
	if len(b.added) != 45 {
		t.Errorf("OnAdded got %d entries on b, want 45", len(b.added))
	}
	b.mu.Unlock()
}

func TestSyncSQLite(t *testing.T) {
	open := func(name string) store.Store {
		s, err := sqlite.Open(t.TempDir() + "/" + name + ".db")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	a.st, b.st = open("a"), open("b")
	a.eng.cfg.Store, b.eng.cfg.Store = a.st, b.st
	var cs []*chain
	for i := range 4 {
		c := newChain(t, 20+i, byte(i))
		ingest(t, a.st, c.add(t, 150))
		cs = append(cs, c)
	}
	ingest(t, b.st, cs[0].es[:70])
	connect(t, a, b)
	_, sb := waitLive(t, a, b)
	for _, c := range cs {
		waitHead(t, b.st, c.logKey(), 150)
	}
	checkState(t, "b", sb, 4, 530, 530, 0)
}

// TestInSyncReconnectBytes: two nodes holding the same 10,000 logs exchange
// a fixed, small number of bytes before both are live, whatever N; one
// differing log costs O(log N) more.
func TestInSyncReconnectBytes(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	// 1,000 authors with 10 logs each.
	keys := make([]identity.PrivateKey, 1000)
	for i := range keys {
		keys[i] = testKey(t, 100+i)
	}
	var all []*entry.Entry
	for i := range 10000 {
		e, err := entry.Sign(keys[i/10], entry.Draft{LogID: entry.LogID{byte(i % 10)}, Seq: 1, Timestamp: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	for _, n := range []*node{a, b} {
		if _, err := n.st.Ingest(context.Background(), all); err != nil {
			t.Fatal(err)
		}
	}
	l := connect(t, a, b)
	waitLive(t, a, b)
	sa, sb := settled(t, a, b)
	// Each side: HELLO 8 + CREDIT 14 (32,768 entries is a 2-byte CBOR
	// integer; the older default window, 65,536, took 4) + WANTS_DONE 6 +
	// CAUGHT_UP 6 bytes, and the reconciliation: one fingerprint (27) and
	// an empty answer (7).
	if sa.BytesOut != 61 || sb.BytesOut != 41 || sa.BytesIn != sb.BytesOut || sb.BytesIn != sa.BytesOut {
		t.Fatalf("bytes out %d and %d, in %d and %d; want 61 and 41", sa.BytesOut, sb.BytesOut, sa.BytesIn, sb.BytesIn)
	}
	if total := sa.BytesIn + sa.BytesOut; total >= 1024 {
		t.Fatalf("%d bytes for an in-sync reconnect", total)
	}
	l.stop(t)

	// One log one entry ahead on a.
	next, err := entry.Sign(keys[123], entry.Draft{LogID: entry.LogID{4}, Seq: 2, Backlink: all[1234].ID, Timestamp: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.Ingest(context.Background(), []*entry.Entry{next}); err != nil {
		t.Fatal(err)
	}
	connect(t, a, b)
	waitLive(t, a, b)
	sa, sb = settled(t, a, b)
	checkState(t, "b", sb, 1, 1, 1, 0)
	if total := sa.BytesIn + sa.BytesOut; total > 2500 {
		t.Fatalf("%d bytes for a reconnect with one differing log among 10,000", total)
	}
	t.Logf("one differing log among 10,000: %d bytes in all", sa.BytesIn+sa.BytesOut)
}

// TestScopeRespected: a log not offered is never sent, a log not wanted is
// never requested.
func TestScopeRespected(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	x, y, z := newChain(t, 1, 1), newChain(t, 2, 1), newChain(t, 3, 1)
	ingest(t, a.st, x.add(t, 10))
	ingest(t, a.st, y.add(t, 10))
	ingest(t, a.st, z.add(t, 10))
	a.scope.setOffers(x.logKey(), z.logKey()) // y is not offered
	b.scope.setWants(x.logKey(), y.logKey())  // z is not wanted
	connect(t, a, b)
	sa, sb := waitLive(t, a, b)
	hs := heads(t, b.st)
	if hs[x.logKey()].Seq != 10 || len(hs) != 1 {
		t.Fatalf("b holds %v, want only x", hs)
	}
	checkState(t, "a", sa, 0, 0, 0, 10)
	checkState(t, "b", sb, 1, 10, 10, 0)
}

// TestWantNotOfferedIgnored: a peer that wants a log it was not offered
// gets nothing of it, and CAUGHT_UP all the same.
func TestWantNotOfferedIgnored(t *testing.T) {
	n := newNode(t, 1, Limits{})
	x, y := newChain(t, 1, 1), newChain(t, 2, 1)
	ingest(t, n.st, x.add(t, 3))
	ingest(t, n.st, y.add(t, 3))
	n.scope.setOffers(x.logKey())
	f := newFakePeer(t, n, 1, true)
	f.hello()
	f.send(&Reconcile{Ranges: []Range{{Mode: ModeList}}})
	m, _ := f.next(KindReconcile)
	rs := m.(*Reconcile).Ranges
	if len(rs) != 1 || rs[0].Mode != ModeReply || len(rs[0].Items) != 1 || rs[0].Items[0] != headItem(x) {
		t.Fatalf("the engine answered %+v; want a reply with x's head only", rs)
	}
	f.send(&Want{Logs: []WantLog{{Log: y.logKey(), From: 1}}}, &WantsDone{})
	_, before := f.next(KindCaughtUp)
	for _, m := range before {
		if m.Kind() == KindEntries {
			t.Fatalf("ENTRIES sent for a log not offered: %v", kinds(before))
		}
	}
}

// settled waits until the live sessions of a and b have read everything
// the other wrote (the last frames may still be in flight when both are
// live), and returns their states.
func settled(t testing.TB, a, b *node) (SessionState, SessionState) {
	t.Helper()
	var sa, sb SessionState
	waitFor(t, "the byte counts of both sides to agree", func() bool {
		as, bs := a.eng.Sessions(), b.eng.Sessions()
		if len(as) != 1 || len(bs) != 1 {
			return false
		}
		sa, sb = as[0], bs[0]
		return sa.BytesOut == sb.BytesIn && sb.BytesOut == sa.BytesIn
	})
	return sa, sb
}
