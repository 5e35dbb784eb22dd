package mem

import (
	"bytes"
	"context"
	"slices"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

var _ store.AuthorHeads = (*Store)(nil)

// HeadsOf returns the heads of author's logs, ordered by log id.
func (s *Store) HeadsOf(ctx context.Context, author identity.PublicKey) ([]store.Head, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	hs := []store.Head{}
	for k, l := range s.logs {
		if k.Author == author {
			hs = append(hs, l.head)
		}
	}
	slices.SortFunc(hs, func(a, b store.Head) int { return bytes.Compare(a.Log.LogID[:], b.Log.LogID[:]) })
	return hs, nil
}
