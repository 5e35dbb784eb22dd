package store_test

import (
	"context"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// TestEachFound: every entry the query selects, once each, in arrival
// order, across page boundaries (2,500 entries: two full pages and a
// part), whatever Limit the query had; none it does not select.
func TestEachFound(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	k, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := []entry.LogID{{1}, {2}}
	prev := map[entry.LogID]entry.ID{}
	var want []entry.ID
	for seq := 1; seq <= 2500; seq++ {
		for _, l := range logs {
			e, err := entry.Sign(k, entry.Draft{LogID: l, Seq: uint64(seq), Timestamp: uint64(seq), Backlink: prev[l]})
			if err != nil {
				t.Fatal(err)
			}
			if r, err := st.Append(ctx, e); err != nil || r.Outcome != store.Added {
				t.Fatalf("append: %v %v", r, err)
			}
			prev[l] = e.ID
			if l == logs[0] {
				want = append(want, e.ID)
			}
		}
	}
	var got []entry.ID
	last := int64(0)
	err = store.EachFound(ctx, st, store.Query{LogID: &logs[0], Limit: 3}, func(e *store.Stored) {
		if e.Cursor <= last {
			t.Fatalf("cursor %d after %d: not in arrival order", e.Cursor, last)
		}
		last = e.Cursor
		got = append(got, e.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: %s, want %s", i, got[i], want[i])
		}
	}
}
