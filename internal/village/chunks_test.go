package village

import "testing"

func TestChunks(t *testing.T) {
	var l chunks[int]
	const n = 3*chunkSmall + 17
	for i := range n {
		if p := l.add(i); p != i {
			t.Fatalf("add(%d) at %d", i, p)
		}
	}
	if l.len() != n {
		t.Fatalf("len %d, want %d", l.len(), n)
	}
	for i := range n {
		if *l.at(i) != i {
			t.Fatalf("at(%d) = %d", i, *l.at(i))
		}
	}
	for c, x := range l.cs {
		if want := min(chunkFirst<<c, chunkMax); len(x) != want {
			t.Fatalf("chunk %d has %d elements, want %d", c, len(x), want)
		}
	}
}
