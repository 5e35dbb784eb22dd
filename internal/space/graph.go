package space

import (
	"bytes"
	"container/heap"

	"github.com/kithnet/kith/internal/entry"
)

// The membership order (space-membership.md §3): the entries of the
// membership log are the nodes of a graph with an edge from each entry to
// its backlink and to every entry its refs name, counting only those held.
// The reducer walks them in the topological order that breaks ties by
// entry id, and decides "concurrent" by reachability in that graph. No
// timestamp takes part.

// bits is a set of node indexes.
type bits []uint64

func newBits(n int) bits        { return make(bits, (n+63)/64) }
func (b bits) has(i int32) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bits) set(i int32)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bits) or(o bits) {
	for k := range b {
		b[k] |= o[k]
	}
}

type graph struct {
	es    []*entry.Entry
	at    map[entry.ID]int32
	preds [][]int32
	order []int32 // topological, ties by id
	anc   []bits  // strict ancestors of each node
}

// newGraph builds the graph of es (distinct ids); refs(i) gives the
// references of es[i] (nil when its payload is not valid).
func newGraph(es []*entry.Entry, refs func(i int) []entry.ID) *graph {
	n := len(es)
	g := &graph{es: es, at: make(map[entry.ID]int32, n), preds: make([][]int32, n), anc: make([]bits, n)}
	for i, e := range es {
		g.at[e.ID] = int32(i)
	}
	succ := make([][]int32, n)
	indeg := make([]int, n)
	for i, e := range es {
		add := func(id entry.ID) {
			j, ok := g.at[id]
			if !ok || int(j) == i {
				return
			}
			for _, p := range g.preds[i] {
				if p == j {
					return
				}
			}
			g.preds[i] = append(g.preds[i], j)
			succ[j] = append(succ[j], int32(i))
			indeg[i]++
		}
		if e.Header.Seq > 1 {
			add(e.Header.Backlink)
		}
		for _, r := range refs(i) {
			add(r)
		}
	}
	h := &idHeap{es: es}
	for i := range es {
		if indeg[i] == 0 {
			heap.Push(h, int32(i))
		}
	}
	for h.Len() > 0 {
		i := heap.Pop(h).(int32)
		g.order = append(g.order, i)
		for _, s := range succ[i] {
			if indeg[s]--; indeg[s] == 0 {
				heap.Push(h, s)
			}
		}
	}
	if len(g.order) < n {
		// A cycle takes a SHA-256 collision (an entry's id commits to its
		// references). Should one occur, the entries left come in id order,
		// with the edges of the cycle dropped.
		for i := range es {
			if indeg[i] > 0 {
				heap.Push(h, int32(i))
			}
		}
		for h.Len() > 0 {
			g.order = append(g.order, heap.Pop(h).(int32))
		}
	}
	done := newBits(n)
	for _, i := range g.order {
		a := newBits(n)
		for _, p := range g.preds[i] {
			if done.has(p) { // always, but for a cycle's edges
				a.or(g.anc[p])
				a.set(p)
			}
		}
		g.anc[i] = a
		done.set(i)
	}
	return g
}

// concurrent reports whether neither of a and b precedes the other.
func (g *graph) concurrent(a, b int32) bool {
	return a != b && !g.anc[a].has(b) && !g.anc[b].has(a)
}

// downTo returns the set of the held entries among ids and all they
// precede (a down-set: what an author naming ids had seen).
func (g *graph) downTo(ids []entry.ID) bits {
	d := newBits(len(g.es))
	for _, id := range ids {
		if i, ok := g.at[id]; ok {
			d.or(g.anc[i])
			d.set(i)
		}
	}
	return d
}

type idHeap struct {
	es []*entry.Entry
	a  []int32
}

func (h *idHeap) Len() int { return len(h.a) }
func (h *idHeap) Less(i, j int) bool {
	return bytes.Compare(h.es[h.a[i]].ID[:], h.es[h.a[j]].ID[:]) < 0
}
func (h *idHeap) Swap(i, j int) { h.a[i], h.a[j] = h.a[j], h.a[i] }
func (h *idHeap) Push(x any)    { h.a = append(h.a, x.(int32)) }
func (h *idHeap) Pop() any {
	x := h.a[len(h.a)-1]
	h.a = h.a[:len(h.a)-1]
	return x
}
