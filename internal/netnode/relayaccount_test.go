package netnode

import (
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// TestRelayCircuitsPerAccount: the hub's limit of relayed connections
// (RelayLimits.Circuits, 2 here) holds for all devices of one account
// together. Three devices of one account hold slots; two strangers reach
// two of them through the hub; a third stranger's connection to the third
// device is refused, though that device has none yet (libp2p's limit is
// per device); once one of the account's connections closes, it passes.
func TestRelayCircuitsPerAccount(t *testing.T) {
	noUpgrade(t)
	account := testKey(t, 90).Public()
	devices := map[identity.PublicKey]bool{}
	hubCfg := loopbackConfig(t, testKey(t, 1))
	hubCfg.RelayService = true
	hubCfg.RelayLimits = RelayLimits{Circuits: 2}
	hubCfg.RelayAccount = func(k identity.PublicKey) identity.PublicKey {
		if devices[k] {
			return account
		}
		return k
	}
	bs := make([]*Host, 3)
	for i := range bs {
		devices[testKey(t, byte(10+i)).Public()] = true
	}
	hub := startHost(t, hubCfg)
	hubAddr := addrWith(t, hub, "/tcp/")
	for i := range bs {
		cfg := loopbackConfig(t, testKey(t, byte(10+i)))
		cfg.Relay, cfg.Hubs = true, []string{hubAddr}
		bs[i] = startHost(t, cfg)
	}
	waitFor(t, 10*time.Second, "the account's three devices hold slots at the hub", func() bool {
		for _, b := range bs {
			if len(b.HubSlots()) != 1 {
				return false
			}
		}
		return true
	})
	var as []*Host
	for i := range 3 {
		cfg := loopbackConfig(t, testKey(t, byte(20+i)), "/p2p-circuit")
		cfg.Relay = true
		as = append(as, startHost(t, cfg))
	}
	for i := range 2 {
		if _, err := as[i].Connect(testContext(t, 10*time.Second), hubAddr+"/p2p-circuit/p2p/"+bs[i].PeerID()); err != nil {
			t.Fatalf("stranger %d reaches device %d through the hub: %v", i, i, err)
		}
	}
	_, err := as[2].Connect(testContext(t, 10*time.Second), hubAddr+"/p2p-circuit/p2p/"+bs[2].PeerID())
	// The hub's ACL refuses it: libp2p's relay answers PERMISSION_DENIED.
	if err == nil || !strings.Contains(err.Error(), "PERMISSION_DENIED") {
		t.Fatalf("a third relayed connection to the account: %v, want it refused (2 per account)", err)
	}
	if err := as[0].Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the third stranger to reach the third device once a connection of the account closed", func() bool {
		as[2].clearDialBackoff(bs[2].host.ID())
		_, err := as[2].Connect(testContext(t, 5*time.Second), hubAddr+"/p2p-circuit/p2p/"+bs[2].PeerID())
		return err == nil
	})
}
