package netnode

import (
	"net/netip"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	manet "github.com/multiformats/go-multiaddr/net"
)

// BrowserPeer reports whether key is connected to this host now over a
// transport a browser dials (WebSocket or WebRTC-direct): the peers that
// may hold a slot at the signalling relay, and take the node's TURN
// credentials (doc/protocol/ice.md).
func (h *Host) BrowserPeer(key identity.PublicKey) bool {
	id, err := peerIDOf(key)
	if err != nil {
		return false
	}
	for _, c := range h.host.Network().ConnsToPeer(id) {
		if isBrowserTransport(c.RemoteMultiaddr()) || isBrowserTransport(c.LocalMultiaddr()) {
			return true
		}
	}
	return false
}

// BrowserIPs returns the IP addresses of the peers connected to this host
// now over WebSocket or WebRTC-direct.
func (h *Host) BrowserIPs() []netip.Addr {
	var out []netip.Addr
	for _, c := range h.host.Network().Conns() {
		if c.IsClosed() || (!isBrowserTransport(c.RemoteMultiaddr()) && !isBrowserTransport(c.LocalMultiaddr())) {
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
