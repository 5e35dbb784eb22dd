package mem

import (
	"context"

	"github.com/kithnet/kith/internal/store"
)

var _ store.LogDropper = (*Store)(nil)

// DropLog forgets a log's entries, fork evidence and head; see
// store.LogDropper. Their arrival positions stay taken (cursors are not
// reused) and are skipped by Find.
func (s *Store) DropLog(ctx context.Context, k store.LogKey) (int, int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, 0, store.ErrClosed
	}
	defer s.version.Add(1)
	l := s.logs[k]
	if l == nil {
		return 0, 0, nil
	}
	var size int64
	for _, r := range l.entries {
		size += int64(len(r.e.Raw) + len(r.e.Payload))
		delete(s.byID, r.e.ID)
		r.dropped = true
	}
	n := len(l.entries)
	s.digest = s.digest.Sub(l.head)
	delete(s.logs, k)
	delete(s.forkAt, k)
	kept := s.forks[:0]
	for _, f := range s.forks {
		if f.Log != k {
			kept = append(kept, f)
		}
	}
	s.forks = kept
	return n, size, nil
}
