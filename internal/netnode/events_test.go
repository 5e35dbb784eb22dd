package netnode

import (
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) record(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) snapshot() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// kinds returns the kinds of the events about key, in order.
func (r *recorder) kinds(key identity.PublicKey) []EventKind {
	var out []EventKind
	for _, ev := range r.snapshot() {
		if ev.Peer == key {
			out = append(out, ev.Kind)
		}
	}
	return out
}

func equalKinds(a, b []EventKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEventsOncePerPeer(t *testing.T) {
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	b := startHost(t, loopbackConfig(t, testKey(t, 2), tcpLoopback, quicLoopback))
	var atA, atB recorder
	a.Subscribe(atA.record)
	b.Subscribe(atB.record)

	bAddr := addrWith(t, b, "/tcp/")
	if _, err := a.Connect(testContext(t, 5*time.Second), bAddr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "both hosts report the connection", func() bool {
		return len(atA.snapshot()) == 1 && len(atB.snapshot()) == 1
	})
	// Opening streams and connecting again add no events.
	echo(b, "/kith/test/1", nil)
	roundTrip(t, a, b.Key(), "/kith/test/1", []byte("x"))
	if _, err := a.Connect(testContext(t, 5*time.Second), bAddr); err != nil {
		t.Fatal(err)
	}
	if err := b.ConnectKey(testContext(t, 5*time.Second), a.Key(), nil); err != nil {
		t.Fatal(err)
	}

	wantA := Event{Kind: Connected, Peer: b.Key(), Outbound: true, Addr: bAddr[:len(bAddr)-len("/p2p/"+b.PeerID())]}
	if got := atA.snapshot(); got[0] != wantA {
		t.Fatalf("A's event %+v, want %+v", got[0], wantA)
	}
	if got := atB.snapshot(); got[0].Kind != Connected || got[0].Peer != a.Key() || got[0].Outbound {
		t.Fatalf("B's event %+v, want an inbound Connected from A", got[0])
	}

	// A late subscriber first hears of the peers connected now.
	var late recorder
	a.Subscribe(late.record)
	if got := late.snapshot(); len(got) != 1 || got[0] != wantA {
		t.Fatalf("late subscriber's replay %+v, want [%+v]", got, wantA)
	}

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A hears that B is gone", func() bool { return len(atA.snapshot()) == 2 })
	time.Sleep(100 * time.Millisecond) // time for a wrong extra event to show
	if got := atA.kinds(b.Key()); !equalKinds(got, []EventKind{Connected, Disconnected}) {
		t.Fatalf("A's events about B: %v", got)
	}
	if got := atA.snapshot()[1]; got.Outbound != true || got.Addr != wantA.Addr {
		t.Fatalf("Disconnected %+v: want the connection's direction and address", got)
	}
	if got := late.kinds(b.Key()); !equalKinds(got, []EventKind{Connected, Disconnected}) {
		t.Fatalf("late subscriber's events about B: %v", got)
	}
	if n := len(a.Peers()); n != 0 {
		t.Fatalf("A still lists %d peers", n)
	}
}

// TestEventsWithTwoConnections: two connections between the same hosts
// (both dial at once) give one Connected, and one Disconnected only when the
// second closes.
func TestEventsWithTwoConnections(t *testing.T) {
	for attempt := 1; ; attempt++ {
		if twoConnections(t) {
			return
		}
		if attempt == 20 {
			t.Fatal("simultaneous dials never gave two connections in 20 attempts")
		}
	}
}

// twoConnections runs TestEventsWithTwoConnections once; it reports false
// when the simultaneous dials gave only one connection.
func twoConnections(t *testing.T) bool {
	a, err := New(testContext(t, 5*time.Second), loopbackConfig(t, testKey(t, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := New(testContext(t, 5*time.Second), loopbackConfig(t, testKey(t, 2)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var events recorder
	a.Subscribe(events.record)
	pb, _ := peerIDOf(b.Key())

	var wg sync.WaitGroup
	for _, dial := range []func(){
		func() { _, _ = a.Connect(testContext(t, 5*time.Second), b.Addrs()[0]) },
		func() { _, _ = b.Connect(testContext(t, 5*time.Second), a.Addrs()[0]) },
	} {
		wg.Add(1)
		go func() { defer wg.Done(); dial() }()
	}
	wg.Wait()
	conns := a.host.Network().ConnsToPeer(pb)
	if len(conns) != 2 {
		return false
	}
	waitFor(t, 5*time.Second, "A reports B", func() bool { return len(events.snapshot()) == 1 })
	if err := conns[0].Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := events.kinds(b.Key()); !equalKinds(got, []EventKind{Connected}) {
		t.Fatalf("events after closing one of two connections: %v", got)
	}
	if !connectedTo(a, b.Key()) {
		t.Fatal("A lost B with one connection left")
	}
	if err := conns[1].Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A reports B gone", func() bool { return len(events.snapshot()) == 2 })
	time.Sleep(100 * time.Millisecond)
	if got := events.kinds(b.Key()); !equalKinds(got, []EventKind{Connected, Disconnected}) {
		t.Fatalf("events: %v", got)
	}
	return true
}

func TestEventKindString(t *testing.T) {
	for kind, want := range map[EventKind]string{Connected: "connected", Disconnected: "disconnected", 7: "EventKind(7)"} {
		if got := kind.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(kind), got, want)
		}
	}
}

// TestStrangerDiallingInIsNotPinged: a node pings a peer it dialled at
// once, but not a stranger that dialled it (a connection flood made a
// ping each); the stranger is measured at pingLoop's next round.
func TestStrangerDiallingInIsNotPinged(t *testing.T) {
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	b := startHost(t, loopbackConfig(t, testKey(t, 2)))
	if _, err := a.Connect(testContext(t, 5*time.Second), b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a measured its latency to b", func() bool {
		p := a.Peers()
		return len(p) == 1 && p[0].Latency > 0
	})
	time.Sleep(200 * time.Millisecond) // b's ping, if it made one, is back by now
	p := b.Peers()
	if len(p) != 1 {
		t.Fatalf("b sees %d peers, want 1", len(p))
	}
	if p[0].Latency != 0 {
		t.Fatalf("b measured %v to a stranger that dialled it; it should wait for its next round", p[0].Latency)
	}
}

func TestPeersReportsLatency(t *testing.T) {
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	b := startHost(t, loopbackConfig(t, testKey(t, 2)))
	before := time.Now()
	if _, err := a.Connect(testContext(t, 5*time.Second), b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a ping measured the latency", func() bool {
		p := a.Peers()
		return len(p) == 1 && p[0].Latency > 0
	})
	p := a.Peers()[0]
	if p.Latency > time.Second {
		t.Fatalf("latency %v on loopback", p.Latency)
	}
	if p.Since.Before(before) || p.Since.After(time.Now()) {
		t.Fatalf("Since %v is not between the dial (%v) and now", p.Since, before)
	}
}
