package netnode

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
)

func TestGater(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	g := &gater{penalties: newPenalties(time.Minute, time.Hour, clock.now)}
	good, err := peerIDOf(testKey(t, 1).Public())
	if err != nil {
		t.Fatal(err)
	}
	secp, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	bad := mustID(t, secp)

	check := func(when string, want bool) {
		t.Helper()
		if got := g.InterceptPeerDial(good); got != want {
			t.Errorf("%s: InterceptPeerDial = %v, want %v", when, got, want)
		}
		for _, dir := range []network.Direction{network.DirInbound, network.DirOutbound} {
			if got := g.InterceptSecured(dir, good, nil); got != want {
				t.Errorf("%s: InterceptSecured(%v) = %v, want %v", when, dir, got, want)
			}
		}
	}
	check("before any penalty", true)
	g.penalties.add(testKey(t, 1).Public(), "test")
	check("while refused", false)
	clock.advance(time.Minute)
	check("after the refusal", true)

	if g.InterceptPeerDial(bad) || g.InterceptSecured(network.DirInbound, bad, nil) {
		t.Error("the gater lets a secp256k1 peer through")
	}
	if !g.InterceptAccept(nil) || !g.InterceptAddrDial(good, nil) {
		t.Error("the gater refuses before it knows the peer")
	}
	if ok, _ := g.InterceptUpgraded(nil); !ok {
		t.Error("the gater refuses upgraded connections")
	}
}
