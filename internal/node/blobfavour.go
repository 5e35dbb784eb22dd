package node

import (
	"slices"

	"github.com/kithnet/kith/internal/identity"
)

// favouredForBlobs reports whether the node keeps its reserved blob-serving
// slots (blobsync.ReservedServing) for peer: a device of this node's own
// account, of an account it follows, or a village local. Blobsync asks
// only when the other slots are taken, so the look-ups are rare.
func (n *Node) favouredForBlobs(nw *network, peer identity.PublicKey) bool {
	if slices.Contains(nw.scope.VillageLocals(), peer) {
		return true
	}
	d, err := n.store.AccountOf(nw.ctx, peer)
	if err != nil {
		return false // not known here: a stranger
	}
	if d.Account == n.account || slices.Contains(nw.scope.VillageLocals(), d.Account) {
		return true
	}
	return slices.Contains(nw.scope.Following(), d.Account.Account())
}
