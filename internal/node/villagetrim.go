package node

import (
	"context"
)

// trimVillages keeps, in every village this node takes part in, what it
// holds of unlisted strangers within the budget (village.md §6), with the
// scope recomputed first when recompute is set: for entries that arrived
// by another way than the request protocol, which trims as it stores (a
// bundle import, or a home filled while no node was serving it). The
// imported entries were noted in the scope as they were stored
// (noteAdded), so the recomputation reads only what changed, like the
// scope loop's (recomputeScope); it read every statement again before,
// which made a small bundle cost every account followed.
func (n *Node) trimVillages(ctx context.Context, nw *network, recompute bool) {
	if recompute {
		if err := n.recomputeScope(ctx, nw); err != nil {
			if ctx.Err() == nil {
				nw.log.Warn("recompute replication scope", "err", err)
			}
			return
		}
	}
	for _, vid := range nw.scope.Villages() {
		d, err := n.trimUnlisted(ctx, vid, nw.scope.Unlisted, nw.scope.Wants)
		switch {
		case err != nil:
			nw.log.Warn("keep the budget for unlisted strangers", "village", vid.String(), "err", err)
		case d.Strangers > 0:
			nw.log.Info("dropped the oldest requests of unlisted strangers", "village", vid.String(), "requests", d.Requests, "strangers", d.Strangers)
		}
	}
}
