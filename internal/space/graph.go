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
	// es are the nodes in the membership order: node i is the i-th entry
	// in that order, so every edge runs from a higher index to a lower.
	es  []*entry.Entry
	at  map[entry.ID]int32
	anc []bits // strict ancestors of each node
}

// newGraph builds the graph of es (distinct ids) with its nodes in the
// membership order; refs(i) gives the references of es[i] (nil when its
// payload is not valid). perm[k] is the index in es of node k.
func newGraph(es []*entry.Entry, refs func(i int) []entry.ID) (g *graph, perm []int32) {
	n := len(es)
	at := make(map[entry.ID]int32, n)
	for i, e := range es {
		at[e.ID] = int32(i)
	}
	preds := make([][]int32, n)
	succ := make([][]int32, n)
	indeg := make([]int, n)
	for i, e := range es {
		add := func(id entry.ID) {
			j, ok := at[id]
			if !ok || int(j) == i {
				return
			}
			for _, p := range preds[i] {
				if p == j {
					return
				}
			}
			preds[i] = append(preds[i], j)
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
		perm = append(perm, i)
		for _, s := range succ[i] {
			if indeg[s]--; indeg[s] == 0 {
				heap.Push(h, s)
			}
		}
	}
	if len(perm) < n {
		// A cycle takes a SHA-256 collision (an entry's id commits to its
		// references). Should one occur, the entries left come in id order,
		// and the edges that point forward are dropped.
		for i := range es {
			if indeg[i] > 0 {
				heap.Push(h, int32(i))
			}
		}
		for h.Len() > 0 {
			perm = append(perm, heap.Pop(h).(int32))
		}
	}
	pos := make([]int32, n)
	for k, i := range perm {
		pos[i] = int32(k)
	}
	g = &graph{es: make([]*entry.Entry, n), at: make(map[entry.ID]int32, n), anc: make([]bits, n)}
	for k, i := range perm {
		g.es[k] = es[i]
		g.at[es[i].ID] = int32(k)
		a := newBits(n)
		for _, p := range preds[i] {
			if q := pos[p]; q < int32(k) {
				a.or(g.anc[q])
				a.set(q)
			}
		}
		g.anc[k] = a
	}
	return g, perm
}

// components returns, for the down-set d, the first node of the
// concurrency region (p2panda's "concurrency bubble") of every node of d:
// the classes of the relation "connected by concurrent pairs". They are
// intervals of the membership order: a cut falls before node k when every
// node of d from k on has every node of d before k as an ancestor.
func (g *graph) components(d bits) []int32 {
	n := int32(len(g.es))
	// m[t]: the first node of d before t that is not an ancestor of t (t
	// when none).
	m := make([]int32, n)
	for t := range n {
		m[t] = t
		if !d.has(t) {
			continue
		}
		for w := int32(0); w*64 < t; w++ {
			miss := d[w] &^ g.anc[t][w]
			if hi := t - w*64; hi < 64 {
				miss &= 1<<uint(hi) - 1
			}
			if miss != 0 {
				m[t] = w*64 + int32(bits64(miss))
				break
			}
		}
	}
	first := make([]int32, n)
	low := n // min of m over the nodes of d from k on
	cut := make([]bool, n+1)
	for k := n - 1; k >= 0; k-- {
		if d.has(k) && m[k] < low {
			low = m[k]
		}
		cut[k] = low >= k
	}
	start := int32(0)
	for k := range n {
		if cut[k] {
			start = k
		}
		first[k] = start
	}
	return first
}

// bits64 is the index of the lowest set bit of x (x != 0).
func bits64(x uint64) int {
	n := 0
	for x&1 == 0 {
		x >>= 1
		n++
	}
	return n
}

// concurrent reports whether neither of nodes a and b precedes the other.
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
