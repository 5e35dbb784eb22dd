package netnode

import "github.com/libp2p/go-libp2p/core/network"

// usable reports whether a peer in state c can carry kith's streams: over
// a direct connection, or over a limited one (relayed by a hub that sets
// limits), which kith's streams use within the relay's limits (Open asks
// libp2p to allow it).
func usable(c network.Connectedness) bool {
	return c == network.Connected || c == network.Limited
}
