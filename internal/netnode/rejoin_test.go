package netnode

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// freeLoopbackPort returns a TCP port free on 127.0.0.1.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestWantedPeerRejoins: a wanted peer (a followed device) that restarts on
// the same port is redialled within seconds. The host has no discovery
// loop at all, so before this it stayed apart until the node's next
// discovery round (30 s).
func TestWantedPeerRejoins(t *testing.T) {
	listen := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freeLoopbackPort(t))
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	bKey := testKey(t, 2)
	b, err := New(testContext(t, 5*time.Second), loopbackConfig(t, bKey, listen))
	if err != nil {
		t.Fatal(err)
	}
	a.Want("scope", []identity.PublicKey{b.Key()})
	if _, err := a.Connect(testContext(t, 5*time.Second), b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a connects to b", func() bool { return connectedTo(a, b.Key()) })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a sees b go", func() bool { return !connectedTo(a, b.Key()) })
	gone := time.Now()
	time.Sleep(300 * time.Millisecond) // b is away for a moment, as in a restart
	startHost(t, loopbackConfig(t, bKey, listen))
	waitFor(t, 5*time.Second, "a redials b, restarted on the same port", func() bool { return connectedTo(a, b.Key()) })
	t.Logf("b was back at a %v after it went", time.Since(gone).Round(time.Millisecond))
}

// TestRejoinGivesUp: the redials of a wanted peer that does not come back
// end after rejoinAttempts, and a peer that is not wanted is not redialled.
func TestRejoinGivesUp(t *testing.T) {
	oldFirst, oldAttempts := rejoinFirst, rejoinAttempts
	rejoinFirst, rejoinAttempts = 20*time.Millisecond, 3
	t.Cleanup(func() { rejoinFirst, rejoinAttempts = oldFirst, oldAttempts })

	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	b, err := New(testContext(t, 5*time.Second), loopbackConfig(t, testKey(t, 2)))
	if err != nil {
		t.Fatal(err)
	}
	c := startHost(t, loopbackConfig(t, testKey(t, 3)))
	a.Want("scope", []identity.PublicKey{b.Key()})
	for _, p := range []*Host{b, c} {
		if _, err := a.Connect(testContext(t, 5*time.Second), p.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a redials b", func() bool { return a.rejoins.rejoining() == 1 })
	waitFor(t, 5*time.Second, "a gives up on b after 3 redials", func() bool { return a.rejoins.rejoining() == 0 })
	if err := c.host.Network().ClosePeer(a.host.ID()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a sees c go", func() bool { return !connectedTo(a, c.Key()) })
	time.Sleep(200 * time.Millisecond)
	if n := a.rejoins.rejoining(); n != 0 || connectedTo(a, c.Key()) {
		t.Fatalf("a redials %d peers, connected to c: %v; want none: c is not wanted", n, connectedTo(a, c.Key()))
	}
}
