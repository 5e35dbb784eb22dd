package causalorder

import (
	"bytes"

	"github.com/kithnet/kith/internal/entry"
)

// Order returns the indexes of es in the causal order (village.md §3,
// "Order", reused by conversation.md): entries are applied
// in a topological order of the graph whose edges run from an entry to its
// backlink and to each entry it references (Causal.Refs), breaking ties by
// entry id: it repeatedly takes, among the entries whose held predecessors
// have all been taken, the one with the smallest id. A predecessor that is
// not held counts as absent. No timestamp takes part.

// refs(i) returns the references of es[i] (nil when its payload is missing
// or invalid). es must hold distinct ids; idx maps each id to its index in
// es.
func Order(es []*entry.Entry, idx map[entry.ID]int32, refs func(i int) []entry.ID) []int32 {
	n := len(es)
	// The held, distinct predecessors of every entry, in one flat list
	// (entry i's are preds[start[i]:start[i+1]]).
	start := make([]int32, n+1)
	preds := make([]int32, 0, n)
	indeg := make([]int32, n)
	nsucc := make([]int32, n+1)
	for i, e := range es {
		first := len(preds)
		add := func(id entry.ID) {
			j, ok := idx[id]
			if !ok || int(j) == i {
				return
			}
			for _, p := range preds[first:] {
				if p == j {
					return
				}
			}
			preds = append(preds, j)
			nsucc[j+1]++
		}
		if e.Header.Seq > 1 {
			add(e.Header.Backlink)
		}
		for _, r := range refs(i) {
			add(r)
		}
		indeg[i] = int32(len(preds) - first)
		start[i+1] = int32(len(preds))
	}
	for i := 1; i <= n; i++ {
		nsucc[i] += nsucc[i-1]
	}
	succ := make([]int32, len(preds))
	fill := make([]int32, n)
	copy(fill, nsucc[:n])
	for i := range es {
		for _, p := range preds[start[i]:start[i+1]] {
			succ[fill[p]] = int32(i)
			fill[p]++
		}
	}
	preds, start, fill = nil, nil, nil
	// Kahn's algorithm with a min-heap of ready entries by id.
	h := idHeap{es: es}
	for i := range es {
		if indeg[i] == 0 {
			h.push(int32(i))
		}
	}
	out := make([]int32, 0, n)
	for len(h.a) > 0 {
		i := h.pop()
		out = append(out, i)
		for _, s := range succ[nsucc[i]:nsucc[i+1]] {
			if indeg[s]--; indeg[s] == 0 {
				h.push(s)
			}
		}
	}
	if len(out) < n {
		// A cycle: impossible without a SHA-256 collision (an entry's id
		// commits to its backlink and to its payload, hence to its
		// references, so each edge points to an older entry). Should one
		// occur, the entries left are taken in id order.
		for i := range es {
			if indeg[i] > 0 {
				h.push(int32(i))
			}
		}
		for len(h.a) > 0 {
			out = append(out, h.pop())
		}
	}
	return out
}

// idHeap is a binary min-heap of indexes into es, by entry id.
type idHeap struct {
	es []*entry.Entry
	a  []int32
}

func (h *idHeap) less(i, j int) bool {
	return bytes.Compare(h.es[h.a[i]].ID[:], h.es[h.a[j]].ID[:]) < 0
}

func (h *idHeap) push(x int32) {
	h.a = append(h.a, x)
	for i := len(h.a) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.a[i], h.a[p] = h.a[p], h.a[i]
		i = p
	}
}

func (h *idHeap) pop() int32 {
	top := h.a[0]
	last := len(h.a) - 1
	h.a[0] = h.a[last]
	h.a = h.a[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && h.less(l, m) {
			m = l
		}
		if r < last && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.a[i], h.a[m] = h.a[m], h.a[i]
		i = m
	}
	return top
}
