package blobsync

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// FetchWithin is Fetch from the given peers only (connected or not: Open
// may connect), in order, for a blob of at most limit bytes: a peer that
// announces it larger is not asked for its bytes, and the attempt fails
// with a *blob.TooLargeError naming limit. It is how a node fetches, when
// someone opens it, a file it does not fetch by itself (village.md §6: an
// unlisted stranger's attachment), within a byte budget. nil when the blob
// is stored (or was already).
func (s *Service) FetchWithin(ctx context.Context, id blob.ID, peers []identity.PublicKey, limit int64) error {
	return s.fetch(ctx, id, func() []identity.PublicKey { return peers }, limit)
}

// noLimit is fetchFrom's limit when the blob store's own is the only one.
const noLimit = math.MaxInt64

// fetchFrom asks peer for blob id over a stream of its own, and fetches it
// if the peer has it and announces a size within limit (checked before the
// transfer; the blob store's own limit applies too).
func (s *Service) fetchFrom(ctx context.Context, peer identity.PublicKey, id blob.ID, limit int64) error {
	s.mu.Lock()
	penalised := time.Now().Before(s.peerLocked(peer).penalty)
	s.mu.Unlock()
	if penalised {
		return errPenalised
	}
	ps, err := s.acquirePeer(ctx, peer)
	if err != nil {
		return err
	}
	defer s.releasePeer(ps)
	select {
	case s.fetchSlots <- struct{}{}:
		defer func() { <-s.fetchSlots }()
	case <-ctx.Done():
		return fmt.Errorf("waiting for a free fetch slot: %w", context.Cause(ctx))
	}
	q, err := s.dial(ctx, peer)
	if err != nil {
		return err
	}
	sizes, err := q.query([]blob.ID{id})
	if err != nil {
		q.close(true)
		s.failedWith(peer, err)
		return err
	}
	switch {
	case sizes[0] == absent:
		q.close(false)
		return errLacks
	case sizes[0] > limit:
		q.close(false)
		s.failed.Add(1)
		return fmt.Errorf("not downloaded: %w", &blob.TooLargeError{Limit: limit, Size: sizes[0]})
	}
	keep, err := s.transfer(q, id)
	q.close(!keep)
	return err
}
