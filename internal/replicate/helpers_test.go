package replicate

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// testKey returns the deterministic key number n.
func testKey(t testing.TB, n int) identity.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, fmt.Sprintf("replicate test key %d", n))
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// chain writes one log.
type chain struct {
	key identity.PrivateKey
	log entry.LogID
	es  []*entry.Entry
}

func newChain(t testing.TB, keyN int, logByte byte) *chain {
	return &chain{key: testKey(t, keyN), log: entry.LogID{logByte}}
}

func (c *chain) logKey() store.LogKey { return store.LogKey{Author: c.key.Public(), LogID: c.log} }

// add signs n more entries with small opaque payloads.
func (c *chain) add(t testing.TB, n int) []*entry.Entry {
	t.Helper()
	out := make([]*entry.Entry, n)
	for i := range out {
		seq := uint64(len(c.es) + 1)
		var back entry.ID
		if seq > 1 {
			back = c.es[seq-2].ID
		}
		e, err := entry.Sign(c.key, entry.Draft{LogID: c.log, Seq: seq, Backlink: back, Timestamp: 1_700_000_000_000 + seq,
			Payload: []byte(fmt.Sprintf("entry %d of log %x", seq, c.log[:1]))})
		if err != nil {
			t.Fatal(err)
		}
		c.es = append(c.es, e)
		out[i] = e
	}
	return out
}

// fork signs an entry at seq that conflicts with the chain's.
func (c *chain) fork(t testing.TB, seq uint64) *entry.Entry {
	t.Helper()
	var back entry.ID
	if seq > 1 {
		back = c.es[seq-2].ID
	}
	e, err := entry.Sign(c.key, entry.Draft{LogID: c.log, Seq: seq, Backlink: back, Timestamp: 42, Payload: []byte("the other branch")})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// ingest stores entries (fresh copies, as if they arrived) and requires
// them all added.
func ingest(t testing.TB, s store.Store, es []*entry.Entry) {
	t.Helper()
	in := make([]*entry.Entry, len(es))
	for i, e := range es {
		f, err := entry.Parse(bytes.Clone(e.Raw), bytes.Clone(e.Payload))
		if err != nil {
			t.Fatal(err)
		}
		in[i] = f
	}
	res, err := s.Ingest(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome != store.Added {
			t.Fatalf("ingest entry %d: %v %v", i, r.Outcome, r.Err)
		}
	}
}

// testScope is a Scope made of sets; nil sets mean everything.
type testScope struct {
	mu     sync.Mutex
	wants  map[store.LogKey]bool
	offers map[store.LogKey]bool
	admit  func(*entry.Entry) bool // nil admits every entry
}

func (s *testScope) Admits(e *entry.Entry) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admit == nil || s.admit(e)
}

func (s *testScope) Wants(l store.LogKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wants == nil || s.wants[l]
}

func (s *testScope) Offers(_ identity.PublicKey, l store.LogKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offers == nil || s.offers[l]
}

func (s *testScope) setWants(ls ...store.LogKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wants = map[store.LogKey]bool{}
	for _, l := range ls {
		s.wants[l] = true
	}
}

func (s *testScope) setOffers(ls ...store.LogKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offers = map[store.LogKey]bool{}
	for _, l := range ls {
		s.offers[l] = true
	}
}

// node is one side of a test: a store, a scope and an engine.
type node struct {
	key    identity.PrivateKey
	st     store.Store
	scope  *testScope
	eng    *Engine
	mu     sync.Mutex
	added  []*entry.Entry
	misbeh []Code
}

func newNode(t testing.TB, keyN int, lim Limits) *node {
	n := &node{key: testKey(t, 1000+keyN), st: mem.New(), scope: &testScope{}}
	n.eng = NewEngine(Config{
		Store: n.st, Scope: n.scope, Self: n.key.Public(), Limits: lim,
		OnAdded: func(_ identity.PublicKey, es []*entry.Entry) {
			n.mu.Lock()
			n.added = append(n.added, es...)
			n.mu.Unlock()
		},
		OnMisbehaviour: func(_ identity.PublicKey, code Code, _ error) {
			n.mu.Lock()
			n.misbeh = append(n.misbeh, code)
			n.mu.Unlock()
		},
	})
	return n
}

func (n *node) pub() identity.PublicKey { return n.key.Public() }

// link runs a session between a (initiator) and b over a net.Pipe. The
// returned function cancels both and returns their results.
type link struct {
	cancel     context.CancelFunc
	errA, errB chan error
	connA      net.Conn
}

func connect(t testing.TB, a, b *node) *link {
	t.Helper()
	ca, cb := net.Pipe()
	return runPair(t, a, b, ca, cb)
}

func runPair(t testing.TB, a, b *node, ca, cb Stream) *link {
	ctx, cancel := context.WithCancel(context.Background())
	l := &link{cancel: cancel, errA: make(chan error, 1), errB: make(chan error, 1)}
	if c, ok := ca.(net.Conn); ok {
		l.connA = c
	}
	go func() { l.errA <- a.eng.Run(ctx, b.pub(), ca, true) }()
	go func() { l.errB <- b.eng.Run(ctx, a.pub(), cb, false) }()
	t.Cleanup(func() { l.stop(t) })
	return l
}

// stop cancels the link and returns both results (once).
func (l *link) stop(t testing.TB) (error, error) {
	l.cancel()
	var ea, eb error
	select {
	case ea = <-l.errA:
		l.errA <- ea
	case <-time.After(10 * time.Second):
		t.Fatal("session a did not end within 10 s")
	}
	select {
	case eb = <-l.errB:
		l.errB <- eb
	case <-time.After(10 * time.Second):
		t.Fatal("session b did not end within 10 s")
	}
	return ea, eb
}

func waitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitLive waits until both ends of a–b are live.
func waitLive(t testing.TB, a, b *node) (SessionState, SessionState) {
	t.Helper()
	sa, err := a.eng.WaitLive(waitCtx(t), b.pub())
	if err != nil {
		t.Fatalf("a: %v (%+v)", err, a.eng.Sessions())
	}
	sb, err := b.eng.WaitLive(waitCtx(t), a.pub())
	if err != nil {
		t.Fatalf("b: %v (%+v)", err, b.eng.Sessions())
	}
	return sa, sb
}

// heads returns a store's heads as a map.
func heads(t testing.TB, s store.Store) map[store.LogKey]store.Head {
	t.Helper()
	hs, err := s.Heads(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[store.LogKey]store.Head{}
	for _, h := range hs {
		m[h.Log] = h
	}
	return m
}

// waitHead polls until a store holds a log up to seq (bounded).
func waitHead(t testing.TB, s store.Store, l store.LogKey, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, err := s.Head(context.Background(), l)
		if err == nil && h.Seq >= seq {
			if h.Seq != seq {
				t.Fatalf("log %s: head %d, want %d", l, h.Seq, seq)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s did not reach seq %d within 10 s (head %d, err %v)", l, seq, h.Seq, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func netPipe() (net.Conn, net.Conn) { return net.Pipe() }
