package mem

import (
	"bytes"
	"context"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

var (
	_ store.HeadsDigester = (*Store)(nil)
	_ store.LogIDHeads    = (*Store)(nil)
)

// HeadsDigest returns the digest of every head, kept with every write that
// moves a head (apply, dropRevoked, DropLog).
func (s *Store) HeadsDigest(ctx context.Context) (store.HeadsDigest, error) {
	if err := s.rlock(ctx); err != nil {
		return store.HeadsDigest{}, err
	}
	defer s.mu.RUnlock()
	return s.digest, nil
}

// HeadsWithLogID returns the heads of the logs of one log id, ordered by
// author.
func (s *Store) HeadsWithLogID(ctx context.Context, id entry.LogID) ([]store.Head, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	hs := []store.Head{}
	for k, l := range s.logs {
		if k.LogID == id && l.head.Seq > 0 {
			hs = append(hs, l.head)
		}
	}
	slices.SortFunc(hs, func(a, b store.Head) int { return bytes.Compare(a.Log.Author[:], b.Log.Author[:]) })
	return hs, nil
}
