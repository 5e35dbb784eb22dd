package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestVillageFoundingReachesCoFounder (issue 15 item 2): A founds a
// village naming B, which does not follow A and shares only a DHT
// bootstrap node H with it. A's node finds B's device under B's account
// key in the DHT and delivers the founding (village.md §6a): B hears of
// the village by the network alone, A's village show says B was reached,
// and once B accepts the village is founded on both nodes.
func TestVillageFoundingReachesCoFounder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "h"), "--dht-server")
	a := startNode(t, "a", filepath.Join(dir, "a"), "--bootstrap", h.addr(), "--log-level", "info")
	b := startNode(t, "b", filepath.Join(dir, "b"), "--bootstrap", h.addr(), "--log-level", "info")
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{b}, vid, "B to hear of the founding by the network", func(v wire.Village) bool { return v.Name == "Elm street" && !v.Founded })
	villageWait(t, []*proc{a}, vid, "A to see B reached", func(v wire.Village) bool {
		return len(v.Waiting) == 1 && v.Waiting[0].Account == b.Account && v.Waiting[0].Reached && v.Waiting[0].Device == b.Device &&
			strings.Contains(v.Waiting[0].Hint, "took the founding")
	})
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a, b}, vid, "the founding on both nodes", func(v wire.Village) bool { return v.Founded && len(v.Waiting) == 0 })
	if !strings.Contains(a.stderr.String(), "delivered a founding to a co-founder") {
		t.Errorf("A's log does not say it delivered the founding:\n%s", a.stderr.String())
	}
}
