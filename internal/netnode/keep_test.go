package netnode

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// fixedPortAddr returns h's TCP loopback listen address without /p2p.
func fixedPortAddr(t testing.TB, h *Host) string {
	t.Helper()
	addr := addrWith(t, h, "/ip4/127.0.0.1/tcp/")
	return strings.TrimSuffix(addr, "/p2p/"+h.PeerID())
}

func TestKeepRedialsAPeerThatRestartsOnTheSamePort(t *testing.T) {
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	b, err := New(testContext(t, 5*time.Second), loopbackConfig(t, testKey(t, 2)))
	if err != nil {
		t.Fatal(err)
	}
	bAddr := fixedPortAddr(t, b)
	var events recorder
	a.Subscribe(events.record)

	a.Keep(b.Key(), []string{bAddr})
	waitFor(t, 5*time.Second, "A connects to the kept B", func() bool { return connectedTo(a, b.Key()) })
	if p := a.Peers()[0]; !p.Kept || !p.Outbound {
		t.Fatalf("peer info %+v: want kept and outbound", p)
	}

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A notices B is gone", func() bool { return !connectedTo(a, b.Key()) })
	time.Sleep(300 * time.Millisecond) // a few failed redials

	b2 := startHost(t, loopbackConfig(t, testKey(t, 2), bAddr))
	waitFor(t, 5*time.Second, "A reconnects to B on its old port", func() bool { return connectedTo(a, b2.Key()) })
	waitFor(t, 5*time.Second, "A reports the reconnection", func() bool { return len(events.snapshot()) == 3 })
	time.Sleep(100 * time.Millisecond) // time for a wrong extra event to show
	if got := events.kinds(b.Key()); !equalKinds(got, []EventKind{Connected, Disconnected, Connected}) {
		t.Fatalf("A's events about B: %v", got)
	}
}

func TestKeepLearnsANewAddress(t *testing.T) {
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	b, err := New(testContext(t, 5*time.Second), loopbackConfig(t, testKey(t, 2)))
	if err != nil {
		t.Fatal(err)
	}
	a.Keep(b.Key(), []string{fixedPortAddr(t, b)})
	waitFor(t, 5*time.Second, "A connects to the kept B", func() bool { return connectedTo(a, b.Key()) })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A notices B is gone", func() bool { return !connectedTo(a, b.Key()) })

	b2 := startHost(t, loopbackConfig(t, testKey(t, 2))) // another port
	a.Keep(b.Key(), b2.Addrs())
	waitFor(t, 5*time.Second, "A reaches B at its new address", func() bool { return connectedTo(a, b2.Key()) })
	if got := a.keeper.addrsOf(b.Key()); len(got) < 2 || got[0] != fixedPortAddr(t, b2) {
		t.Fatalf("kept addresses %v: want the new one first", got)
	}
}

func TestKeptPeersSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	b := startHost(t, loopbackConfig(t, testKey(t, 2)))
	cfg := loopbackConfig(t, testKey(t, 1))
	cfg.DataDir = dir

	a, err := New(testContext(t, 5*time.Second), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.Keep(b.Key(), []string{fixedPortAddr(t, b)})
	waitFor(t, 5*time.Second, "A connects to the kept B", func() bool { return connectedTo(a, b.Key()) })
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, keptPeersFile))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := decodeKeptPeers(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].key != b.Key() || len(recs[0].addrs) != 1 || recs[0].addrs[0] != fixedPortAddr(t, b) {
		t.Fatalf("stored kept peers %+v: want B with its address", recs)
	}
	if len(recs[0].learned) == 0 {
		t.Fatalf("no learned addresses stored for B: %s", data)
	}
	waitFor(t, 5*time.Second, "B notices A is gone", func() bool { return !connectedTo(b, a.Key()) })

	a2 := startHost(t, cfg)
	waitFor(t, 5*time.Second, "the restarted A reconnects to B", func() bool { return connectedTo(a2, b.Key()) })
	if p := a2.Peers()[0]; !p.Kept || !p.Outbound {
		t.Fatalf("peer info after restart %+v: want kept and outbound", p)
	}

	// Forget removes the peer from the file, and a restart does not dial it.
	a2.Forget(b.Key())
	if a2.keeper.has(b.Key()) {
		t.Fatal("B is still kept after Forget")
	}
	recs, err = readKeptPeers(filepath.Join(dir, keptPeersFile))
	if err != nil || len(recs) != 0 {
		t.Fatalf("kept peers after Forget: %+v, %v", recs, err)
	}
}

