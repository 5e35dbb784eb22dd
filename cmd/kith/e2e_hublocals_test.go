package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestHubServesLocals: a hub with serve = "locals" founds a village with
// L; L, a local, then gets a relay slot at the hub and hears that it
// offers the relay; N, no local, hears that it offers nothing and gets no
// slot, and the hub logs why.
func TestHubServesLocals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	homeH := filepath.Join(dir, "hub")
	if err := os.MkdirAll(homeH, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(homeH, "config.toml"), []byte("[hub]\non = true\nserve = \"locals\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startNode(t, "hub", homeH, "--log-level", "info")
	l := startNode(t, "l", filepath.Join(dir, "l"))
	villageConnect(h, l)
	var founded wire.VillageEntry
	if err := json.Unmarshal(h.kith("village", "found", "Elm street", "--with", l.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{l}, vid, "L to hold the found entry", func(v wire.Village) bool { return !v.Founded })
	villageEntryOf(l, "accept", vid)
	villageWait(t, []*proc{h}, vid, "the hub to count L a local", func(v wire.Village) bool {
		return villageLocal(v, l.Account).Status == "local"
	})
	// L again, now with the hub: it reserves at once.
	l.stop()
	l.extra = []string{"--use-hub", h.addr()}
	l.start()
	n := startNode(t, "n", filepath.Join(dir, "n"), "--use-hub", h.addr())

	waitFor(t, syncTimeout, "L, a local, to hold a slot at the hub", func() bool { return l.circuitAddr() != "" })
	waitFor(t, syncTimeout, "L to hear that the hub offers it its services, the relay among them", func() bool {
		names, ok := l.servicesOf(h.Device)
		return ok && len(names) == 4 && names[0] == "dropbox" && names[1] == "heads" && names[2] == "presence" && names[3] == "relay"
	})
	waitFor(t, syncTimeout, "N to hear what the hub offers it", func() bool { _, ok := n.servicesOf(h.Device); return ok })
	if names, _ := n.servicesOf(h.Device); len(names) != 0 {
		t.Fatalf("the hub offers N %v: want nothing, N is no local", names)
	}
	waitFor(t, syncTimeout, "the hub to log that it refused N a slot", func() bool {
		for _, line := range strings.Split(h.stderr.String(), "\n") {
			if strings.Contains(line, "relay slot refused: the hub does not serve this peer") && strings.Contains(line, peerIDIn(t, n.Addrs)) {
				return true
			}
		}
		return false
	})
	if got := n.circuitAddr(); got != "" {
		t.Fatalf("N holds a slot at the hub (%s): want it refused, N is no local", got)
	}
}
