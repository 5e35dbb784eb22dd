package village

import (
	"bytes"

	"github.com/kithnet/kith/internal/entry"
)

// The village order (village.md §3, "Order"): the reducer applies entries
// in a topological order of the graph whose edges run from an entry to its
// backlink and to each entry it references (Causal.Refs), breaking ties by
// entry id: it repeatedly takes, among the entries whose held predecessors
// have all been taken, the one with the smallest id. A predecessor that is
// not held counts as absent. No timestamp takes part.

// order returns the indexes of es in the village order. refs(i) returns
// the references of es[i] (nil when its payload is missing or invalid).
// es must hold distinct ids; idx maps each id to its index in es.
func order(es []*entry.Entry, idx map[entry.ID]int32, refs func(i int) []entry.ID) []int32 {
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

// Ordered returns the distinct entries of es in the village order: the
// found entry (the one whose id is village) first when present, then the
// others in the order Reduce applies them. Entries whose payload is
// missing or invalid reference nothing but keep their place in their log.
func Ordered(village entry.ID, es []*entry.Entry) []*entry.Entry {
	found, rest, at, _ := distinct(village, es)
	ps := decodeAll(rest)
	var out []*entry.Entry
	if found != nil {
		out = append(out, found)
	}
	for _, i := range order(rest, at, func(i int) []entry.ID { return RefsOf(ps[i].p) }) {
		out = append(out, rest[i])
	}
	return out
}

// decoded is one entry's payload as the reducer reads it.
type decoded struct {
	p   Payload
	err string // why it cannot be applied ("" when p is set)
}

// decodeAll decodes the payloads of es.
func decodeAll(es []*entry.Entry) []decoded {
	out := make([]decoded, len(es))
	for i, e := range es {
		switch {
		case e.Payload == nil:
			out[i].err = "payload missing"
		default:
			p, err := Decode(e.Payload)
			switch {
			case err != nil:
				out[i].err = "invalid payload: " + err.Error()
			case entry.CheckPayload(&e.Header, e.Payload) != nil:
				// Its references are not the ones the entry's id commits to.
				out[i].err = "the payload does not match the entry's header"
			default:
				out[i].p = p
			}
		}
	}
	return out
}

// distinct returns the entry whose id is village (nil if absent), the
// device certificates and revocations outside the village log (certs),
// and the other non-nil entries of es, one of each id, with the index of
// each id in rest. Of two copies of an entry (same id, so same header) it
// keeps one whose payload matches the header, so that the result does not
// depend on the order of es.
func distinct(village entry.ID, es []*entry.Entry) (found *entry.Entry, rest []*entry.Entry, at map[entry.ID]int32, certs []*entry.Entry) {
	at = make(map[entry.ID]int32, len(es))
	rest = make([]*entry.Entry, 0, len(es))
	for _, e := range es {
		switch {
		case e == nil:
		case e.Header.LogID != entry.LogID(village) && e.ID != village && isCert(e):
			certs = append(certs, e)
		case e.ID == village:
			if found == nil || better(e, found) {
				found = e
			}
		default:
			if i, ok := at[e.ID]; ok {
				if better(e, rest[i]) {
					rest[i] = e
				}
				continue
			}
			at[e.ID] = int32(len(rest))
			rest = append(rest, e)
		}
	}
	return found, rest, at, certs
}

// better reports whether copy a of an entry is to be kept rather than b:
// a's payload matches the header and b's does not, or both match or
// neither does and a's payload bytes sort first (nil first).
func better(a, b *entry.Entry) bool {
	am := a.Payload != nil && entry.CheckPayload(&a.Header, a.Payload) == nil
	bm := b.Payload != nil && entry.CheckPayload(&b.Header, b.Payload) == nil
	if am != bm {
		return am
	}
	if (a.Payload == nil) != (b.Payload == nil) {
		return a.Payload == nil
	}
	return bytes.Compare(a.Payload, b.Payload) < 0
}
