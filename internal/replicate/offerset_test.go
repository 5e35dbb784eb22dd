package replicate

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// TestItemSetFilter: a filtered set is exactly the set built from the
// items kept (items, and the fingerprint of every range), and keeping all
// returns the set itself.
func TestItemSetFilter(t *testing.T) {
	es := manyLogs(t, 300)
	items := make([]Item, len(es))
	for i, e := range es {
		items[i] = Item{Log: logKeyOf(e), Seq: e.Header.Seq, Head: e.ID}
	}
	all, err := NewItemSet(items)
	if err != nil {
		t.Fatal(err)
	}
	if got := all.filter(func(store.LogKey) bool { return true }); got != all {
		t.Fatal("filter keeping every log returned a copy, want the set itself")
	}
	keep := func(l store.LogKey) bool { return l.LogID[7]%3 != 0 }
	var kept []Item
	for _, it := range items {
		if keep(it.Log) {
			kept = append(kept, it)
		}
	}
	want, err := NewItemSet(kept)
	if err != nil {
		t.Fatal(err)
	}
	got := all.filter(keep)
	if got.Len() != want.Len() || len(kept) == 0 || len(kept) == len(items) {
		t.Fatalf("filtered set holds %d items, want %d (of %d)", got.Len(), want.Len(), len(items))
	}
	for i := range want.Items() {
		if got.Items()[i] != want.Items()[i] {
			t.Fatalf("item %d = %+v, want %+v", i, got.Items()[i], want.Items()[i])
		}
	}
	for i := 0; i <= got.Len(); i += 7 {
		for j := i; j <= got.Len(); j += 13 {
			if got.fingerprint(i, j) != want.fingerprint(i, j) {
				t.Fatalf("fingerprint of items %d..%d differs from the set built from them", i, j)
			}
		}
	}
	if got.Fingerprint(nil, nil) != FingerprintOf(kept) {
		t.Fatal("fingerprint of the filtered set differs from FingerprintOf its items")
	}
	if none := all.filter(func(store.LogKey) bool { return false }); none.Len() != 0 || none.Fingerprint(nil, nil) != FingerprintOf(nil) {
		t.Fatalf("filter keeping nothing: %d items", none.Len())
	}
}

// countingStore counts the calls of Heads; with hideVersion it does not
// implement store.HeadsVersioner.
type countingStore struct {
	*mem.Store
	heads atomic.Int64
}

func (c *countingStore) Heads(ctx context.Context) ([]store.Head, error) {
	c.heads.Add(1)
	return c.Store.Heads(ctx)
}

type unversioned struct{ store.Store }

// TestOfferSetKeptWhileHeadsUnchanged: sessions whose store did not
// change since the last one share its set of heads and read nothing; a
// write makes the next one read the heads again and see the new log; a
// peer not given every log gets exactly the logs the scope gives it; a
// store that cannot tell whether its heads changed is read every time.
func TestOfferSetKeptWhileHeadsUnchanged(t *testing.T) {
	ctx := context.Background()
	cs := &countingStore{Store: mem.New()}
	n := newNode(t, 1, Limits{})
	n.st, n.eng.cfg.Store = cs, cs
	a, b := newChain(t, 11, 1), newChain(t, 12, 2)
	ingest(t, cs, a.add(t, 3))
	peer := testKey(t, 2).Public()
	set := func(p identity.PublicKey) *ItemSet {
		t.Helper()
		s, err := newSession(n.eng, p, nil, false).offerSet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1 := set(peer)
	s2 := set(testKey(t, 3).Public())
	if s1 != s2 || cs.heads.Load() != 1 {
		t.Fatalf("two sessions with nothing written: Heads read %d times, same set %v; want 1, true", cs.heads.Load(), s1 == s2)
	}
	if s1.Len() != 1 || s1.Items()[0].Seq != 3 {
		t.Fatalf("offer set %+v, want log a at seq 3", s1.Items())
	}
	ingest(t, cs, b.add(t, 1))
	s3 := set(peer)
	if cs.heads.Load() != 2 || s3.Len() != 2 {
		t.Fatalf("after a write: Heads read %d times, %d items; want 2, 2", cs.heads.Load(), s3.Len())
	}
	if _, ok := s3.Lookup(b.logKey()); !ok {
		t.Fatal("the offer set after the write lacks the new log")
	}
	n.scope.setOffers(b.logKey())
	s4 := set(peer)
	if cs.heads.Load() != 2 || s4.Len() != 1 || s4.Items()[0].Log != b.logKey() {
		t.Fatalf("scope gives only log b: Heads read %d times, items %+v; want 2, log b alone", cs.heads.Load(), s4.Items())
	}
	if s4.Fingerprint(nil, nil) != FingerprintOf(s4.Items()) {
		t.Fatal("the filtered offer set's fingerprint is not that of its items")
	}

	uc := &countingStore{Store: mem.New()}
	u := newNode(t, 4, Limits{})
	u.st, u.eng.cfg.Store = unversioned{uc}, unversioned{uc}
	ingest(t, uc, newChain(t, 13, 3).add(t, 1))
	for range 2 {
		if _, err := newSession(u.eng, peer, nil, false).offerSet(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if uc.heads.Load() != 2 {
		t.Fatalf("store without HeadsVersion: Heads read %d times for two sessions, want 2", uc.heads.Load())
	}
}

// TestIdleReconnectReadsNoHeads: two nodes in sync reconnect after
// nothing was written: neither reads its store's heads again, and the
// reconciliation is one fingerprint and an empty answer.
func TestIdleReconnectReadsNoHeads(t *testing.T) {
	x, y := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	cx, cy := &countingStore{Store: mem.New()}, &countingStore{Store: mem.New()}
	x.st, x.eng.cfg.Store = cx, cx
	y.st, y.eng.cfg.Store = cy, cy
	for i := range 40 { // more than ListThreshold: the initiator starts with a fingerprint
		es := newChain(t, 20+i, byte(i)).add(t, 2)
		ingest(t, cx, es)
		ingest(t, cy, es)
	}
	l := connect(t, x, y)
	waitLive(t, x, y)
	l.stop(t)
	hx, hy := cx.heads.Load(), cy.heads.Load()
	if hx != 1 || hy != 1 {
		t.Fatalf("first session: Heads read %d / %d times, want 1 / 1", hx, hy)
	}
	l = connect(t, x, y)
	waitLive(t, x, y)
	sx, sy := settled(t, x, y)
	l.stop(t)
	if cx.heads.Load() != hx || cy.heads.Load() != hy {
		t.Fatalf("idle reconnect: Heads read %d / %d more times, want none", cx.heads.Load()-hx, cy.heads.Load()-hy)
	}
	// HELLO 8 + CREDIT 14 (a window of 32,768 entries) + RECONCILE 27 +
	// WANTS_DONE 6 + CAUGHT_UP 6 one way, HELLO + CREDIT + RECONCILE-EMPTY 7
	// + WANTS_DONE + CAUGHT_UP the other.
	if sx.BytesOut != 61 || sy.BytesOut != 41 || sx.BytesIn != sy.BytesOut || sy.BytesIn != sx.BytesOut {
		t.Fatalf("idle reconnect bytes out %d / %d, want 61 / 41", sx.BytesOut, sy.BytesOut)
	}
}
