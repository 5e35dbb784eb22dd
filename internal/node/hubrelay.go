package node

import (
	"context"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// relayAccountTimeout bounds the look-up of a device's account when the
// hub's relay counts relayed connections per account.
const relayAccountTimeout = 3 * time.Second

// relayAccount is the relay service's RelayAccount: the account of a
// device as this node knows it (its store, a certificate the peer showed,
// or one it asks the peer for now), else the device itself, which then
// counts as an account of its own.
func (n *Node) relayAccount(peer identity.PublicKey) identity.PublicKey {
	nw := n.net.Load()
	if nw == nil {
		return peer
	}
	ctx, cancel := context.WithTimeout(context.Background(), relayAccountTimeout)
	defer cancel()
	if account, err := n.knownAccount(ctx, nw, peer); err == nil {
		return account
	}
	return peer
}
