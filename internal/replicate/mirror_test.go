package replicate

import (
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// mirrorScope is a testScope that takes every log the mirror peers offer
// (PeerWanter) and acknowledges the acked logs to them (Acknowledger).
type mirrorScope struct {
	testScope
	mirrors map[identity.PublicKey]bool
	ackMu   sync.Mutex
	acked   map[store.LogKey]bool
}

func (s *mirrorScope) setAcked(ls ...store.LogKey) {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	s.acked = map[store.LogKey]bool{}
	for _, l := range ls {
		s.acked[l] = true
	}
}

func (s *mirrorScope) WantsFrom(peer identity.PublicKey, l store.LogKey) bool {
	return s.mirrors[peer] || s.Wants(l)
}

func (s *mirrorScope) Acknowledges(peer identity.PublicKey, l store.LogKey) bool {
	s.ackMu.Lock()
	defer s.ackMu.Unlock()
	return s.mirrors[peer] && s.acked[l]
}

// headBook records what OnPeerHeads reported: the highest seq per peer
// and log.
type headBook struct {
	mu sync.Mutex
	m  map[identity.PublicKey]map[store.LogKey]uint64
}

func (b *headBook) add(peer identity.PublicKey, its []Item) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m[peer] == nil {
		b.m[peer] = map[store.LogKey]uint64{}
	}
	for _, it := range its {
		b.m[peer][it.Log] = max(b.m[peer][it.Log], it.Seq)
	}
}

func (b *headBook) get(peer identity.PublicKey, l store.LogKey) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[peer][l]
}

func newMirrorNode(t *testing.T, keyN int, sc *mirrorScope, book *headBook) *node {
	n := &node{key: testKey(t, 1000+keyN), st: mem.New()}
	n.eng = NewEngine(Config{Store: n.st, Scope: sc, Self: n.key.Public(), OnPeerHeads: book.add})
	return n
}

func waitBook(t *testing.T, b *headBook, peer identity.PublicKey, l store.LogKey, seq uint64, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.get(peer, l) != seq {
		if time.Now().After(deadline) {
			t.Fatalf("%s: the peer holds log %s up to %d as far as known, want %d", what, l, b.get(peer, l), seq)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestMirrorTakesWhatItsDeviceOffers: B does not want log X by its own
// interest, but wants everything A, a mirror (its account's other device),
// offers: it takes X, and keeps taking it live. C, not a mirror, does not.
func TestMirrorTakesWhatItsDeviceOffers(t *testing.T) {
	x := newChain(t, 7, 3)
	sa := &mirrorScope{}
	a := newMirrorNode(t, 1, sa, &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}})
	ingest(t, a.st, x.add(t, 4))
	sb := &mirrorScope{mirrors: map[identity.PublicKey]bool{a.pub(): true}}
	sb.setWants()
	b := newMirrorNode(t, 2, sb, &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}})
	sc := &mirrorScope{}
	sc.setWants()
	c := newMirrorNode(t, 3, sc, &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}})
	connect(t, a, b)
	connect(t, a, c)
	waitLive(t, a, b)
	waitLive(t, a, c)
	waitHead(t, b.st, x.logKey(), 4)
	es := x.add(t, 2)
	ingest(t, a.st, es)
	a.eng.Added(es)
	waitHead(t, b.st, x.logKey(), 6)
	if h, err := c.st.Head(waitCtx(t), x.logKey()); err == nil && h.Seq > 0 {
		t.Fatalf("C, not a mirror of A, took log X up to %d", h.Seq)
	}
}

// TestMirrorAcknowledges: B takes A's log L from A and tells A, with HAVE,
// how far it holds it, at catch-up and live; A's OnPeerHeads learns it.
// B learns A's heads from the entries A sends.
func TestMirrorAcknowledges(t *testing.T) {
	l := newChain(t, 1, 0)
	bookA := &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}}
	bookB := &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}}
	kb := testKey(t, 1002).Public()
	sa := &mirrorScope{mirrors: map[identity.PublicKey]bool{kb: true}, acked: map[store.LogKey]bool{l.logKey(): true}}
	a := newMirrorNode(t, 1, sa, bookA)
	ingest(t, a.st, l.add(t, 5))
	sb := &mirrorScope{mirrors: map[identity.PublicKey]bool{a.pub(): true}, acked: map[store.LogKey]bool{l.logKey(): true}}
	b := newMirrorNode(t, 2, sb, bookB)
	if b.pub() != kb {
		t.Fatal("test keys changed")
	}
	connect(t, a, b)
	waitLive(t, a, b)
	waitHead(t, b.st, l.logKey(), 5)
	waitBook(t, bookA, b.pub(), l.logKey(), 5, "A after B caught up")
	waitBook(t, bookB, a.pub(), l.logKey(), 5, "B after catching up")
	es := l.add(t, 3)
	ingest(t, a.st, es)
	a.eng.Added(es)
	waitHead(t, b.st, l.logKey(), 8)
	waitBook(t, bookA, b.pub(), l.logKey(), 8, "A after B took 3 more live")
	if n := len(a.misbeh) + len(b.misbeh); n != 0 {
		t.Fatalf("%d misbehaviours reported", n)
	}
}

// TestMirrorAcknowledgesOnScopeChange: B took A's log L before it knew L
// for one of its account's (the author's certificate came later); once its
// scope says so, it acknowledges what it holds of L.
func TestMirrorAcknowledgesOnScopeChange(t *testing.T) {
	l := newChain(t, 1, 0)
	bookA := &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}}
	kb := testKey(t, 1002).Public()
	sa := &mirrorScope{mirrors: map[identity.PublicKey]bool{kb: true}}
	sa.setAcked(l.logKey())
	a := newMirrorNode(t, 1, sa, bookA)
	ingest(t, a.st, l.add(t, 4))
	sb := &mirrorScope{mirrors: map[identity.PublicKey]bool{a.pub(): true}}
	sb.setAcked()
	b := newMirrorNode(t, 2, sb, &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}})
	connect(t, a, b)
	waitLive(t, a, b)
	waitHead(t, b.st, l.logKey(), 4)
	time.Sleep(100 * time.Millisecond)
	if got := bookA.get(b.pub(), l.logKey()); got != 0 {
		t.Fatalf("A learned B holds L up to %d before B acknowledged it", got)
	}
	sb.setAcked(l.logKey())
	b.eng.ScopeChanged()
	waitBook(t, bookA, b.pub(), l.logKey(), 4, "A after B's scope came to acknowledge L")
}

// TestMirrorAcknowledgesEqualSets: two mirrors that hold the same logs
// reconcile with one fingerprint and learn nothing of each other's items;
// each acknowledges the account's logs it offers all the same.
func TestMirrorAcknowledgesEqualSets(t *testing.T) {
	l := newChain(t, 1, 0)
	es := l.add(t, 5)
	kb := testKey(t, 1002).Public()
	bookA := &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}}
	sa := &mirrorScope{mirrors: map[identity.PublicKey]bool{kb: true}}
	sa.setAcked(l.logKey())
	a := newMirrorNode(t, 1, sa, bookA)
	sb := &mirrorScope{}
	sb.mirrors = map[identity.PublicKey]bool{a.pub(): true}
	sb.setAcked(l.logKey())
	b := newMirrorNode(t, 2, sb, &headBook{m: map[identity.PublicKey]map[store.LogKey]uint64{}})
	ingest(t, a.st, es)
	ingest(t, b.st, es)
	connect(t, a, b)
	waitLive(t, a, b)
	waitBook(t, bookA, b.pub(), l.logKey(), 5, "A after reconciling equal sets with B")
}
