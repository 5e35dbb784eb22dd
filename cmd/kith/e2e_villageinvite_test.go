package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestVillageInvitationReachesInvitee (issue 15 item 2): A and C found a
// village; B follows neither and shares only a DHT bootstrap node H with
// them. A invites B: A's node finds B's device under B's account key in
// the DHT and delivers the invitation (village.md §6a), B sees the
// village and its invitation by the network alone, A's village show says
// B was reached, B joins, and once C invites B too (majority of two) B is
// a local on every node.
func TestVillageInvitationReachesInvitee(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "h"), "--dht-server")
	a := startNode(t, "a", filepath.Join(dir, "a"), "--bootstrap", h.addr(), "--log-level", "info")
	c := startNode(t, "c", filepath.Join(dir, "c"), "--bootstrap", h.addr(), "--log-level", "info")
	b := startNode(t, "b", filepath.Join(dir, "b"), "--bootstrap", h.addr(), "--log-level", "info")
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", c.Account, "--admit", "majority"), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{c}, vid, "C to hear of the founding", func(v wire.Village) bool { return v.Name == "Elm street" })
	villageEntryOf(c, "accept", vid)
	villageWait(t, []*proc{a}, vid, "the founding", func(v wire.Village) bool { return v.Founded })

	villageEntryOf(a, "invite", vid, b.Account)
	villageWait(t, []*proc{b}, vid, "B to see the invitation, by the network alone", func(v wire.Village) bool {
		return v.Name == "Elm street" && v.Founded && len(v.Invitations) == 1 && v.Invitations[0].Invitee == b.Account && v.Invitations[0].Needed == 1
	})
	var l wire.VillageList
	if err := json.Unmarshal(b.kith("village", "list"), &l); err != nil || len(l.Villages) != 1 || l.Villages[0].Role != "invitee" || l.Villages[0].Name != "Elm street" {
		t.Fatalf("B's village list: %+v %v", l, err)
	}
	villageWait(t, []*proc{a}, vid, "A to see B reached", func(v wire.Village) bool {
		return len(v.Waiting) == 1 && v.Waiting[0].Account == b.Account && v.Waiting[0].Reached && v.Waiting[0].Device == b.Device &&
			strings.Contains(v.Waiting[0].Hint, "took the invitation")
	})
	villageEntryOf(b, "join", vid)
	villageWait(t, []*proc{c}, vid, "C to see B's join", func(v wire.Village) bool {
		return len(v.Invitations) == 1 && v.Invitations[0].Joined
	})
	villageEntryOf(c, "invite", vid, b.Account)
	villageWait(t, []*proc{a, b, c}, vid, "B a local", func(v wire.Village) bool {
		return villageLocal(v, b.Account).Status == "local" && len(v.Waiting) == 0
	})
	if !strings.Contains(a.stderr.String(), "delivered an invitation to an invitee") {
		t.Errorf("A's log does not say it delivered the invitation:\n%s", a.stderr.String())
	}
}
