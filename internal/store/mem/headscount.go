package mem

import (
	"context"

	"github.com/kithnet/kith/internal/store"
)

var _ store.HeadsCounter = (*Store)(nil)

// CountHeads counts the heads Heads lists and sums their seqs, without
// copying or sorting them.
func (s *Store) CountHeads(ctx context.Context) (logs, entries uint64, err error) {
	if err := s.rlock(ctx); err != nil {
		return 0, 0, err
	}
	defer s.mu.RUnlock()
	for _, l := range s.logs { // as Heads lists them
		entries += l.head.Seq
	}
	return uint64(len(s.logs)), entries, nil
}
