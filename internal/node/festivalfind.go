package node

import (
	"context"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
)

// maxFestivalRendezvous bounds the public festivals whose rendezvous key
// this node announces and looks up in one discovery round: the host
// announces at most 64 keys at once, shared with the account and the
// villages.
const maxFestivalRendezvous = 16

// festivalPeers announces the rendezvous key (scope.FestivalRendezvousKey)
// of each public festival opened here, the first maxFestivalRendezvous in
// the order they were opened, and returns the providers of those keys
// that are neither this device, blocked nor connected. provided holds the
// festivals announced; one no longer opened stops being announced.
func (n *Node) festivalPeers(ctx context.Context, nw *network, provided map[entry.ID]bool) []identity.PublicKey {
	opened, err := n.openedFestivals()
	if err != nil {
		nw.log.Debug("festival rendezvous: read the festivals opened", "err", err)
		return nil
	}
	current := map[entry.ID]bool{}
	var out []identity.PublicKey
	for _, f := range opened {
		if !f.Parent.IsZero() || len(current) == maxFestivalRendezvous {
			continue
		}
		current[f.ID] = true
		key := scope.FestivalRendezvousKey(f.ID)
		if !provided[f.ID] {
			pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			if err := nw.host.Provide(pctx, key); err != nil {
				nw.log.Debug("announce festival rendezvous", "err", err)
			}
			cancel()
			provided[f.ID] = true
		}
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		peers, err := nw.host.FindProviders(fctx, key)
		cancel()
		if err != nil {
			nw.log.Debug("find festival peers", "err", err)
		}
		for _, p := range peers {
			if p != n.device.Public() && !nw.scope.Blocked(p) && !nw.isConnected(p) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	for f := range provided {
		if !current[f] {
			nw.host.StopProviding(scope.FestivalRendezvousKey(f))
			delete(provided, f)
		}
	}
	return out
}
