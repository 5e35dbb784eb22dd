package blobsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// FetchError says why Fetch did not get a blob: which peers were asked, and
// why each did not deliver.
type FetchError struct {
	ID       blob.ID
	Attempts []Attempt // one per connected peer, in the order asked
}

// Attempt is one peer asked for a blob and why it did not deliver it.
type Attempt struct {
	Peer identity.PublicKey
	Err  error
}

func (e *FetchError) Error() string {
	if len(e.Attempts) == 0 {
		return fmt.Sprintf("blob %s: not fetched: no peer is connected", e.ID)
	}
	var b strings.Builder
	peers := "peers"
	if len(e.Attempts) == 1 {
		peers = "peer"
	}
	fmt.Fprintf(&b, "blob %s: not fetched, asked %d %s: ", e.ID, len(e.Attempts), peers)
	for i, a := range e.Attempts {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %v", a.Peer.Device(), a.Err)
	}
	return b.String()
}

// Unwrap returns the error of every attempt, for errors.Is and errors.As.
func (e *FetchError) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a.Err
	}
	return errs
}

// errPenalised is the attempt error for a peer skipped for misbehaviour.
var errPenalised = errors.New("not asked: it misbehaved recently")

// Fetch gets blob id from the connected peers, asking them one after the
// other until one delivers. It returns nil when the blob is stored (or was
// already), the *blob.RefusedError when a check refused it (now or
// earlier), and otherwise a *FetchError naming every peer asked and why it
// failed. When the blob is being fetched already, Fetch waits for that
// first.
func (s *Service) Fetch(ctx context.Context, id blob.ID) error {
	return s.fetch(ctx, id, s.cfg.Peers, noLimit)
}

// fetch is Fetch from the peers that peers returns once no other fetch of
// id is in progress, for a blob of at most limit bytes.
func (s *Service) fetch(ctx context.Context, id blob.ID, peers func() []identity.PublicKey, limit int64) error {
	for {
		if has, _, err := s.cfg.Blobs.Has(id); err != nil {
			return err
		} else if has {
			return nil
		}
		s.mu.Lock()
		refused := s.refused[id]
		busy, inflight := s.inflight[id]
		var done chan struct{}
		if refused == nil && !inflight {
			done = make(chan struct{})
			s.inflight[id] = done
		}
		s.mu.Unlock()
		if refused != nil {
			return refused
		}
		if inflight {
			select {
			case <-busy:
				continue
			case <-ctx.Done():
				return fmt.Errorf("blob %s: waiting for the fetch in progress: %w", id, context.Cause(ctx))
			}
		}
		err := s.fetchFromPeers(ctx, id, peers(), limit)
		s.release(id, done, err)
		return err
	}
}

// fetchFromPeers asks each of peers in turn for blob id.
func (s *Service) fetchFromPeers(ctx context.Context, id blob.ID, peers []identity.PublicKey, limit int64) error {
	fe := &FetchError{ID: id}
	for _, p := range peers {
		if err := ctx.Err(); err != nil {
			fe.Attempts = append(fe.Attempts, Attempt{Peer: p, Err: fmt.Errorf("not asked: %w", context.Cause(ctx))})
			continue
		}
		err := s.fetchFrom(ctx, p, id, limit)
		var refused *blob.RefusedError
		if err == nil || errors.As(err, &refused) {
			return err
		}
		fe.Attempts = append(fe.Attempts, Attempt{Peer: p, Err: err})
	}
	return fe
}

// transfer fetches blob id, which the peer announced on q, and records the
// outcome. keep says whether q can carry further requests.
func (s *Service) transfer(q *requester, id blob.ID) (keep bool, err error) {
	size := q.announced[id]
	if limit := s.cfg.Blobs.MaxSize(); size > limit {
		s.failed.Add(1)
		return true, fmt.Errorf("not downloaded: %w", &blob.TooLargeError{Limit: limit, Size: size})
	}
	err = q.get(id, s.cfg.Blobs, s.cfg.Checks)
	var refused *blob.RefusedError
	switch {
	case err == nil:
		s.stored(id, q.peer)
		return true, nil
	case errors.As(err, &refused):
		s.refuse(id, q.peer, refused)
		return true, refused
	case errors.Is(err, errLacks):
		s.failed.Add(1)
		return true, err
	}
	s.failed.Add(1)
	s.failedWith(q.peer, err)
	return false, err
}

// failedWith handles a request to peer that failed: misbehaviour is
// reported, anything else is logged.
func (s *Service) failedWith(peer identity.PublicKey, err error) {
	if errors.Is(err, ErrProtocol) || errors.Is(err, blob.ErrHashMismatch) {
		s.misbehaved(peer, err)
		return
	}
	var pe *PeerError
	if errors.As(err, &pe) && (pe.Code == codeViolation || pe.Code == codeTooMany) {
		s.log.Warn("a peer says we broke the blob protocol (a bug on one side)", "peer", peer.Device().String(), "err", err)
		return
	}
	s.log.Debug("blob request failed", "peer", peer.Device().String(), "err", err)
}

// acquirePeer waits until we may open a fetch stream to peer.
func (s *Service) acquirePeer(ctx context.Context, peer identity.PublicKey) (*peerState, error) {
	s.mu.Lock()
	ps := s.peerLocked(peer)
	ps.users++
	s.mu.Unlock()
	select {
	case ps.slot <- struct{}{}:
		return ps, nil
	case <-ctx.Done():
		s.mu.Lock()
		ps.users--
		s.mu.Unlock()
		return nil, fmt.Errorf("waiting for the stream in progress to this peer: %w", context.Cause(ctx))
	}
}

// releasePeer ends what acquirePeer (or a round) started.
func (s *Service) releasePeer(ps *peerState) {
	<-ps.slot
	s.mu.Lock()
	ps.users--
	s.mu.Unlock()
}

// release ends the claim on blob id that Fetch or a session took; after a
// failure a pending want is asked again after one retry interval.
func (s *Service) release(id blob.ID, done chan struct{}, err error) {
	s.mu.Lock()
	delete(s.inflight, id)
	if w := s.pending[id]; w != nil && err != nil {
		w.nextAsk = time.Now().Add(s.retry)
	}
	s.mu.Unlock()
	close(done)
}
