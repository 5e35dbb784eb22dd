package node

import (
	"cmp"
	"context"
	"slices"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// revokeKeep returns what a revocation of device keeps (payloads.md §5,
// device.revoke "keep"): the heads of the device's logs this node holds,
// so that everything the device wrote before this node revoked it stays
// valid and nothing it writes later does. With more than
// content.MaxRevokeKeep logs, those with the most entries are kept.
func (n *Node) revokeKeep(ctx context.Context, device identity.PublicKey) ([]content.KeptHead, error) {
	heads, err := n.store.Heads(ctx)
	if err != nil {
		return nil, err
	}
	var own []store.Head
	for _, h := range heads {
		if h.Log.Author == device {
			own = append(own, h)
		}
	}
	slices.SortFunc(own, func(a, b store.Head) int { return cmp.Compare(b.Seq, a.Seq) })
	if len(own) > content.MaxRevokeKeep {
		own = own[:content.MaxRevokeKeep]
	}
	keep := make([]content.KeptHead, len(own))
	for i, h := range own {
		keep[i] = content.KeptHead{ID: h.ID, KeptAt: content.KeptAt{LogID: h.Log.LogID, Seq: h.Seq}}
	}
	return keep, nil
}
