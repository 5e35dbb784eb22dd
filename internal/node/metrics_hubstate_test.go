package node_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// Issue 14, item 8 ("leases, dropbox size"): a hub's /metrics say what it
// holds for others. After a letter waits in its dropbox, an account
// leases its logs there and two friends are online at it watching each
// other, the hub's gauges are exactly: one letter, a stranger's, of the
// letter's bytes on its disk, for one recipient; one lease holding the
// account's entries and more bytes than their headers and payloads; two
// presence sessions, both watching; and presence events written.
func TestHubMetricsHoldings(t *testing.T) {
	defer node.SetDropboxTimers(200*time.Millisecond, time.Second)()
	ctx := t.Context()
	hubHome := t.TempDir()
	hub, _, err := node.Init(hubHome, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	serveLoopbackWith(t, hub, func(c *node.Config) {
		c.MetricsListen = "127.0.0.1:0"
		c.Hub = leaseHub(nil)
	})
	url := "http://" + hub.MetricsAddr() + "/metrics"
	m := scrape(t, url)
	for _, s := range []string{"kith_dropbox_letters", "kith_dropbox_bytes", "kith_leases", "kith_lease_bytes", "kith_presence_sessions", "kith_presence_watchers"} {
		if v, ok := m[s]; !ok || v != 0 {
			t.Fatalf("before anything: %s = %v (present: %v), want 0", s, v, ok)
		}
	}

	// A letter from a stranger waits for bob.
	bob, _ := initNode(t, node.Options{})
	carol, _ := initNode(t, node.Options{})
	serveLoopback(t, bob)
	serveLoopback(t, carol)
	publishDropbox(t, hub, hubHome, bob, carol)
	sent, err := carol.SendLetter(ctx, bob.Account().Key(), "hello bob")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(hubHome, "dropbox", "letters", sent.ID))
	if err != nil {
		t.Fatalf("the letter on the hub's disk: %v", err)
	}
	var held struct{ Letter []byte }
	if err := json.Unmarshal(raw, &held); err != nil || len(held.Letter) == 0 {
		t.Fatalf("the letter's file: %v", err)
	}

	// A leases its logs; A and B, friends, are online at the hub.
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	for _, text := range []string{"one", "two"} {
		if _, err := a.Post(ctx, text, nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range [][2]*node.Node{{a, b}, {b, a}} {
		if _, err := f[0].Follow(ctx, f[1].Account().Key(), true); err != nil {
			t.Fatal(err)
		}
	}
	hubAddr := hub.Addrs()[0]
	for _, n := range []*node.Node{a, b} {
		serveLoopbackWith(t, n, func(cfg *node.Config) { cfg.Hubs = []string{hubAddr} })
		if _, err := n.AddPeer(ctx, hubAddr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Lease(ctx, hubAddr); err != nil {
		t.Fatalf("Lease: %v", err)
	}
	aDev, aAcc := [32]byte(a.Device()), [32]byte(a.Account())
	var entries uint64
	for _, s := range headsOf(t, a, aDev, aAcc) {
		entries += s
	}
	eventually(t, "the hub to hold A's logs and count them, and A and B to see each other online", func() bool {
		_, ab := onlineAt(a, b.Device())
		_, ba := onlineAt(b, a.Device())
		m = scrape(t, url)
		return ab && ba && m["kith_lease_entries"] == float64(entries)
	})
	for s, want := range map[string]float64{
		"kith_dropbox_letters":          1,
		"kith_dropbox_stranger_letters": 1,
		"kith_dropbox_bytes":            float64(len(held.Letter)),
		"kith_dropbox_recipients":       1,
		"kith_leases":                   1,
		"kith_lease_entries":            float64(entries),
		"kith_presence_sessions":        2,
		"kith_presence_watchers":        2,
	} {
		if got, ok := m[s]; !ok || got != want {
			t.Errorf("%s = %v (present: %v), want %v", s, got, ok, want)
		}
	}
	if m["kith_lease_bytes"] <= 0 {
		t.Errorf("kith_lease_bytes = %v, want what the hub counted of A's logs", m["kith_lease_bytes"])
	}
	if got := m[`kith_service_uses_total{kind="event",service="presence"}`]; got < 2 {
		t.Errorf("presence events written = %v, want at least 2 (each friend told of the other)", got)
	}
	if ls, err := hub.Leases(ctx); err != nil || len(ls.Granted) != 1 || float64(ls.Granted[0].HeldBytes) != m["kith_lease_bytes"] {
		t.Errorf("the hub's leases %+v (%v): want one, holding the bytes the metrics say (%v)", ls, err, m["kith_lease_bytes"])
	}
}
