package netnode

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	ma "github.com/multiformats/go-multiaddr"
)

// PeerInfo describes a connected peer.
type PeerInfo struct {
	Key       identity.PublicKey
	PeerID    string        // libp2p peer id, text form
	Addr      string        // the peer's address on the oldest connection
	Outbound  bool          // this host dialled that connection
	Latency   time.Duration // smoothed round trip from pings; 0 before the first
	Since     time.Time     // when the first connection came up
	Kept      bool          // the peer is kept (Keep)
	Transport string        // "tcp", "quic", "ws", "webrtc-direct" or "relay"
	// Direct says, of a relayed peer, what became of the last attempt to
	// connect to it directly (a hole punch); "" before any.
	Direct string
}

// Peers returns the connected peers, sorted by peer id.
func (h *Host) Peers() []PeerInfo {
	var out []PeerInfo
	for _, p := range h.host.Network().Peers() {
		if !usable(h.host.Network().Connectedness(p)) {
			continue
		}
		key, err := keyOf(p)
		if err != nil {
			continue
		}
		c := oldestConn(h.host.Network().ConnsToPeer(p))
		if c == nil {
			continue
		}
		info := PeerInfo{
			Key:       key,
			PeerID:    p.String(),
			Addr:      c.RemoteMultiaddr().String(),
			Outbound:  c.Stat().Direction == network.DirOutbound,
			Latency:   h.host.Peerstore().LatencyEWMA(p),
			Since:     c.Stat().Opened,
			Kept:      h.keeper.has(key),
			Transport: connTransport(c.RemoteMultiaddr(), c.LocalMultiaddr()),
		}
		if info.Transport == "relay" {
			info.Direct = h.punchStatus(p)
		}
		if st, ok := h.events.state(p); ok {
			info.Since = st.since
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b PeerInfo) int { return strings.Compare(a.PeerID, b.PeerID) })
	return out
}

// connTransport names a connection's transport by its remote address, or
// by its local one where the remote says nothing: an inbound WebRTC-direct
// connection's remote address is the browser's bare /ip4/…/udp/port.
func connTransport(remote, local ma.Multiaddr) string {
	if t := transportOf(remote); t != "other" {
		return t
	}
	return transportOf(local)
}

// transportOf names the transport of a connection by its remote address.
func transportOf(addr ma.Multiaddr) string {
	has := func(code int) bool {
		_, err := addr.ValueForProtocol(code)
		return err == nil
	}
	switch {
	case has(ma.P_CIRCUIT):
		return "relay"
	case has(ma.P_WS), has(ma.P_WSS):
		return "ws"
	case has(ma.P_WEBRTC_DIRECT), has(ma.P_WEBRTC):
		return "webrtc-direct"
	case has(ma.P_QUIC_V1), has(ma.P_QUIC):
		return "quic"
	case has(ma.P_TCP):
		return "tcp"
	}
	return "other"
}

// Pings measure latency: once when a peer connects, then every
// pingInterval, each bounded by pingTimeout.
const (
	pingInterval = 30 * time.Second
	pingTimeout  = 10 * time.Second
)

// ping measures the round trip to p once; libp2p records it in the
// peerstore, where Peers reads the smoothed value.
func (h *Host) ping(p peer.ID) {
	ctx, cancel := context.WithTimeout(h.ctx, pingTimeout)
	defer cancel()
	// A ping never dials: the peer may have gone since it was picked.
	ctx = network.WithNoDial(ctx, "ping")
	res, ok := <-ping.Ping(ctx, h.host, p)
	if ok && res.Error != nil && h.ctx.Err() == nil {
		h.log.Debug("ping failed", "peer", p.String(), "err", res.Error)
	}
}

// pingLoop pings every connected peer every pingInterval until Close.
func (h *Host) pingLoop() {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		for _, p := range h.host.Network().Peers() {
			if h.host.Network().Connectedness(p) == network.Connected {
				h.spawn(func() { h.ping(p) })
			}
		}
	}
}
