package blobsync

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// Run fetches the pending wants in the background until ctx ends. It
// starts a round at once, whenever Want adds blobs or PeerConnected reports
// a peer, when a fetch stream ends, and every Retry interval. A round asks
// every connected peer (one stream per peer, MaxFetching streams at most)
// for the wants that have come due, and a peer that has just connected for
// every want; then it fetches what each peer has. Run returns when ctx has
// ended and its streams are closed. Call it once.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(s.retry)
	defer tick.Stop()
	for {
		s.round(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// round starts a fetch session with every peer that is free and has
// something to be asked.
func (s *Service) round(ctx context.Context, wg *sync.WaitGroup) {
	peers := s.cfg.Peers()
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prunePeersLocked(peers, now)
	if len(s.pending) == 0 {
		return
	}
	due, all := s.candidatesLocked(now)
	asked := false
	for _, p := range peers {
		ps := s.peerLocked(p)
		ids := due
		if ps.fresh {
			ids = all
		}
		if len(ids) == 0 || now.Before(ps.penalty) {
			continue
		}
		select {
		case ps.slot <- struct{}{}:
		default:
			continue // a stream to this peer is busy; it is asked later
		}
		select {
		case s.fetchSlots <- struct{}{}:
		default:
			<-ps.slot
			s.bumpLocked(due, now, asked)
			return // all fetch slots taken; the next round goes on
		}
		ps.users++
		ps.fresh = false
		asked = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.session(ctx, p, ids)
			<-s.fetchSlots
			s.releasePeer(ps)
			s.poke()
		}()
	}
	s.bumpLocked(due, now, asked)
}

// candidatesLocked returns the wants to ask in this round, those not being
// fetched, oldest due first, at most maxAskPerSession of each list: due
// are those whose time has come, all includes the others too (for peers
// that have just connected). s.mu must be held.
func (s *Service) candidatesLocked(now time.Time) (due, all []blob.ID) {
	type cand struct {
		id blob.ID
		at time.Time
	}
	cands := make([]cand, 0, len(s.pending))
	for id, w := range s.pending {
		if _, busy := s.inflight[id]; !busy {
			cands = append(cands, cand{id, w.nextAsk})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return bytes.Compare(a.id[:], b.id[:])
	})
	for _, c := range cands[:min(len(cands), maxAskPerSession)] {
		all = append(all, c.id)
		if !c.at.After(now) {
			due = append(due, c.id)
		}
	}
	return due, all
}

// bumpLocked postpones the due wants after a round that asked them of at
// least one peer: the wait doubles each time, up to maxBackoff retry
// intervals. s.mu must be held.
func (s *Service) bumpLocked(due []blob.ID, now time.Time, asked bool) {
	if !asked {
		return
	}
	for _, id := range due {
		if w := s.pending[id]; w != nil {
			w.nextAsk = now.Add(w.backoff)
			w.backoff = min(2*w.backoff, maxBackoff*s.retry)
		}
	}
}

// session asks peer which of ids it has, over one stream, and fetches
// those that are still wanted and not being fetched over another stream.
func (s *Service) session(ctx context.Context, peer identity.PublicKey, ids []blob.ID) {
	q, err := s.dial(ctx, peer)
	if err != nil {
		s.log.Debug("cannot ask a peer for blobs", "peer", peer.Device().String(), "err", err)
		return
	}
	broken := true
	defer func() { q.close(broken) }()
	for len(ids) > 0 {
		batch := ids[:min(len(ids), MaxQueryIDs)]
		ids = ids[len(batch):]
		sizes, err := q.query(batch)
		if err != nil {
			s.failedWith(peer, err)
			return
		}
		for i, id := range batch {
			if sizes[i] == absent {
				continue
			}
			if ctx.Err() != nil {
				return
			}
			done := s.claim(id)
			if done == nil {
				continue
			}
			keep, err := s.fetchClaimed(q, id)
			s.release(id, done, err)
			if !keep {
				return
			}
		}
	}
	broken = false
}

// claim marks a pending want as being fetched. It returns nil if the blob
// is no longer wanted or is being fetched already.
func (s *Service) claim(id blob.ID) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, busy := s.inflight[id]; busy || s.pending[id] == nil {
		return nil
	}
	done := make(chan struct{})
	s.inflight[id] = done
	return done
}

// fetchClaimed fetches a claimed want over q, unless the blob has reached
// the store meanwhile (another peer, an import).
func (s *Service) fetchClaimed(q *requester, id blob.ID) (keep bool, err error) {
	if has, _, err := s.cfg.Blobs.Has(id); err == nil && has {
		s.mu.Lock()
		delete(s.pending, id)
		s.mu.Unlock()
		return true, nil
	}
	return s.transfer(q, id)
}
