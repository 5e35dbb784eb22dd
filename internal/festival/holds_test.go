package festival

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// The chunked list agrees with a plain sorted slice through random
// insertions and removals, across chunk splits and emptied chunks.
func TestHoldList(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var l holdList
	var model []Hold
	free := rng.Perm(3000)
	for step := range 6000 {
		if len(free) > 0 && (rng.IntN(3) > 0 || len(model) == 0) {
			s := uint64(free[0]) * 10
			free = free[1:]
			h := Hold{Window: Window{s, s + 1 + uint64(rng.IntN(9))}, Request: RequestKey{Entry: entry.ID{byte(s), byte(s >> 8), byte(s >> 16)}}}
			l.insert(h)
			at := sort.Search(len(model), func(i int) bool { return model[i].Window.Start > s })
			model = slices.Insert(model, at, h)
		} else {
			i := rng.IntN(len(model))
			l.remove(model[i].Request, model[i].Window)
			free = append(free, int(model[i].Window.Start/10))
			model = append(model[:i], model[i+1:]...)
		}
		if step%211 == 0 || step == 5999 {
			got := l.all()
			if len(model) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, model) && !(len(got) == 0 && len(model) == 0) {
				t.Fatalf("step %d: list and model differ (%d, %d holds)", step, len(got), len(model))
			}
			w := Window{uint64(rng.IntN(30000)), 0}
			w.End = w.Start + uint64(rng.IntN(500)) + 1
			var want []Hold
			for _, h := range model {
				if h.Window.Overlaps(w) {
					want = append(want, h)
				}
			}
			if got := l.overlapping(w); !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d: overlapping %v: %d holds, want %d", step, w, len(got), len(want))
			}
		}
	}
	if len(l.chunks) < 3 {
		t.Fatalf("%d chunks: the test did not split any", len(l.chunks))
	}
	// Removing what is not held changes nothing.
	n := l.n
	l.remove(RequestKey{Entry: entry.ID{0xff}}, Window{5, 6})
	if l.n != n {
		t.Fatal("removed a hold that is not there")
	}
}
