package space

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// sameOutcome reduces es in orders given by shuffles (with some entries
// delivered twice) and fails unless every order gives the state of the
// first.
func sameOutcome(t *testing.T, w *world, rng *rand.Rand, shuffles int) *State {
	t.Helper()
	return sameOutcomeTB(t, w, rng, shuffles)
}

func sameOutcomeTB(t testing.TB, w *world, rng *rand.Rand, shuffles int) *State {
	t.Helper()
	want := w.reduce(w.all)
	wm, wa, wi, wb := outcome(want)
	for k := range shuffles {
		es := slices.Clone(w.all)
		rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		if k%3 == 1 {
			es = append(es, es[rng.IntN(len(es))])
		}
		got := w.reduce(es)
		gm, ga, gi, gb := outcome(got)
		if !slices.Equal(gm, wm) || !slices.Equal(ga, wa) || !slices.Equal(gi, wi) || !slices.Equal(gb, wb) {
			t.Fatalf("delivery order %d gives another state:\nmembers %v\nwant    %v\napplied %v\nwant    %v\nignored %v\nwant    %v", k, gm, wm, ga, wa, gi, wi)
		}
	}
	return want
}

// TestDeliveryOrderScenarios: every scenario, in any delivery order,
// gives the same state.
func TestDeliveryOrderScenarios(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sameOutcome(t, sc.build(t), rng, 40)
		})
	}
	t.Run("vectors", func(t *testing.T) { sameOutcome(t, vectorWorld(t), rng, 40) })
}

// randomHistory writes steps random membership entries by persons A..F
// (A, B, C founding admins, D a member): each entry sees its own log and
// a random subset of the others' entries (so branches interleave and
// many entries are concurrent), and does a random change.
func randomHistory(t *testing.T, rng *rand.Rand, steps int) *world {
	return randomHistoryTB(t, rng, steps)
}

func randomHistoryTB(t testing.TB, rng *rand.Rand, steps int) *world {
	w := newSpace(t, 'A', founders("ABC", "D"))
	people := []byte("ABCDEF")
	var written []*entry.Entry
	for range steps {
		n := people[rng.IntN(len(people))]
		who := people[rng.IntN(len(people))]
		var refs []*entry.Entry
		for _, e := range written {
			if rng.IntN(3) == 0 {
				refs = append(refs, e)
			}
		}
		if len(refs) > MaxRefs {
			refs = refs[len(refs)-MaxRefs:]
		}
		role := Member
		if rng.IntN(2) == 0 {
			role = Admin
		}
		var e *entry.Entry
		switch rng.IntN(5) {
		case 0, 1:
			e = w.add(n, who, role, refs...)
		case 2:
			e = w.remove(n, who, refs...)
		case 3:
			e = w.role(n, who, role, refs...)
		default:
			e = w.do(n, &Leave{}, refs...)
		}
		written = append(written, e)
	}
	return w
}

// TestDeliveryOrderRandomHistories: random concurrent histories, in any
// delivery order, give the same state; and the state of the whole set is
// what At gives for the heads of every log.
func TestDeliveryOrderRandomHistories(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 60
	if testing.Short() {
		n = 15
	}
	changed := 0
	for i := range n {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			w := randomHistory(t, rng, 8+rng.IntN(25))
			s := sameOutcome(t, w, rng, 8)
			var heads []entry.ID
			for _, wr := range w.ws {
				heads = append(heads, wr.prev)
			}
			if got, want := w.members(s.At(heads)), w.members(s.Members); got != want {
				t.Fatalf("At(all heads) = %q, the state says %q", got, want)
			}
			if len(s.Applied) > 0 && len(s.Ignored) > 0 {
				changed++
			}
		})
	}
	// The generator must make histories where rules both apply and
	// filter, or the property says little.
	if changed < n/3 {
		t.Fatalf("only %d of %d random histories both applied and ignored entries", changed, n)
	}
}
