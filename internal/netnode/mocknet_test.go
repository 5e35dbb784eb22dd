package netnode

import (
	"io"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

func newMockHosts(t *testing.T, n int) (*MockNet, []*Host) {
	t.Helper()
	m := NewMockNet()
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("MockNet.Close: %v", err)
		}
	})
	hosts := make([]*Host, n)
	for i := range hosts {
		h, err := m.NewHostConfig(Config{Key: testKey(t, byte(i+1)), PenaltyBase: testPenalty, PenaltyMax: 10 * testPenalty, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		hosts[i] = h
	}
	return m, hosts
}

func TestMockNetStreams(t *testing.T) {
	_, hosts := newMockHosts(t, 3)
	remotes := make(chan identity.PublicKey, 3)
	for _, h := range hosts {
		echo(h, "/kith/test/1", remotes)
	}
	for i, from := range hosts {
		to := hosts[(i+1)%len(hosts)]
		resp := roundTrip(t, from, to.Key(), "/kith/test/1", []byte("mock"))
		if want := from.Key().Device().String() + ":mock"; string(resp) != want {
			t.Fatalf("answer %q, want %q", resp, want)
		}
		if got := <-remotes; got != from.Key() {
			t.Fatalf("remote %s, want %s", got.Device(), from.Key().Device())
		}
	}
	if n := len(hosts[0].Peers()); n != 2 {
		t.Fatalf("host 0 has %d peers, want 2", n)
	}
	if p := hosts[0].Peers()[0]; p.Transport != "tcp" {
		t.Fatalf("mock peer transport %q", p.Transport)
	}
}

// TestMockNetEvents: the mock network reports connections its own way
// (per connection, asynchronously); the host still reports each peer's
// connect and disconnect once.
func TestMockNetEvents(t *testing.T) {
	m, hosts := newMockHosts(t, 2)
	a, b := hosts[0], hosts[1]
	var atA, atB recorder
	a.Subscribe(atA.record)
	b.Subscribe(atB.record)
	pa, _ := peerIDOf(a.Key())
	pb, _ := peerIDOf(b.Key())
	for round := range 2 {
		if _, err := m.net.ConnectPeers(pa, pb); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "both report the connection", func() bool {
			return len(atA.snapshot()) == 2*round+1 && len(atB.snapshot()) == 2*round+1
		})
		if err := m.net.DisconnectPeers(pa, pb); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "both report the disconnection", func() bool {
			return len(atA.snapshot()) == 2*round+2 && len(atB.snapshot()) == 2*round+2
		})
	}
	want := []EventKind{Connected, Disconnected, Connected, Disconnected}
	time.Sleep(100 * time.Millisecond) // time for a wrong extra event to show
	if got := atA.kinds(b.Key()); !equalKinds(got, want) {
		t.Fatalf("A's events: %v, want %v", got, want)
	}
	if got := atB.kinds(a.Key()); !equalKinds(got, want) {
		t.Fatalf("B's events: %v, want %v", got, want)
	}
	if ev := atA.snapshot()[0]; !ev.Outbound {
		t.Fatalf("A's Connected event %+v: want outbound", ev)
	}
	if ev := atB.snapshot()[0]; ev.Outbound {
		t.Fatalf("B's Connected event %+v: want inbound", ev)
	}
}

// TestMockNetPenalize: without a gater, a refused peer is cut off as it
// connects and its streams are reset unseen.
func TestMockNetPenalize(t *testing.T) {
	_, hosts := newMockHosts(t, 2)
	a, b := hosts[0], hosts[1]
	remotes := make(chan identity.PublicKey, 2)
	echo(a, "/kith/test/1", remotes)
	roundTrip(t, b, a.Key(), "/kith/test/1", []byte("hi"))
	<-remotes

	a.Penalize(b.Key(), "test")
	waitFor(t, 5*time.Second, "B is disconnected", func() bool { return !connectedTo(a, b.Key()) })
	if s, err := b.Open(testContext(t, 5*time.Second), a.Key(), "/kith/test/1"); err == nil {
		_ = s.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = s.Write([]byte("let me in"))
		_ = s.CloseWrite()
		if resp, err := io.ReadAll(s); err == nil {
			t.Fatalf("a refused peer's stream was answered: %q", resp)
		}
	}
	if len(remotes) != 0 {
		t.Fatal("A's handler saw the refused peer")
	}
	waitFor(t, 5*time.Second, "B is cut off", func() bool { return !connectedTo(a, b.Key()) })
}

func TestMockNetKeep(t *testing.T) {
	m, hosts := newMockHosts(t, 2)
	a, b := hosts[0], hosts[1]
	a.Keep(b.Key(), nil)
	waitFor(t, 5*time.Second, "A connects to the kept B", func() bool { return connectedTo(a, b.Key()) })
	pa, _ := peerIDOf(a.Key())
	pb, _ := peerIDOf(b.Key())
	if err := m.net.DisconnectPeers(pa, pb); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A reconnects to B", func() bool {
		p := a.Peers()
		return len(p) == 1 && p[0].Key == b.Key() && p[0].Kept
	})
}
