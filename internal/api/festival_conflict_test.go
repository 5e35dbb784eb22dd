package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// TestFestivalConflictOwnerConfirmed: two people book the main stage at
// the same time without seeing each other's booking; the owner confirms
// the one that reached them first. The other, though first by the tie of
// entry ids, lost: `conflicts` lists it, explained.
func TestFestivalConflictOwnerConfirmed(t *testing.T) {
	owner, ada, bob := spaceFixture(t, "Olga"), spaceFixture(t, "Ada"), spaceFixture(t, "Bob")
	var fe wire.FestivalEntry
	owner.call("POST", "/api/v1/festivals", wire.FestivalCreate{Name: "Summer Camp"}, &fe)
	base := "/api/v1/festivals/" + fe.Festival
	owner.call("POST", base+"/resources", wire.FestivalResourceNew{Kind: "stage", Name: "Main stage"}, nil)
	founder := strings.SplitN(fe.Ref, "/", 2)[1]
	for _, f := range []*fixture{ada, bob} {
		copyEntries(t, owner.n, f.n)
		f.call("POST", base+"/open", wire.FestivalOpen{Founder: founder}, nil)
	}
	var ea, eb wire.FestivalEntry
	ada.call("POST", base+"/events", wire.FestivalEventNew{Name: "Concert", Start: "2026-07-04T20:00:00Z", End: "2026-07-04T22:00:00Z", Needs: []string{"Main stage"}}, &ea)
	bob.call("POST", base+"/events", wire.FestivalEventNew{Name: "Rave", Start: "2026-07-04T21:00:00Z", End: "2026-07-04T23:00:00Z", Needs: []string{"Main stage"}}, &eb)
	// The request with the larger id reaches the owner first and is
	// confirmed; the other would have held the stage by the tie.
	first, firstName, later, laterName, firstSpan := ada, "Concert", eb.ID, "Rave", "2026-07-04 20:00–22:00 UTC"
	ia, _ := entry.ParseID(ea.ID)
	ib, _ := entry.ParseID(eb.ID)
	if bytes.Compare(ia[:], ib[:]) < 0 {
		first, firstName, later, laterName, firstSpan = bob, "Rave", ea.ID, "Concert", "2026-07-04 21:00–23:00 UTC"
	}
	copyEntries(t, first.n, owner.n)
	owner.call("POST", base+"/authorize", wire.FestivalAuthorizeNew{Request: firstName, Resource: "Main stage", Decision: "grant"}, nil)
	spread(t, owner, ada, bob)
	want := `the owner confirmed "` + firstName + `" for ` + firstSpan + ` before this request reached them`
	for _, f := range []*fixture{owner, ada, bob} {
		var v wire.Festival
		f.call("GET", base, nil, &v)
		if len(v.Conflicts) != 1 {
			t.Fatalf("conflicts: %+v", v.Conflicts)
		}
		c := v.Conflicts[0]
		if c.ID != later || c.EventName != laterName || c.Status != "denied" || c.Reason != want {
			t.Fatalf("conflict %+v; want %s %q denied %q", c, later, laterName, want)
		}
	}
}
