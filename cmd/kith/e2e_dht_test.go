package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestDHTFindsAFollowedDevice: C is only told the hub H's address (its
// DHT bootstrap peer). It learns B's device from H, which follows B, and
// ends up connected to B directly through kith's DHT: the DHT's own
// routing-table bootstrap finds B's addresses, or the node's discovery
// loop looks B's device up (FindPeer) when the follow brings B's
// certificate. All three answer DHT queries (--dht-server: on loopback
// AutoNAT never finds a node reachable).
func TestDHTFindsAFollowedDevice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "h"), "--dht-server")
	b := startNode(t, "b", filepath.Join(dir, "b"), "--dht-server", "--bootstrap", h.addr())
	h.kith("follow", b.Account)
	b.post("from b")
	waitFor(t, syncTimeout, "the hub to hold B's post", func() bool { return h.hasPosts(b.Account, []string{"from b"}) })

	c := startNode(t, "c", filepath.Join(dir, "c"), "--dht-server", "--bootstrap", h.addr())
	c.kith("follow", b.Account)
	waitFor(t, syncTimeout, "C to hold B's post (from the hub at first)", func() bool { return c.hasPosts(b.Account, []string{"from b"}) })
	waitFor(t, syncTimeout, "C to find B through the DHT and connect", func() bool {
		var peers []struct {
			Device string `json:"device"`
		}
		if err := json.Unmarshal(c.kith("peers"), &peers); err != nil {
			t.Fatal(err)
		}
		for _, p := range peers {
			if p.Device == b.Device {
				return true
			}
		}
		return false
	})
	// Now directly connected, B's next post may come either way; it comes.
	b.post("again")
	waitFor(t, syncTimeout, "C to get B's next post", func() bool { return c.hasPosts(b.Account, []string{"from b", "again"}) })
}
