package node

import (
	"testing"
	"time"

	"github.com/kithnet/kith/internal/netnode"
)

// The devices of a followed account are wanted peers of the host (their
// connections are admitted whatever strangers hold); unfollowed, they are
// not.
func TestFollowedDevicesWanted(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	var ns []*Node
	for range 2 {
		n, _, err := Init(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		off := false
		cfg := DefaultConfig()
		cfg.MDNS, cfg.DHT = &off, &off
		if err := n.StartNetwork(t.Context(), ServeOptions{Config: cfg, Mock: mn}); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	a, b := ns[0], ns[1]
	host := a.net.Load().host
	if host.Wants(b.device.Public()) {
		t.Fatal("a stranger's device is wanted")
	}
	// a learns b's certificate by sync once it follows b; b's own device
	// certificate arrives through the connection.
	if _, err := a.Follow(t.Context(), b.account, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPeer(t.Context(), b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	host.Forget(b.device.Public()) // kept peers are wanted anyway: look at the scope alone
	deadline := time.Now().Add(20 * time.Second)
	for !host.Wants(b.device.Public()) {
		if time.Now().After(deadline) {
			t.Fatal("a followed account's device is not wanted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := a.Follow(t.Context(), b.account, false); err != nil {
		t.Fatal(err)
	}
	if host.Wants(b.device.Public()) {
		t.Fatal("an unfollowed account's device is still wanted")
	}
}
