package node_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// Saturday 2026-07-04, 20:00 UTC.
const sat20 = 1783195200

// TestFestivalTwoOrganisers: a festival founded on one node is opened on
// another from its reference; the second books the first's stage for an
// event, the owner's node confirms it by itself (first-come), a second
// booking of the same time is refused in words before anything is
// written, and the second node wants the festival's logs and none of the
// founder's other logs. Leaving stops the replication.
func TestFestivalTwoOrganisers(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 2)
	a, b := ns[0], ns[1]
	fe, err := a.CreateFestival(ctx, node.NewFestival{Name: "Summer Camp"})
	if err != nil {
		t.Fatal(err)
	}
	stage, err := a.AddResource(ctx, fe.ID, festival.Resource{Kind: "stage", Name: "Main stage", Policy: festival.PolicyFirstCome})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(ctx, "not for festival guests", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	list, err := a.Festivals(ctx)
	if err != nil || len(list) != 1 || list[0].Ref == "" {
		t.Fatalf("a's festivals = %+v, %v", list, err)
	}
	if _, err := b.OpenFestival(ctx, list[0].Ref); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to hold the stage", func() bool {
		v, err := b.Festival(ctx, fe.ID)
		return err == nil && len(v.Resources) == 1
	})
	span := festival.Window{Start: sat20, End: sat20 + 2*3600}
	concert, err := b.AddEvent(ctx, fe.ID, festival.Event{Name: "Concert", Span: span, Needs: []entry.ID{stage.ID}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a's node to confirm the booking and b to see it", func() bool {
		v, err := b.Festival(ctx, fe.ID)
		if err != nil || len(v.Resources) != 1 || len(v.Resources[0].Bookings) != 1 {
			return false
		}
		bk := v.Resources[0].Bookings[0]
		return bk.Confirmed && bk.Event == concert.ID && bk.EventName == "Concert" && bk.HolderName == "you"
	})
	_, err = b.AddEvent(ctx, fe.ID, festival.Event{Name: "Late show", Span: festival.Window{Start: sat20 + 3600, End: sat20 + 3*3600}, Needs: []entry.ID{stage.ID}})
	want := `"Main stage" is already booked 2026-07-04 20:00–22:00 UTC by "Concert": choose another time or another resource`
	if !errors.Is(err, node.ErrFestivalRule) || !strings.Contains(err.Error(), want) {
		t.Fatalf("overlapping booking: %v, want %q", err, want)
	}
	// Scope: b holds a's festival log and found log, not a's public log.
	has := func(n *node.Node, l store.LogKey) bool {
		for _, h := range heads(t, n) {
			if h.Log == l {
				return true
			}
		}
		return false
	}
	aDev := a.Device().Key()
	if !has(b, store.LogKey{Author: aDev, LogID: scope.FestivalLog(fe.ID)}) || !has(b, store.LogKey{Author: aDev, LogID: scope.FestivalFoundLog}) {
		t.Fatal("b does not hold a's festival logs")
	}
	if has(b, store.LogKey{Author: aDev, LogID: entry.PublicLog}) {
		t.Fatal("b holds a's public log: opening a festival replicated more than the festival")
	}
	// Leaving: a's next resource does not reach b.
	if err := b.LeaveFestival(ctx, fe.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddResource(ctx, fe.ID, festival.Resource{Kind: "room", Name: "Tent", Policy: festival.PolicyManual}); err != nil {
		t.Fatal(err)
	}
	ev, err := a.Festival(ctx, fe.ID)
	if err != nil || len(ev.Resources) != 2 {
		t.Fatalf("a's view: %+v %v", ev, err)
	}
	// b's own concert entry came back to a before it left; a's tent must not reach b.
	head := func() uint64 {
		for _, h := range heads(t, b) {
			if h.Log == (store.LogKey{Author: aDev, LogID: scope.FestivalLog(fe.ID)}) {
				return h.Seq
			}
		}
		return 0
	}
	before := head()
	// Replication between connected peers is live (well under a second
	// here); b must not get the tent while it is not in the festival.
	time.Sleep(1500 * time.Millisecond)
	if got := head(); got != before {
		t.Fatalf("b left the festival but a's festival log grew from %d to %d there", before, got)
	}
}
