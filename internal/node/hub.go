package node

import (
	"context"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// hubAllowTimeout bounds the look-up of a peer's account when it asks the
// hub's relay for a slot.
const hubAllowTimeout = 20 * time.Second

// hubServes reports whether this node, a hub, serves the device peer: its
// account is served (Serve = "accounts"), it is a local of a village the
// node takes part in ("locals"), or anyone ("everyone"). Blocked peers
// are never served. It may exchange certificates with the peer.
func (n *Node) hubServes(ctx context.Context, peer identity.PublicKey) bool {
	nw := n.net.Load()
	if nw == nil {
		return false
	}
	hub := nw.cfg.Hub
	if !hub.On {
		return false
	}
	switch hub.Serve {
	case HubServeEveryone:
		return !nw.scope.Blocked(peer)
	case HubServeLocals:
		return slices.Contains(nw.scope.VillageLocals(), peer)
	case HubServeAccounts:
		served, err := hub.accounts()
		if err != nil {
			return false
		}
		account, err := n.peerAccount(ctx, nw, peer)
		return err == nil && served[account]
	}
	return false
}

// relayAllow is the relay service's RelayAllow.
func (n *Node) relayAllow(peer identity.PublicKey) bool {
	ctx, cancel := context.WithTimeout(context.Background(), hubAllowTimeout)
	defer cancel()
	return n.hubServes(ctx, peer)
}

// offerServices is what this node announces to peer
// (doc/protocol/services.md): hubAnnouncement, when it is a hub serving
// the peer, else nothing.
func (n *Node) offerServices(ctx context.Context, peer identity.PublicKey) services.Announcement {
	nw := n.net.Load()
	if nw == nil || !nw.cfg.Hub.On || !n.hubServes(ctx, peer) {
		return services.Announcement{}
	}
	return hubAnnouncement(nw.cfg.Hub)
}

// hubAnnouncement is what a hub with config h announces to the peers it
// serves: the relay, head tracking, presence and the dropbox, and data
// leases when h.Lease.
func hubAnnouncement(h HubConfig) services.Announcement {
	a := services.Announcement{Services: []services.Service{h.relayLimits().Service(), h.headsService(), presenceService(), h.Dropbox.service()}}
	if h.Lease {
		a.Services = append(a.Services, h.leaseService())
	}
	return a
}

// peerServices returns what peer announced it offers this node: nil
// until it announced, empty if nothing.
func (n *Node) peerServices(peer identity.PublicKey) []services.Service {
	nw := n.net.Load()
	if nw == nil {
		return nil
	}
	a, ok := nw.host.PeerServices(peer)
	if !ok {
		return nil
	}
	if a.Services == nil {
		return []services.Service{}
	}
	return a.Services
}
