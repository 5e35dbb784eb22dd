package netnode

import (
	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/proto"
)

// accountFull says why a relayed connection from src to dest would take
// the account of either beyond its limit (a.circuits relayed connections
// at once, all its devices together, either end), or "" if it would not.
//
// The relay's circuits are counted from the hub's own streams: a relayed
// connection holds a hop stream open from its source for as long as it
// lasts, and a stop stream to its destination. src's hop stream asking
// for this connection is open already, and not counted. Connections set
// up at one instant may pass together; each device stays within libp2p's
// own limit of a.circuits.
func (a relayACL) accountFull(src, dest peer.ID) string {
	if a.accountOf == nil {
		return ""
	}
	srcKey, err1 := keyOf(src)
	destKey, err2 := keyOf(dest)
	if err1 != nil || err2 != nil {
		return "a peer of another key type"
	}
	perPeer := map[peer.ID]int{}
	for _, c := range a.h.host.Network().Conns() {
		for _, s := range c.GetStreams() {
			switch {
			case s.Protocol() == proto.ProtoIDv2Hop && s.Stat().Direction == network.DirInbound,
				s.Protocol() == proto.ProtoIDv2Stop && s.Stat().Direction == network.DirOutbound:
				perPeer[c.RemotePeer()]++
			}
		}
	}
	perPeer[src]-- // the stream asking for this connection
	srcAccount, destAccount := a.accountOf(srcKey), a.accountOf(destKey)
	perAccount := map[identity.PublicKey]int{}
	for p, n := range perPeer {
		if n <= 0 {
			continue
		}
		key, err := keyOf(p)
		if err != nil {
			continue
		}
		perAccount[a.accountOf(key)] += n
	}
	switch {
	case perAccount[srcAccount] >= a.circuits:
		return "the source's account holds as many relayed connections as it may"
	case perAccount[destAccount] >= a.circuits:
		return "the destination's account holds as many relayed connections as it may"
	}
	return ""
}
