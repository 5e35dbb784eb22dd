package festival

import (
	"slices"
	"sort"
)

// holdList is a list of holds that never overlap, by start, kept in chunks
// of at most chunkMax so that adding or removing one moves at most that
// many: holds arrive in the causal order, not by time, and a peer can make
// many.
type holdList struct {
	chunks [][]Hold
	n      int
}

const chunkMax = 256

// locate returns the chunk and index of the first hold that ends after t
// (len(chunks), 0 when none does). Holds never overlap, so their ends are
// sorted as their starts are.
func (l *holdList) locate(t uint64) (c, i int) {
	c = sort.Search(len(l.chunks), func(k int) bool {
		ch := l.chunks[k]
		return ch[len(ch)-1].Window.End > t
	})
	if c < len(l.chunks) {
		i = sort.Search(len(l.chunks[c]), func(k int) bool { return l.chunks[c][k].Window.End > t })
	}
	return c, i
}

// insert adds h, which overlaps no hold of the list.
func (l *holdList) insert(h Hold) {
	l.n++
	if len(l.chunks) == 0 {
		l.chunks = [][]Hold{{h}}
		return
	}
	c, i := l.locate(h.Window.Start)
	if c == len(l.chunks) {
		c = len(l.chunks) - 1
		i = len(l.chunks[c])
	}
	ch := slices.Insert(l.chunks[c], i, h)
	if len(ch) > chunkMax {
		right := slices.Clone(ch[len(ch)/2:])
		ch = ch[: len(ch)/2 : len(ch)/2]
		l.chunks = slices.Insert(l.chunks, c+1, right)
	}
	l.chunks[c] = ch
}

// remove removes the hold of request k for window w, if held.
func (l *holdList) remove(k RequestKey, w Window) {
	c, i := l.locate(w.Start)
	if c == len(l.chunks) || l.chunks[c][i].Request != k {
		return
	}
	l.n--
	if l.chunks[c] = slices.Delete(l.chunks[c], i, i+1); len(l.chunks[c]) == 0 {
		l.chunks = slices.Delete(l.chunks, c, c+1)
	}
}

// overlapping returns the holds that overlap w, by start.
func (l *holdList) overlapping(w Window) []Hold {
	var out []Hold
	c, i := l.locate(w.Start)
	for ; c < len(l.chunks); c, i = c+1, 0 {
		for _, h := range l.chunks[c][i:] {
			if h.Window.Start >= w.End {
				return out
			}
			out = append(out, h)
		}
	}
	return out
}

// all returns every hold, by start.
func (l *holdList) all() []Hold {
	out := make([]Hold, 0, l.n)
	for _, ch := range l.chunks {
		out = append(out, ch...)
	}
	return out
}
