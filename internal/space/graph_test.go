package space

import (
	"math/rand/v2"
	"testing"
)

// TestComponentsAreRegions: the intervals components computes are the
// classes of "connected by concurrent pairs" (checked by a search over
// every pair), for the whole set and for the past of every entry, in
// random concurrent histories.
func TestComponentsAreRegions(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 30 {
		w := randomHistory(t, rng, 5+rng.IntN(40))
		s := w.reduce(w.all)
		g := s.r.g
		n := int32(len(g.es))
		all := newBits(int(n))
		for i := range n {
			all.set(i)
		}
		downs := []bits{all}
		for i := range n {
			downs = append(downs, g.anc[i])
		}
		for _, d := range downs {
			comps := g.components(d)
			// The class of each node of d by search.
			class := make([]int32, n)
			for i := range class {
				class[i] = -1
			}
			for i := range n {
				if !d.has(i) || class[i] >= 0 {
					continue
				}
				class[i] = i
				stack := []int32{i}
				for len(stack) > 0 {
					a := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					for b := range n {
						if d.has(b) && class[b] < 0 && g.concurrent(a, b) {
							class[b] = i
							stack = append(stack, b)
						}
					}
				}
			}
			for a := range n {
				for b := range n {
					if d.has(a) && d.has(b) && (class[a] == class[b]) != (comps[a] == comps[b]) {
						t.Fatalf("nodes %d and %d: same region by search %v, by components %v", a, b, class[a] == class[b], comps[a] == comps[b])
					}
				}
			}
		}
	}
}
