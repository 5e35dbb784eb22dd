package netnode

import (
	"testing"
	"time"
)

// TestMDNSNotifeeDials calls the mDNS notifee directly with a loopback
// address, as the mDNS service would (tests send no multicast).
func TestMDNSNotifeeDials(t *testing.T) {
	a := penaltyConfig(t, 1)
	h := startHost(t, a)
	other := startHost(t, loopbackConfig(t, testKey(t, 2)))
	self := startHost(t, loopbackConfig(t, testKey(t, 3)))
	n := &mdnsNotifee{h: h}

	info, _, err := parsePeerAddr(self.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	info.ID = h.host.ID() // this host itself
	n.HandlePeerFound(info)

	found, _, err := parsePeerAddr(other.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	h.Penalize(other.Key(), "test")
	n.HandlePeerFound(found)
	time.Sleep(100 * time.Millisecond)
	if len(h.Peers()) != 0 {
		t.Fatalf("the notifee dialled itself or a refused peer: %+v", h.Peers())
	}

	until, _ := h.Refused(other.Key())
	time.Sleep(time.Until(until))
	n.HandlePeerFound(found)
	waitFor(t, 5*time.Second, "the host dials the peer found on the LAN", func() bool { return connectedTo(h, other.Key()) })
	if p := h.Peers(); len(p) != 1 || !p[0].Outbound {
		t.Fatalf("peers %+v: want only the found peer, dialled by the host", p)
	}
}
