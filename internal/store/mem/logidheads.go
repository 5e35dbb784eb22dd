package mem

import (
	"bytes"
	"context"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

var _ store.LogIDHeads = (*Store)(nil)

// HeadsWithLogID returns the heads of the logs of log id id, ordered by
// author.
func (s *Store) HeadsWithLogID(ctx context.Context, id entry.LogID) ([]store.Head, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	hs := []store.Head{}
	for k, l := range s.logs {
		if k.LogID == id {
			hs = append(hs, l.head)
		}
	}
	slices.SortFunc(hs, func(a, b store.Head) int { return bytes.Compare(a.Log.Author[:], b.Log.Author[:]) })
	return hs, nil
}
