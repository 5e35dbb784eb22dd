package replicate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// A peer that sends entries of a revoked device the revocation does not
// keep may just not hold the revocation yet (the revoked device itself,
// reconnecting): the receiver refuses them, counts them, stops wanting
// that log from the peer and keeps the session, so the peer gets the
// revocation and drops them too (doc/protocol/sync.md, payloads.md §6.1).
func TestRevokedEntriesEndNoSession(t *testing.T) {
	acc, dev := testKey(t, 1), testKey(t, 2)
	cert, err := content.NewDeviceCert(acc, dev, "phone", 1)
	if err != nil {
		t.Fatal(err)
	}
	posts := &chain{key: dev, log: entry.PublicLog}
	posts.add(t, 5)
	rev, err := content.NewDeviceRevoke(acc, cert, "lost", []content.KeptHead{{ID: posts.es[1].ID, KeptAt: content.KeptAt{LogID: entry.PublicLog, Seq: 2}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	// a holds the revocation and what it keeps; b, the revoked device,
	// holds all it wrote and not the revocation.
	ingest(t, a.st, []*entry.Entry{cert, posts.es[0], posts.es[1], rev})
	ingest(t, b.st, append([]*entry.Entry{cert}, posts.es...))
	// a offers b the revocation only once b has sent what it wrote: were
	// the revocation to reach b first, b would drop those entries before
	// sending them (also correct, but not the case under test).
	certLog := store.LogKey{Author: acc.Public(), LogID: cert.Header.LogID}
	a.scope.setOffers(posts.logKey())
	l := connect(t, a, b)
	var sa SessionState
	deadline := time.Now().Add(10 * time.Second)
	for sa, _ = waitLive(t, a, b); sa.Revoked != 3; sa, _ = waitLive(t, a, b) {
		if time.Now().After(deadline) {
			t.Fatalf("a counted %d entries refused as not kept, want 3 (%+v)", sa.Revoked, sa)
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.scope.mu.Lock()
	a.scope.offers = nil // everything
	a.scope.mu.Unlock()
	a.eng.ScopeChanged()
	waitHead(t, b.st, certLog, 2)
	// b dropped what it wrote beyond the kept head; a never stored it.
	for _, s := range []store.Store{a.st, b.st} {
		h, err := s.Head(context.Background(), posts.logKey())
		if err != nil || h.Seq != 2 || h.ID != posts.es[1].ID {
			t.Fatalf("head %+v, %v; want seq 2", h, err)
		}
	}
	a.mu.Lock()
	misbeh := a.misbeh
	a.mu.Unlock()
	if len(misbeh) != 0 {
		t.Fatalf("a reported misbehaviour %v", misbeh)
	}
	select {
	case err := <-l.errA:
		t.Fatalf("a's session ended: %v", err)
	case err := <-l.errB:
		t.Fatalf("b's session ended: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	// b's own store now refuses what it wrote beyond the kept head.
	if r, err := b.st.Append(context.Background(), posts.es[2]); err != nil || !errors.Is(r.Err, store.ErrNotKept) {
		t.Fatalf("b stores its entry beyond the kept head again: %v %v", r.Outcome, err)
	}
}
