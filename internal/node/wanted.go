package node

import (
	"context"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
)

// scopeWantTag names, among the host's wanted peers (netnode.Host.Want),
// those the scope wants.
const scopeWantTag = "scope"

// updateWanted tells the host which peers the node wants, so that
// connections from throwaway identities never keep them out: the current
// devices of this node's account and of the accounts it follows. (Village
// locals are kept connected, which makes them wanted too.)
func (n *Node) updateWanted(ctx context.Context, nw *network) {
	self := n.device.Public()
	var keys []identity.PublicKey
	for _, d := range nw.scope.FollowedDevices() {
		if d != self {
			keys = append(keys, d)
		}
	}
	nw.host.Want(scopeWantTag, keys)
}

// NetGuards is the state of the network's guards against hostile peers.
type NetGuards struct {
	// Conns: inbound connections of peers the node does not want.
	Conns netnode.ConnStats
	// Providers: DHT provider records kept for other peers.
	Providers netnode.ProviderStats
	// StrangerCerts: certificates of peers outside the scope held in
	// memory (at most MaxStrangerCerts), not in the store.
	StrangerCerts int
	// StrangerSessions and StrangerRequests: the budgets for strangers'
	// sync sessions and village requests (strangerwork.go).
	StrangerSessions, StrangerRequests StrangerWorkStats
}

// NetGuards reports the network's guards; zero when not serving.
func (n *Node) NetGuards() NetGuards {
	nw := n.net.Load()
	if nw == nil {
		return NetGuards{}
	}
	return NetGuards{
		Conns:            nw.host.ConnStats(),
		Providers:        nw.host.ProviderRecords(),
		StrangerCerts:    nw.certs.cache.len(),
		StrangerSessions: nw.strangerSessions.stats(),
		StrangerRequests: nw.strangerRequests.stats(),
	}
}
