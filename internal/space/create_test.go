package space

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// TestFromVillage: a space created from a village has the village's
// locals (accounts) as founders, the chosen ones admins, and a member's
// second device then acts for it in the space.
func TestFromVillage(t *testing.T) {
	a, b := acc(t, 'A'), acc(t, 'B')
	founders := []identity.PublicKey{a, b}
	slices.SortFunc(founders, func(x, y identity.PublicKey) int { return bytes.Compare(x[:], y[:]) })
	var all []*entry.Entry
	for _, n := range []byte("AB") {
		c, err := content.NewDeviceCert(accKey(t, n), dev(t, n), "", 1)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, c)
	}
	found, err := entry.Sign(dev(t, 'A'), entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1,
		Payload: village.MustEncode(&village.Found{Name: "the street", Admit: village.Unanimous, Exclude: village.Majority, Founders: founders})})
	if err != nil {
		t.Fatal(err)
	}
	accept, err := entry.Sign(dev(t, 'B'), entry.Draft{LogID: entry.LogID(found.ID), Seq: 1, Timestamp: 2,
		Payload: village.MustEncode(&village.Accept{Village: found.ID})})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, found, accept)
	vs, err := village.Reduce(found.ID, all)
	if err != nil {
		t.Fatal(err)
	}
	c, err := FromVillage("street garden", vs, []identity.PublicKey{a})
	if err != nil {
		t.Fatal(err)
	}
	if c.Village != found.ID || len(c.Members) != 2 {
		t.Fatalf("create %+v", c)
	}
	for _, m := range c.Members {
		if want := map[identity.PublicKey]Role{a: Admin, b: Member}[m.Account]; m.Role != want {
			t.Fatalf("%s: role %s, want %s", m.Account.Account(), m.Role, want)
		}
	}
	if _, err := FromVillage("x", vs, []identity.PublicKey{acc(t, 'Z')}); err == nil || !strings.Contains(err.Error(), "not a local") {
		t.Fatalf("an admin who is no local: %v", err)
	}
	if _, err := NewCreate("x", entry.ID{}, nil, []identity.PublicKey{a}); err == nil || !strings.Contains(err.Error(), "no admin") {
		t.Fatalf("no admin: %v", err)
	}
	// The space itself.
	ce, err := entry.Sign(dev(t, 'A'), entry.Draft{LogID: entry.PublicLog, Seq: 2, Backlink: found.ID, Timestamp: 3, Payload: MustEncode(c)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Reduce(ce.ID, append(all, ce))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "street garden" || s.Village != found.ID || s.Members[a] != Admin || s.Members[b] != Member || len(s.Members) != 2 {
		t.Fatalf("state %+v", s)
	}
}
