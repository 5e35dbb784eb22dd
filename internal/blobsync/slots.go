package blobsync

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// servers tracks the streams and transfers Serve is answering, so that
// every peer gets a fair share of them (doc/protocol/blobsync.md,
// "Sharing the responder"): at most MaxStreamsPerPeer streams and
// MaxServingPerPeer transfers per peer, MaxServing transfers in all, and
// a transfer slower than MinServeRate gives its slot up to a new GET when
// every slot is taken.
type servers struct {
	mu        sync.Mutex
	transfers map[*transfer]struct{}
	byPeer    map[identity.PublicKey]*peerServed
	// gaveWay: until when a peer whose transfer gave its slot up as slow
	// may take no slot from another (at most maxGaveWay peers).
	gaveWay map[identity.PublicKey]time.Time
}

// GaveWayBar is how long a peer whose transfer gave its slot up as slow
// takes no slot from another peer (it may still take a free one): slow
// readers that each lose their slot cannot take the next one that ages
// past the grace, which would keep every transfer young and a waiting
// peer out (doc/protocol/blobsync.md, "Sharing the responder").
const GaveWayBar = 60 * time.Second

// maxGaveWay bounds servers.gaveWay; beyond it a slow peer is not barred.
const maxGaveWay = 4096

// peerServed counts what one peer is being served.
type peerServed struct {
	streams, transfers int
}

// transfer is one GET being answered.
type transfer struct {
	peer  identity.PublicKey
	start time.Time
	sent  atomic.Int64 // bytes of the blob sent so far
	g     *guardedStream
}

// errPreempted ends a transfer whose slot went to another GET.
var errPreempted = errors.New("the transfer was slower than the minimum rate while every slot was wanted, and gave its slot up")

func newServers() *servers {
	return &servers{transfers: map[*transfer]struct{}{}, byPeer: map[identity.PublicKey]*peerServed{}, gaveWay: map[identity.PublicKey]time.Time{}}
}

// openStream counts a stream from peer; it reports false, counting
// nothing, when MaxStreamsPerPeer are open from peer already.
func (s *servers) openStream(peer identity.PublicKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byPeer[peer]
	if p == nil {
		p = &peerServed{}
		s.byPeer[peer] = p
	}
	if p.streams >= MaxStreamsPerPeer {
		return false
	}
	p.streams++
	return true
}

// closeStream ends what openStream counted.
func (s *servers) closeStream(peer identity.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byPeer[peer]
	p.streams--
	if p.streams == 0 && p.transfers == 0 {
		delete(s.byPeer, peer)
	}
}

// busyError is a GET refused for want of a slot.
type busyError struct{ text string }

func (e *busyError) Error() string { return e.text }

// errAskFavour is start's answer when it needs to know whether the node
// favours the peer: ask (without holding s.mu) and call again.
var errAskFavour = errors.New("whether the node favours the peer is needed")

// start takes a slot for a transfer to peer over g. A peer the node does
// not favour (*favoured false) may take a slot only while fewer than
// MaxServing − ReservedServing transfers are in progress; when that
// matters and favoured is nil, start returns errAskFavour. When no slot
// is left and peer holds none, a transfer of a peer holding two (its
// youngest) is aborted and its slot given to this one; failing that, the
// slowest transfer of those older than grace that average less than
// minRate bytes a second. A peer that holds a slot already waits. The error is a *busyError when no slot can be had. victim is the
// transfer aborted, if any.
func (s *servers) start(peer identity.PublicKey, g *guardedStream, favoured *bool, minRate int64, grace time.Duration) (t, victim *transfer, err error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byPeer[peer]
	if p.transfers >= MaxServingPerPeer {
		return nil, nil, &busyError{fmt.Sprintf("busy: %d transfers in progress for you; finish one first", MaxServingPerPeer)}
	}
	limit := MaxServing
	if len(s.transfers) >= MaxServing-ReservedServing {
		if favoured == nil {
			return nil, nil, errAskFavour
		}
		if !*favoured {
			limit = MaxServing - ReservedServing
		}
	}
	if n := len(s.transfers); n >= limit {
		// Only a peer holding no slot may take one from another: peers
		// that hold one wait for it, so they cannot keep the transfers
		// young by taking each other's slots in turn.
		if n == limit && p.transfers == 0 && !s.barredLocked(peer, now) {
			victim = s.fairShareLocked()
			if victim == nil {
				if victim = s.slowestLocked(now, minRate, grace); victim != nil {
					s.barLocked(victim.peer, now)
				}
			}
		}
		if victim == nil {
			return nil, nil, &busyError{fmt.Sprintf("busy: %d transfers in progress; try later", n)}
		}
		s.endLocked(victim)
		victim.g.abortWith(errPreempted)
	}
	t = &transfer{peer: peer, start: now, g: g}
	s.transfers[t] = struct{}{}
	p.transfers++
	return t, victim, nil
}

// barredLocked reports whether peer's transfer gave way as slow less than
// GaveWayBar ago. s.mu must be held.
func (s *servers) barredLocked(peer identity.PublicKey, now time.Time) bool {
	until, ok := s.gaveWay[peer]
	if ok && !now.Before(until) {
		delete(s.gaveWay, peer)
		return false
	}
	return ok
}

// barLocked bars peer, whose transfer gives way as slow, from taking
// another's slot for GaveWayBar. s.mu must be held.
func (s *servers) barLocked(peer identity.PublicKey, now time.Time) {
	if len(s.gaveWay) >= maxGaveWay {
		for k, until := range s.gaveWay {
			if !now.Before(until) {
				delete(s.gaveWay, k)
			}
		}
		if len(s.gaveWay) >= maxGaveWay {
			return
		}
	}
	s.gaveWay[peer] = now.Add(GaveWayBar)
}

// fairShareLocked picks, for a peer holding no slot, the youngest transfer
// of the peer holding the most slots when that peer holds more than one
// (every peer gets one slot before any gets two), or nil. s.mu must be
// held.
func (s *servers) fairShareLocked() *transfer {
	var best *transfer
	for t := range s.transfers {
		held := s.byPeer[t.peer].transfers
		if held < 2 {
			continue
		}
		if best == nil {
			best = t
			continue
		}
		bestHeld := s.byPeer[best.peer].transfers
		if held > bestHeld || held == bestHeld && t.start.After(best.start) {
			best = t
		}
	}
	return best
}

// slowestLocked picks the transfer to preempt, or nil. s.mu must be held.
func (s *servers) slowestLocked(now time.Time, minRate int64, grace time.Duration) *transfer {
	var best *transfer
	var bestRate float64
	for t := range s.transfers {
		elapsed := now.Sub(t.start)
		if elapsed < grace {
			continue
		}
		rate := float64(t.sent.Load()) / elapsed.Seconds()
		if rate >= float64(minRate) {
			continue
		}
		if best == nil {
			best, bestRate = t, rate
			continue
		}
		held, bestHeld := s.byPeer[t.peer].transfers, s.byPeer[best.peer].transfers
		if held > bestHeld || (held == bestHeld && rate < bestRate) {
			best, bestRate = t, rate
		}
	}
	return best
}

// end frees t's slot, unless it was preempted (and freed) already.
func (s *servers) end(t *transfer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(t)
}

func (s *servers) endLocked(t *transfer) {
	if _, ok := s.transfers[t]; !ok {
		return
	}
	delete(s.transfers, t)
	p := s.byPeer[t.peer]
	p.transfers--
	if p.streams == 0 && p.transfers == 0 {
		delete(s.byPeer, t.peer)
	}
}
