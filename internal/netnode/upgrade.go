package netnode

import (
	"context"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// A peer connected only through a relay is dialled directly, at the
// addresses it announced (identify), among them the address its hub sees
// it at: behind a NAT that lets such a dial in (a forwarded port, a
// full-cone mapping) the two nodes then talk directly and the relayed
// connection is closed, sparing the hub. A peer that speaks
// PunchProtocol is not dialled plainly, unless it never starts a punch
// (it has no address to send): one side (punchRole) coordinates
// simultaneous dials with it over the relayed connection instead
// (holepunch.go), which also gets through NATs that let in only answers to
// what went out (port-restricted), where both keep the port.
var upgradeDelays = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}

// upgradeTimeout bounds one direct dial.
const upgradeTimeout = 15 * time.Second

// upgradeEvent starts the upgrade of a peer that connected through a
// relay only.
func (h *Host) upgradeEvent(ev Event) {
	if ev.Kind != Connected {
		return
	}
	id, err := peerIDOf(ev.Peer)
	if err != nil || h.host.Network().Connectedness(id) != network.Limited {
		return
	}
	h.spawn(func() { h.upgrade(ev.Peer, id) })
}

// upgrade dials id directly until a direct connection is up, the peer is
// gone, or every delay of upgradeDelays has passed; then it closes the
// peer's relayed connections.
func (h *Host) upgrade(key identity.PublicKey, id peer.ID) {
	for i, d := range upgradeDelays {
		wait(h.ctx, nil, d)
		switch h.host.Network().Connectedness(id) {
		case network.Connected:
			h.closeRelayed(id)
			return
		case network.Limited:
		default:
			return // gone: a new connection starts a new upgrade
		}
		if _, refused := h.penalties.refusedUntil(key); refused || h.ctx.Err() != nil {
			return
		}
		switch {
		case !h.supportsPunch(id):
		case h.punchRole(id):
			err := h.punch(id)
			if err == nil {
				h.log.Info("a relayed peer is now connected directly, after a hole punch", "peer", key.Device().String())
				h.closeRelayed(id)
				return
			}
			h.log.Info("hole punching a relayed peer failed", "peer", key.Device().String(), "err", err)
			continue
		case i == 0 || h.punchStatus(id) != "":
			// The peer starts the punch; only if it never did (it has
			// no address to send) is it dialled plainly, from the
			// second delay on.
			continue
		}
		var direct []ma.Multiaddr
		for _, a := range h.host.Peerstore().Addrs(id) {
			if _, err := a.ValueForProtocol(ma.P_CIRCUIT); err != nil {
				direct = append(direct, a)
			}
		}
		if len(direct) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(h.ctx, upgradeTimeout)
		h.clearDialBackoff(id)
		err := h.host.Connect(network.WithForceDirectDial(ctx, "upgrade a relayed connection"), peer.AddrInfo{ID: id, Addrs: direct})
		cancel()
		if err == nil {
			h.log.Info("a relayed peer is now connected directly", "peer", key.Device().String())
			h.closeRelayed(id)
			return
		}
		h.log.Debug("direct dial of a relayed peer failed", "peer", key.Device().String(), "err", err)
	}
}

// closeRelayed closes id's limited (relayed) connections once it has a
// direct one.
func (h *Host) closeRelayed(id peer.ID) {
	for _, c := range h.host.Network().ConnsToPeer(id) {
		if c.Stat().Limited {
			_ = c.Close()
		}
	}
}
