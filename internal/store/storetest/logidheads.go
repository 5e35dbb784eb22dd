package storetest

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// testHeadsWithLogID checks store.LogIDHeads, when the store implements
// it, and the store.HeadsWithLogID helper either way: the heads of one log
// id's logs, in author order, exactly as Heads lists them; none for a log
// id no log has.
func testHeadsWithLogID(t *testing.T, x h) {
	lids := []entry.LogID{{7}, entry.PublicLog, {5}}
	for i := range 3 {
		for j, lid := range lids {
			c := newChain(key(t, 40+i), lid)
			x.mustAdd(c.posts(t, i+j+1)...)
		}
	}
	all := x.heads()
	for _, lid := range lids {
		var want []store.Head
		for _, hd := range all {
			if hd.Log.LogID == lid {
				want = append(want, hd)
			}
		}
		if len(want) != 3 {
			t.Fatalf("log id %s: Heads lists %+v", lid, want)
		}
		got, err := store.HeadsWithLogID(x.ctx, x.s, lid)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("HeadsWithLogID(%s) = %+v, %v\nwant %+v", lid, got, err, want)
		}
		if l, ok := x.s.(store.LogIDHeads); ok {
			if got, err := l.HeadsWithLogID(x.ctx, lid); err != nil || !slices.Equal(got, want) {
				t.Fatalf("LogIDHeads.HeadsWithLogID(%s) = %+v, %v\nwant %+v", lid, got, err, want)
			}
		} else {
			t.Fatalf("the store does not implement store.LogIDHeads")
		}
	}
	if got, err := store.HeadsWithLogID(x.ctx, x.s, entry.LogID{0xee}); err != nil || len(got) != 0 {
		t.Fatalf("HeadsWithLogID(no logs) = %+v, %v", got, err)
	}
}
