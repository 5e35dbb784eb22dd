package netnode

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
)

// TestRelayStats: the hub counts the slot it gave b, the slot it refused
// c (not served), the relayed connection a made to b and the bytes it
// carried, and tells its observer of the refusal with its reason.
func TestRelayStats(t *testing.T) {
	noUpgrade(t)
	refused := testKey(t, 4).Public()
	hubCfg := loopbackConfig(t, testKey(t, 1))
	hubCfg.RelayService = true
	hubCfg.RelayAllow = func(k identity.PublicKey) bool { return k != refused }
	hub := startHost(t, hubCfg)
	var mu sync.Mutex
	var events []RelayEvent
	hub.ObserveRelay(func(ev RelayEvent) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	})
	hubAddr := addrWith(t, hub, "/tcp/")

	bCfg := loopbackConfig(t, testKey(t, 2), "/p2p-circuit")
	bCfg.Relay, bCfg.Hubs = true, []string{hubAddr}
	b := startHost(t, bCfg)
	waitFor(t, 10*time.Second, "b holds a slot at the hub", func() bool { return len(b.HubSlots()) == 1 })

	cCfg := loopbackConfig(t, testKey(t, 4))
	cCfg.Relay = true
	c := startHost(t, cCfg)
	ai, err := peer.AddrInfoFromString(hubAddr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Reserve(testContext(t, 10*time.Second), c.host, *ai); err == nil {
		t.Fatal("c got a slot at a hub that does not serve it")
	}

	aCfg := loopbackConfig(t, testKey(t, 3))
	aCfg.Relay = true
	a := startHost(t, aCfg)
	if _, err := a.Connect(testContext(t, 10*time.Second), hubAddr+"/p2p-circuit/p2p/"+b.PeerID()); err != nil {
		t.Fatalf("a dials b through the hub: %v", err)
	}
	echo(b, "/kith/test/1", nil)
	big := []byte(strings.Repeat("x", 1<<20))
	roundTrip(t, a, b.Key(), "/kith/test/1", big)

	st := hub.RelayStats()
	if !st.On || st.Slots != 1 || st.SlotsGiven != 1 || st.Circuits != 1 || st.CircuitsOpened != 1 || st.CircuitsClosed != 0 {
		t.Errorf("relay stats %+v: want on, 1 slot given and held, 1 circuit opened and open", st)
	}
	if len(st.SlotsRefused) != 1 || st.SlotsRefused["not_served"] != 1 || len(st.CircuitsRefused) != 0 {
		t.Errorf("refusals: slots %v, circuits %v; want one slot refused as not_served", st.SlotsRefused, st.CircuitsRefused)
	}
	if st.Bytes < 2<<20 {
		t.Errorf("relayed %d bytes, want at least the 2 MiB of the round trip", st.Bytes)
	}
	mu.Lock()
	if len(events) != 1 || events[0] != (RelayEvent{What: "slot_refused", Reason: "not_served"}) {
		t.Errorf("events %+v, want one slot_refused, not_served", events)
	}
	mu.Unlock()
	a.Close()
	waitFor(t, 10*time.Second, "the hub to count the relayed connection closed", func() bool {
		st := hub.RelayStats()
		return st.Circuits == 0 && st.CircuitsClosed == 1
	})
}
