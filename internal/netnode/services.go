package netnode

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// ServicesOffer returns what this host offers remote (doc/protocol/
// services.md). It runs in a goroutine of its own and may take a while
// (look up the peer's account, say); ctx ends with the host.
type ServicesOffer func(ctx context.Context, remote identity.PublicKey) services.Announcement

// servicesTimeout bounds one announcement, sent or read. A variable only
// so that tests can shorten it.
var servicesTimeout = 10 * time.Second

// serviceBook holds what connected peers announced and what this host
// offers.
type serviceBook struct {
	mu    sync.Mutex
	offer ServicesOffer                                // nil: nothing
	peers map[identity.PublicKey]services.Announcement // latest of each connected peer
}

// startServices registers the announcement's handler and announces to
// every peer that connects.
func (h *Host) startServices() {
	h.services = &serviceBook{peers: make(map[identity.PublicKey]services.Announcement)}
	h.host.SetStreamHandler(protocol.ID(services.Protocol), h.readServices)
	h.Subscribe(func(ev Event) {
		switch ev.Kind {
		case Connected:
			h.spawn(func() { h.announceServices(ev.Peer) })
		case Disconnected:
			h.services.mu.Lock()
			delete(h.services.peers, ev.Peer)
			h.services.mu.Unlock()
		}
	})
}

// OfferServices sets what this host offers each peer (nil: nothing) and
// announces it again to every connected peer.
func (h *Host) OfferServices(offer ServicesOffer) {
	h.services.mu.Lock()
	h.services.offer = offer
	h.services.mu.Unlock()
	for _, p := range h.Peers() {
		h.AnnounceServices(p.Key)
	}
}

// AnnounceServices announces again to remote, if connected, what this
// host offers it: for when the offer changed (the peer's account became
// known, say).
func (h *Host) AnnounceServices(remote identity.PublicKey) {
	h.spawn(func() { h.announceServices(remote) })
}

// PeerServices returns what remote announced it offers this host, and
// whether it announced anything since it connected.
func (h *Host) PeerServices(remote identity.PublicKey) (services.Announcement, bool) {
	h.services.mu.Lock()
	defer h.services.mu.Unlock()
	a, ok := h.services.peers[remote]
	return a, ok
}

// announceServices writes this host's offer to remote on a new stream. It
// never dials: the peer may have gone.
func (h *Host) announceServices(remote identity.PublicKey) {
	id, err := peerIDOf(remote)
	if err != nil {
		return
	}
	h.services.mu.Lock()
	offer := h.services.offer
	h.services.mu.Unlock()
	ctx, cancel := context.WithTimeout(h.ctx, servicesTimeout)
	defer cancel()
	var a services.Announcement
	if offer != nil {
		a = offer(ctx, remote)
	}
	ctx = network.WithNoDial(ctx, "announce services")
	ctx = network.WithAllowLimitedConn(ctx, "announce services")
	s, err := h.host.NewStream(ctx, id, protocol.ID(services.Protocol))
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Debug("announcing services", "peer", remote.Device().String(), "err", err)
		}
		return
	}
	_ = s.SetDeadline(time.Now().Add(servicesTimeout))
	if err := services.Write(s, a); err != nil {
		_ = s.Reset()
		h.log.Debug("announcing services", "peer", remote.Device().String(), "err", err)
		return
	}
	_ = s.Close()
}

// readServices reads a peer's announcement and keeps it while the peer is
// connected. A malformed one is a breach (penalised); another version is
// dropped; a stream that breaks changes nothing.
func (h *Host) readServices(s network.Stream) {
	remote, err := keyOf(s.Conn().RemotePeer())
	if err != nil {
		_ = s.Reset()
		return
	}
	if _, refused := h.penalties.refusedUntil(remote); refused {
		_ = s.Reset()
		return
	}
	_ = s.SetDeadline(time.Now().Add(servicesTimeout))
	a, err := services.Read(s)
	var ne net.Error
	switch {
	case errors.Is(err, services.ErrMalformed):
		_ = s.Reset()
		h.Penalize(remote, fmt.Sprintf("services: %v", err))
		return
	case errors.As(err, &ne) && ne.Timeout():
		// A kith node writes its announcement at once; a stream held
		// open without it would count as a busy kith stream (admit.go)
		// for as long as the deadline allows.
		_ = s.Reset()
		h.Penalize(remote, fmt.Sprintf("services: no announcement within %v", servicesTimeout))
		return
	case err != nil:
		_ = s.Reset()
		h.log.Debug("a peer's services announcement", "peer", remote.Device().String(), "err", err)
		return
	}
	_ = s.Close()
	if h.host.Network().Connectedness(s.Conn().RemotePeer()) == network.NotConnected {
		return // gone meanwhile: nothing to keep
	}
	h.services.mu.Lock()
	h.services.peers[remote] = a
	h.services.mu.Unlock()
}
