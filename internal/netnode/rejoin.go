package netnode

import (
	"context"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
)

// A wanted peer (Want: the devices of the node's own and followed
// accounts) that disconnects is redialled at once, with a back-off, a few
// times: a device that restarts, or whose address changed, is back within
// seconds instead of at the node's next discovery round (30 s). Kept peers
// have their own loop (keep.go) and are left to it. The redials are
// bounded: rejoinAttempts per disconnect, for at most maxRejoins peers at
// once; after that the node's discovery finds the peer.
var (
	rejoinFirst    = 250 * time.Millisecond // the first redial's delay; doubles with each
	rejoinAttempts = 8                      // 0.25 s to 32 s: about a minute, two discovery rounds
)

const (
	maxRejoins    = 256              // peers being redialled at once
	rejoinTimeout = 10 * time.Second // one redial, DHT lookup included
)

// rejoiner redials wanted peers that disconnected.
type rejoiner struct {
	h      *Host
	mu     sync.Mutex
	active map[identity.PublicKey]bool // peers being redialled; guarded by mu
}

func newRejoiner(h *Host) *rejoiner {
	return &rejoiner{h: h, active: make(map[identity.PublicKey]bool)}
}

// event starts redialling a wanted, not kept, peer that disconnected.
func (r *rejoiner) event(ev Event) {
	if ev.Kind != Disconnected || r.h.keeper.keeps(ev.Peer) || !r.h.Wants(ev.Peer) {
		return
	}
	id, err := peerIDOf(ev.Peer)
	if err != nil {
		return
	}
	addrs := addrStrings(r.h.host.Peerstore().Addrs(id))
	r.mu.Lock()
	if r.active[ev.Peer] || len(r.active) >= maxRejoins {
		r.mu.Unlock()
		return
	}
	r.active[ev.Peer] = true
	r.mu.Unlock()
	if !r.h.spawn(func() { r.run(ev.Peer, addrs) }) {
		r.done(ev.Peer)
	}
}

// run redials key until it is connected, no longer wanted, refused, or
// rejoinAttempts redials failed.
func (r *rejoiner) run(key identity.PublicKey, addrs []string) {
	defer r.done(key)
	h := r.h
	id, err := peerIDOf(key)
	if err != nil {
		return
	}
	delay := rejoinFirst
	for i := 0; i < rejoinAttempts; i++ {
		wait(h.ctx, nil, jitter(delay))
		delay *= 2
		if h.ctx.Err() != nil || !h.Wants(key) || h.keeper.keeps(key) {
			return
		}
		if h.host.Network().Connectedness(id) == network.Connected {
			return
		}
		if _, refused := h.penalties.refusedUntil(key); refused {
			return
		}
		ctx, cancel := context.WithTimeout(h.ctx, rejoinTimeout)
		_, err := h.connectKey(ctx, key, addrs)
		cancel()
		if err == nil {
			h.log.Debug("redialled a wanted peer that disconnected", "peer", key.Device().String(), "attempt", i+1)
			return
		}
		h.log.Debug("redial of a wanted peer that disconnected failed", "peer", key.Device().String(), "attempt", i+1, "err", err)
	}
}

func (r *rejoiner) done(key identity.PublicKey) {
	r.mu.Lock()
	delete(r.active, key)
	r.mu.Unlock()
}

// rejoining reports how many peers are being redialled.
func (r *rejoiner) rejoining() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}
