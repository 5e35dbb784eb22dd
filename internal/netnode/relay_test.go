package netnode

import (
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// TestRelayThroughHub: a hub H serves relay with kith's limits; B is
// configured with H, listens on no address of its own and holds a slot
// at H from the start (no AutoNAT); A, given only B's circuit address,
// reaches B through H and carries a kith stream of 1 MiB over the relayed
// connection (libp2p's default limits, 128 KiB, would cut it), and both
// list the peer as relayed.
func TestRelayThroughHub(t *testing.T) {
	noUpgrade(t) // a's loopback address would let b dial it directly
	hubCfg := loopbackConfig(t, testKey(t, 1))
	hubCfg.RelayService = true
	hub := startHost(t, hubCfg)
	hubAddr := addrWith(t, hub, "/tcp/")

	bCfg := loopbackConfig(t, testKey(t, 2), "/p2p-circuit")
	bCfg.Relay = true
	bCfg.Hubs = []string{hubAddr}
	b := startHost(t, bCfg)
	waitFor(t, 10*time.Second, "b holds a slot at the hub", func() bool { return len(b.HubSlots()) == 1 })
	if got := b.HubSlots()[0]; got != hub.Key() {
		t.Fatalf("b holds a slot at %s, want the hub %s", got.Device(), hub.Key().Device())
	}
	circuit := hubAddr + "/p2p-circuit/p2p/" + b.PeerID()
	waitFor(t, 10*time.Second, "b announces its circuit address", func() bool {
		for _, a := range b.Addrs() {
			if a == circuit {
				return true
			}
		}
		return false
	})
	for _, a := range b.Addrs() {
		if !strings.Contains(a, "/p2p-circuit/") {
			t.Fatalf("b has the address %s of its own: the test needs b reachable through the hub only", a)
		}
	}

	aCfg := loopbackConfig(t, testKey(t, 3))
	aCfg.Relay = true
	a := startHost(t, aCfg)
	got, err := a.Connect(testContext(t, 10*time.Second), circuit)
	if err != nil {
		t.Fatalf("a dials b through the hub: %v", err)
	}
	if got != b.Key() {
		t.Fatalf("a reached %s, want b", got.Device())
	}
	remotes := make(chan identity.PublicKey, 1)
	echo(b, "/kith/test/1", remotes)
	big := []byte(strings.Repeat("x", 1<<20))
	resp := roundTrip(t, a, b.Key(), "/kith/test/1", big)
	if len(resp) != len(a.Key().Device().String())+1+len(big) {
		t.Fatalf("answer of %d bytes over the relay, want %d", len(resp), len(a.Key().Device().String())+1+len(big))
	}
	if r := <-remotes; r != a.Key() {
		t.Fatalf("b saw %s, want a", r.Device())
	}
	for _, side := range []struct {
		h     *Host
		other identity.PublicKey
	}{{a, b.Key()}, {b, a.Key()}} {
		var found bool
		for _, p := range side.h.Peers() {
			if p.Key == side.other {
				found = true
				if p.Transport != "relay" || !strings.Contains(p.Addr, "/p2p-circuit") {
					t.Fatalf("peer %+v: want it listed as relayed", p)
				}
			}
		}
		if !found {
			t.Fatalf("%s does not list %s among its peers %+v", side.h.Key().Device(), side.other.Device(), side.h.Peers())
		}
	}
}

// TestHubsConfigChecked: hubs need the relay client and must name their
// peer; relay limits must be usable.
func TestHubsConfigChecked(t *testing.T) {
	hub := "/ip4/127.0.0.1/tcp/7696/p2p/" + startHost(t, loopbackConfig(t, testKey(t, 1))).PeerID()
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no relay", Config{Key: testKey(t, 2), Listen: []string{tcpLoopback}, Hubs: []string{hub}}, "Hubs need Relay"},
		{"no peer id", Config{Key: testKey(t, 2), Listen: []string{tcpLoopback}, Relay: true, Hubs: []string{"/ip4/127.0.0.1/tcp/7696"}}, "netnode: hub 1:"},
		{"limits", Config{Key: testKey(t, 2), Listen: []string{tcpLoopback}, RelayService: true, RelayLimits: RelayLimits{Duration: time.Millisecond}}, "relay limits 1ms"},
	} {
		h, err := New(testContext(t, 5*time.Second), c.cfg)
		if err == nil {
			h.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// noUpgrade keeps relayed peers relayed for the test.
func noUpgrade(t *testing.T) {
	old := upgradeDelays
	upgradeDelays = nil
	t.Cleanup(func() { upgradeDelays = old })
}

// TestRelayedPeerUpgraded: a peer reached through a hub whose own address
// is dialable (its announced addresses, learned over the relayed
// connection) is then connected directly, and the relayed connection is
// closed, sparing the hub.
func TestRelayedPeerUpgraded(t *testing.T) {
	old := upgradeDelays
	// Short delays, and enough of them: a's plain dial needs b's direct
	// addresses, which come by identify over the relayed connection, and
	// on a loaded machine they came after the second try (150 ms), so
	// that the upgrade gave up and the test timed out.
	upgradeDelays = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond,
		400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond}
	t.Cleanup(func() { upgradeDelays = old })
	hubCfg := loopbackConfig(t, testKey(t, 1))
	hubCfg.RelayService = true
	hub := startHost(t, hubCfg)
	hubAddr := addrWith(t, hub, "/tcp/")
	bCfg := loopbackConfig(t, testKey(t, 2))
	bCfg.Relay, bCfg.Hubs = true, []string{hubAddr}
	b := startHost(t, bCfg)
	waitFor(t, 10*time.Second, "b holds a slot at the hub", func() bool { return len(b.HubSlots()) == 1 })
	aCfg := loopbackConfig(t, testKey(t, 3), "/p2p-circuit")
	aCfg.Relay = true
	a := startHost(t, aCfg)
	if _, err := a.Connect(testContext(t, 10*time.Second), hubAddr+"/p2p-circuit/p2p/"+b.PeerID()); err != nil {
		t.Fatalf("a dials b through the hub: %v", err)
	}
	waitFor(t, 10*time.Second, "a is connected to b directly, the relayed connection closed", func() bool {
		ps := a.Peers()
		if len(ps) != 2 {
			return false
		}
		for _, p := range ps {
			if p.Key == b.Key() && p.Transport == "tcp" && strings.HasPrefix(p.Addr, "/ip4/127.0.0.1/tcp/") {
				for _, c := range a.host.Network().ConnsToPeer(b.host.ID()) {
					if c.Stat().Limited {
						return false
					}
				}
				return true
			}
		}
		return false
	})
}
