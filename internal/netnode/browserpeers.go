package netnode

import (
	"net/netip"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	manet "github.com/multiformats/go-multiaddr/net"
)

// BrowserPeer reports whether key is connected to this host now as a
// browser is (browserConn: inbound, over WebSocket or WebRTC-direct, not
// relayed): the peers that may take the node's TURN credentials
// (doc/protocol/ice.md).
func (h *Host) BrowserPeer(key identity.PublicKey) bool {
	id, err := peerIDOf(key)
	if err != nil {
		return false
	}
	for _, c := range h.host.Network().ConnsToPeer(id) {
		if browserConn(c) {
			return true
		}
	}
	return false
}

// browserConn reports whether c is a browser's connection to this host:
// inbound, not relayed, over WebSocket or WebRTC-direct (an inbound
// WebRTC-direct connection says so by its local address). A connection
// this host dialled over WebSocket (to a hub at /wss, or a peer's /ws
// address) is a node's, and a relayed one's addresses are its relay's:
// counting those let a browser aim the TURN relay at a hub or a relay.
func browserConn(c network.Conn) bool {
	if c.IsClosed() || c.Stat().Direction != network.DirInbound || c.Stat().Limited {
		return false
	}
	switch connTransport(c.RemoteMultiaddr(), c.LocalMultiaddr()) {
	case "ws", "webrtc-direct":
		return true
	}
	return false
}

// BrowserIPs returns the IP addresses of the browsers connected to this
// host now (browserConn).
func (h *Host) BrowserIPs() []netip.Addr {
	var out []netip.Addr
	for _, c := range h.host.Network().Conns() {
		if !browserConn(c) {
			continue
		}
		if h.host.Network().Connectedness(c.RemotePeer()) != network.Connected {
			continue
		}
		if ip, err := manet.ToIP(c.RemoteMultiaddr()); err == nil {
			if a, ok := netip.AddrFromSlice(ip); ok {
				out = append(out, a.Unmap())
			}
		}
	}
	return out
}
