package netnode

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// TestDHTKeyIsALabelledHash checks dhtKey against a CID built by hand:
// "b" (multibase base32) + base32 of 0x01 (CIDv1), 0x55 (raw), 0x12 0x20
// (SHA-256, 32 bytes), then SHA-256("kith/dht-key/v1" 0x00 key).
func TestDHTKeyIsALabelledHash(t *testing.T) {
	sum := sha256.Sum256([]byte("kith/dht-key/v1\x00village"))
	raw := append([]byte{0x01, 0x55, 0x12, 0x20}, sum[:]...)
	want := "b" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	c, err := dhtKey([]byte("village"))
	if err != nil {
		t.Fatal(err)
	}
	if c.String() != want {
		t.Fatalf("dhtKey = %s, want %s", c, want)
	}
	for _, n := range []int{0, maxDHTKeyLen + 1} {
		if _, err := dhtKey(make([]byte, n)); err == nil || !strings.Contains(err.Error(), "a DHT key must have 1 to 1024 bytes") {
			t.Errorf("dhtKey of %d bytes: %v", n, err)
		}
	}
}

func dhtConfig(t testing.TB, seed byte, bootstrap ...string) Config {
	cfg := loopbackConfig(t, testKey(t, seed))
	cfg.DHT = true
	cfg.DHTServer = true
	cfg.Bootstrap = bootstrap
	cfg.DataDir = t.TempDir()
	return cfg
}

func TestDHTOnLoopback(t *testing.T) {
	a := startHost(t, dhtConfig(t, 1))
	boot := a.Addrs()[0]
	b := startHost(t, dhtConfig(t, 2, boot))
	c := startHost(t, dhtConfig(t, 3, boot))

	pidB, err := peerIDOf(b.Key())
	if err != nil {
		t.Fatal(err)
	}
	pidC, err := peerIDOf(c.Key())
	if err != nil {
		t.Fatal(err)
	}
	pidA, err := peerIDOf(a.Key())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the routing tables hold A, B and C", func() bool {
		return a.dht.RoutingTable().Find(pidB) != "" && a.dht.RoutingTable().Find(pidC) != "" &&
			b.dht.RoutingTable().Find(pidA) != "" && c.dht.RoutingTable().Find(pidA) != ""
	})

	// C forgets everything it knows of B: only the DHT can tell it where B
	// is. B's own DHT traffic may reconnect the two in between; then C tries
	// again (a bounded number of times).
	var (
		source  dialSource
		lastErr error
	)
	for attempt := 1; source != viaDHT; attempt++ {
		if attempt > 5 {
			t.Fatalf("in 5 attempts C never reached B via the DHT: last via %d, last error %v", source, lastErr)
		}
		c.dht.RoutingTable().RemovePeer(pidB)
		if err := c.host.Network().ClosePeer(pidB); err != nil {
			t.Fatal(err)
		}
		c.host.Peerstore().ClearAddrs(pidB)
		source, lastErr = c.connectKey(testContext(t, 10*time.Second), b.Key(), nil)
	}
	if !connectedTo(c, b.Key()) {
		t.Fatal("C is not connected to B")
	}

	// Provide and find.
	village := []byte("village 1")
	if err := b.Provide(testContext(t, 10*time.Second), village); err != nil {
		t.Fatalf("Provide: %v", err)
	}
	for _, h := range []*Host{a, c} {
		got, err := h.FindProviders(testContext(t, 10*time.Second), village)
		if err != nil {
			t.Fatalf("FindProviders: %v", err)
		}
		if len(got) != 1 || got[0] != b.Key() {
			t.Fatalf("providers %v, want [B]", devices(got))
		}
	}
	if got, err := b.FindProviders(testContext(t, 10*time.Second), village); err != nil || len(got) != 0 {
		t.Fatalf("B's own search: %v, %v; want no one else", devices(got), err)
	}
	if got, err := c.FindProviders(testContext(t, 10*time.Second), []byte("village 2")); err != nil || len(got) != 0 {
		t.Fatalf("providers of an unprovided key: %v, %v; want none", devices(got), err)
	}
	b.StopProviding(village)
	b.providing.mu.Lock()
	left := len(b.providing.keys)
	b.providing.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d keys still provided after StopProviding", left)
	}
}

func TestDHTMethodsWithoutDHT(t *testing.T) {
	h := startHost(t, loopbackConfig(t, testKey(t, 1)))
	if err := h.Provide(testContext(t, time.Second), []byte("x")); err == nil || !strings.Contains(err.Error(), "the DHT is off") {
		t.Fatalf("Provide: %v", err)
	}
	if _, err := h.FindProviders(testContext(t, time.Second), []byte("x")); err == nil || !strings.Contains(err.Error(), "the DHT is off") {
		t.Fatalf("FindProviders: %v", err)
	}
	h.StopProviding([]byte("x")) // no effect, no panic
	err := h.ConnectKey(testContext(t, time.Second), testKey(t, 2).Public(), nil)
	if err == nil || !strings.Contains(err.Error(), "no address is known for the peer and the DHT is off") {
		t.Fatalf("ConnectKey to an unknown peer: %v", err)
	}
}

func devices(keys []identity.PublicKey) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k.Device().String())
	}
	return out
}
