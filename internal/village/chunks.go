package village

import "math/bits"

// chunks is an append-only list stored in chunks of 16, 32, … 4096
// elements, then 4096 each: growing it copies nothing and leaves at most
// one partly used chunk, where a slice grown by append allocates about
// four times its final size over its growth and briefly holds two copies.
// Elements are addressed by their position.
type chunks[T any] struct {
	cs [][]T
	n  int
}

const (
	chunkFirst = 16
	chunkMax   = 4096
	// chunkSmall is the number of elements in the doubling chunks
	// (16 + 32 + … + 4096).
	chunkSmall = chunkFirst * (chunkMax/chunkFirst*2 - 1)
)

// chunkOf returns the chunk and offset of position i.
func chunkOf(i int) (c, off int) {
	if i < chunkSmall {
		c = bits.Len(uint(i/chunkFirst+1)) - 1
		return c, i - chunkFirst*(1<<c-1)
	}
	i -= chunkSmall
	return bits.Len(chunkMax/chunkFirst) + i/chunkMax, i % chunkMax
}

// add appends x and returns its position.
func (l *chunks[T]) add(x T) int {
	c, off := chunkOf(l.n)
	if c == len(l.cs) {
		l.cs = append(l.cs, make([]T, min(chunkFirst<<c, chunkMax)))
	}
	l.cs[c][off] = x
	l.n++
	return l.n - 1
}

// at returns the element at position i.
func (l *chunks[T]) at(i int) *T {
	c, off := chunkOf(i)
	return &l.cs[c][off]
}

// len returns the number of elements.
func (l *chunks[T]) len() int { return l.n }
