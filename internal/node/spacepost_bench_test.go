package node

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

func BenchmarkPostToSpace(b *testing.B) {
	s := newSpaceTrioB(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.a.PostToSpace(b.Context(), s.id, "a post of a typical length, about sixty bytes long", entry.ID{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPostPublic(b *testing.B) {
	n := newSpaceNode(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := n.Post(b.Context(), "a post of a typical length, about sixty bytes long", nil, entry.ID{}); err != nil {
			b.Fatal(err)
		}
	}
}
