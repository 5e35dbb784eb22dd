package netnode

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// mdnsDialTimeout bounds a dial to a peer found on the LAN.
const mdnsDialTimeout = 15 * time.Second

// mdnsNotifee dials the kith peers that mDNS finds on the LAN.
type mdnsNotifee struct {
	h *Host
}

// HandlePeerFound dials a peer announced on the LAN unless it is this
// host, not an Ed25519 key, refused, or connected already.
func (n *mdnsNotifee) HandlePeerFound(info peer.AddrInfo) {
	h := n.h
	key, err := keyOf(info.ID)
	if err != nil || key == h.self {
		return
	}
	if _, refused := h.penalties.refusedUntil(key); refused {
		return
	}
	if h.host.Network().Connectedness(info.ID) == network.Connected {
		return
	}
	h.spawn(func() {
		ctx, cancel := context.WithTimeout(h.ctx, mdnsDialTimeout)
		defer cancel()
		if _, err := h.connectKey(ctx, key, addrStrings(info.Addrs)); err != nil && h.ctx.Err() == nil {
			h.log.Debug("dialling a peer found on the LAN", "peer", info.ID.String(), "err", err)
		}
	})
}
