package netnode

import (
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// gater is the host's connection gater. It refuses peers whose key is not
// Ed25519 and peers serving a penalty, before dialling them (outbound) and
// right after the security handshake has authenticated them (both ways).
type gater struct {
	penalties *penalties
	admission *admission // nil: every allowed peer is admitted
}

var _ connmgr.ConnectionGater = (*gater)(nil)

// allowed reports whether the host may talk to id.
func (g *gater) allowed(id peer.ID) bool {
	key, err := keyOf(id)
	if err != nil {
		return false
	}
	_, refused := g.penalties.refusedUntil(key)
	return !refused
}

// InterceptPeerDial refuses to dial peers that are not allowed.
func (g *gater) InterceptPeerDial(id peer.ID) bool { return g.allowed(id) }

// InterceptAddrDial lets every address through; the peer was checked.
func (g *gater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }

// InterceptAccept lets every inbound connection on to its handshake, which
// tells who the peer is.
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

// InterceptSecured refuses authenticated peers that are not allowed, in
// both directions, and inbound strangers when strangers hold their share
// of connections and none is idle (admission).
func (g *gater) InterceptSecured(dir network.Direction, id peer.ID, _ network.ConnMultiaddrs) bool {
	if !g.allowed(id) {
		return false
	}
	if dir == network.DirInbound && g.admission != nil {
		return g.admission.mayAdmit(id)
	}
	return true
}

// InterceptUpgraded lets every upgraded connection through.
func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
