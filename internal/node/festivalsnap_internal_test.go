package node

import (
	"context"
	"testing"

	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// findHook is a store that runs after once, after the first Find it
// answers for which after reports true.
type findHook struct {
	store.Store
	after func(q store.Query) bool
}

func (h *findHook) Find(ctx context.Context, q store.Query) ([]*store.Stored, error) {
	es, err := h.Store.Find(ctx, q)
	if f := h.after; f != nil && f(q) {
		h.after = nil
	}
	return es, err
}

// TestFestivalSnapshotNotKeptStale: an entry stored, and its change
// signalled, while the festivals are being reduced (after the reduction
// read the festival's log) is seen by the next read. The reduction that
// missed it must not be kept: it was, and a festival entry that arrived
// during a read stayed unseen until the next one (TestFestivalRequestFlood
// failed in CI waiting for the stage, and for confirmations, that way).
func TestFestivalSnapshotNotKeptStale(t *testing.T) {
	ctx := t.Context()
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	fe, err := n.CreateFestival(ctx, NewFestival{Name: "Race"})
	if err != nil {
		t.Fatal(err)
	}
	r := &festival.Resource{Festival: fe.ID, Kind: "stage", Name: "Stage", Policy: festival.PolicyFirstCome}
	if err := setFestivalRefs(r, n.festivalRefs(ctx, fe.ID, nil)); err != nil {
		t.Fatal(err)
	}
	payload, err := festival.Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	log := scope.FestivalLog(fe.ID)
	hook := &findHook{Store: n.store}
	hook.after = func(q store.Query) bool {
		if q.LogID == nil || *q.LogID != log {
			return false
		}
		// The resource arrives just after the reduction read the log.
		hook.after = nil
		if _, err := n.AppendRaw(ctx, log, payload); err != nil {
			t.Error(err)
		}
		n.festivalsChanged()
		return true
	}
	n.store = hook
	n.festivalsChanged()
	if v, err := n.Festival(ctx, fe.ID); err != nil || len(v.Resources) != 0 {
		t.Fatalf("the read during which the resource arrived: %d resources, %v; want 0 (it read the log before)", len(v.Resources), err)
	}
	if hook.after != nil {
		t.Fatal("the festival's log was not read")
	}
	v, err := n.Festival(ctx, fe.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Resources) != 1 || v.Resources[0].Name != "Stage" {
		t.Fatalf("the next read has %d resources, want the stage", len(v.Resources))
	}
}
