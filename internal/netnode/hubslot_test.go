package netnode

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestHubSlotNotKeptAfterDisconnect: a slot the hub gave on a connection
// that ended before the client recorded it is not kept (the hub dropped
// it with the connection): the client used to advertise its circuit
// address until the slot would have expired.
func TestHubSlotNotKeptAfterDisconnect(t *testing.T) {
	hubCfg := loopbackConfig(t, testKey(t, 1))
	hubCfg.RelayService = true
	hub := startHost(t, hubCfg)
	hubAddr := addrWith(t, hub, "/tcp/")
	bCfg := loopbackConfig(t, testKey(t, 2))
	bCfg.Relay = true
	bCfg.Hubs = []string{hubAddr}
	b := startHost(t, bCfg)
	waitFor(t, 10*time.Second, "b holds a slot at the hub", func() bool { return len(b.HubSlots()) == 1 })
	hubID, err := peer.Decode(hub.PeerID())
	if err != nil {
		t.Fatal(err)
	}
	c := b.hubs
	// A reservation is under way when the connection ends.
	gen := c.generation(hubID)
	if err := b.host.Network().ClosePeer(hubID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "b heard the hub disconnect", func() bool { return c.generation(hubID) != gen })
	if c.record(hubID, gen, time.Now().Add(time.Hour)) {
		t.Fatal("a slot given before the hub disconnected was kept")
	}
	c.mu.Lock()
	exp, kept := c.reserved[hubID]
	c.mu.Unlock()
	if kept && exp.After(time.Now().Add(30*time.Minute)) {
		t.Fatalf("the slot of the ended connection is kept until %v", exp)
	}
	// The client reserves again on the next connection, and keeps that.
	waitFor(t, 20*time.Second, "b holds a slot at the hub again", func() bool { return len(b.HubSlots()) == 1 })
}