func TestKeepIgnoresSelfAndBadAddresses(t *testing.T) {
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	a.Keep(a.Key(), nil)
	if a.keeper.has(a.Key()) {
		t.Fatal("the host keeps itself")
	}
	b := testKey(t, 2).Public()
	other, err := PeerIDOf(testKey(t, 3).Public())
	if err != nil {
		t.Fatal(err)
	}
	a.Keep(b, []string{"nonsense", "/ip4/127.0.0.1/tcp/9/p2p/" + other, "/ip4/127.0.0.1/tcp/1"})
	if got := a.keeper.addrsOf(b); len(got) != 1 || got[0] != "/ip4/127.0.0.1/tcp/1" {
		t.Fatalf("kept addresses %v: want only the valid one", got)
	}
}

func TestMergeAddrs(t *testing.T) {
	var many []string
	for i := range 20 {
		many = append(many, fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", i))
	}
	got := mergeAddrs([]string{"x", "y", "x"}, []string{"y", "z"})
	if strings.Join(got, ",") != "x,y,z" {
		t.Fatalf("mergeAddrs = %v, want [x y z]", got)
	}
	if got := mergeAddrs(many, nil); len(got) != maxKeptAddrs || got[15] != many[15] {
		t.Fatalf("mergeAddrs of 20 kept %d", len(got))
	}
}

// TestKeepConnected: a peer in a KeepConnected set is dialled and redialled
// after it restarts, is not stored in the kept-peers file nor reported as
// kept, outlives a Forget while still in the set, and is let go when it
// leaves the set.
func TestKeepConnected(t *testing.T) {
	dir := t.TempDir()
	cfg := loopbackConfig(t, testKey(t, 1))
	cfg.DataDir = dir
	a := startHost(t, cfg)
	b, err := New(testContext(t, 5*time.Second), loopbackConfig(t, testKey(t, 2)))
	if err != nil {
		t.Fatal(err)
	}
	bAddr := fixedPortAddr(t, b)
	// The set finds B through the peerstore (a DHT in real use).
	id, err := peerIDOf(b.Key())
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := transportAddrsOf(id, []string{bAddr})
	if err != nil {
		t.Fatal(err)
	}
	a.host.Peerstore().AddAddrs(id, addrs, time.Hour)

	a.KeepConnected("village", []identity.PublicKey{b.Key(), a.Key()})
	waitFor(t, 5*time.Second, "A connects to B, kept for the village", func() bool { return connectedTo(a, b.Key()) })
	if p := a.Peers()[0]; p.Kept || !p.Outbound {
		t.Fatalf("peer info %+v: want outbound and not reported as kept", p)
	}
	if a.keeper.keptFor(a.Key(), "village") {
		t.Fatal("the host keeps itself for the village")
	}
	a.Forget(b.Key()) // not kept by Keep: nothing changes
	if !a.keeper.keptFor(b.Key(), "village") {
		t.Fatal("Forget dropped a peer kept for the village")
	}

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A notices B is gone", func() bool { return !connectedTo(a, b.Key()) })
	b2 := startHost(t, loopbackConfig(t, testKey(t, 2), bAddr))
	if w := b2.ListenWarnings(); len(w) > 0 {
		t.Fatalf("B restarted elsewhere: %q", w)
	}
	waitFor(t, 5*time.Second, "A redials B, restarted on its port", func() bool { return connectedTo(a, b2.Key()) })

	// Kept by Keep and by the set: leaving the set keeps it; the file
	// holds it because of Keep only.
	a.Keep(b.Key(), []string{bAddr})
	a.KeepConnected("village", nil)
	if !a.keeper.has(b.Key()) || a.keeper.keptFor(b.Key(), "village") {
		t.Fatal("B should be kept by Keep only")
	}
	a.Forget(b.Key())
	if _, ok := a.keeper.peers[b.Key()]; ok {
		t.Fatal("B still kept after leaving the set and Forget")
	}
	recs, err := readKeptPeers(filepath.Join(dir, keptPeersFile))
	if err != nil || len(recs) != 0 {
		t.Fatalf("kept peers file: %+v, %v", recs, err)
	}
	// Only the set: not written to the file.
	a.KeepConnected("village", []identity.PublicKey{b.Key()})
	if err := a.keeper.saveErr(); err != nil {
		t.Fatal(err)
	}
	if recs, err := readKeptPeers(filepath.Join(dir, keptPeersFile)); err != nil || len(recs) != 0 {
		t.Fatalf("a peer kept for a set was stored: %+v, %v", recs, err)
	}
}
