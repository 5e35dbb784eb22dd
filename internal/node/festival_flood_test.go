package node_test

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// TestFestivalRequestFlood: one participant asks for the owner's stage
// 300 times (more than the owner's node publishes in one round); the
// owner's node confirms every one, in rounds, and publishes exactly one
// authorization per request: none twice, however often it is woken.
func TestFestivalRequestFlood(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 2)
	a, b := ns[0], ns[1]
	fe, err := a.CreateFestival(ctx, node.NewFestival{Name: "Flood"})
	if err != nil {
		t.Fatal(err)
	}
	stage, err := a.AddResource(ctx, fe.ID, festival.Resource{Kind: "stage", Name: "Stage", Policy: festival.PolicyFirstCome})
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.Festivals(ctx)
	if err != nil {
		t.Fatal(err)
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
	const n = 300
	for i := range n {
		w := festival.Window{Start: sat20 + uint64(i)*3600, End: sat20 + uint64(i)*3600 + 1800}
		if _, err := b.AddEvent(ctx, fe.ID, festival.Event{Name: "Set", Span: w, Needs: []entry.ID{stage.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	log := store.LogKey{Author: a.Device().Key(), LogID: scope.FestivalLog(fe.ID)}
	eventually(t, "every booking confirmed on a", func() bool {
		// The head of a's festival log first: it is cheap, where reducing
		// the festival of 300 bookings every 20 ms is not, and competes
		// for the CPU with the publishing it waits for.
		if h, err := a.Store().Head(ctx, log); err != nil || h.Seq < 1+n {
			return false
		}
		v, err := a.Festival(ctx, fe.ID)
		if err != nil || len(v.Resources) != 1 || len(v.Resources[0].Bookings) != n {
			return false
		}
		for _, bk := range v.Resources[0].Bookings {
			if !bk.Confirmed {
				return false
			}
		}
		return true
	})
	for range 5 {
		if _, err := a.PublishDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h, err := a.Store().Head(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	// a's festival log: the stage, then one authorization per request.
	if h.Seq != 1+n {
		t.Fatalf("a's festival log has %d entries, want %d (the stage and %d authorizations)", h.Seq, 1+n, n)
	}
}
