package node

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// conversationWants is what the replication scope wants of conversations
// (conversation.md §6): the conversation log of each village this device
// takes part in, of every device of its current locals; and the
// conversation log of each space whose log key it holds, of every device
// of its members (and of its own account). Nobody else's: a stranger, or
// a former local or member, cannot make this node hold its entries. A
// village's conversation log is plaintext, so it is given only to the
// devices of the village's current locals (and this account's own: Only),
// never to a stranger who wants it by following a local.
func (n *Node) conversationWants(ctx context.Context, p *wantsPass) (scope.SpaceWants, error) {
	var w scope.SpaceWants
	n.wantVillageLocalsLogs(p.villages, &w, ConvVillageLog)
	for _, id := range p.spaces {
		st, _, err := n.spaceState(ctx, id)
		if errors.Is(err, ErrNoSpace) {
			continue
		} else if err != nil {
			return w, err
		}
		logKey, ok := n.rings.logKey(id)
		if !ok {
			continue
		}
		for _, a := range st.Named() {
			if st.Members[a] == 0 && a != n.account {
				continue
			}
			ds, err := n.store.Devices(ctx, a)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return w, err
			}
			for _, d := range ds {
				w.Logs = append(w.Logs, store.LogKey{Author: d.Device, LogID: ConvSpaceLog(logKey, d.Device)})
			}
		}
	}
	return w, nil
}

// wantVillageLocalsLogs adds to w, for each founded village of vs (this
// device takes part in), the log logOf(village) of every device of the
// village's current locals, and gives that log only to those devices
// (w.Only): a village's plaintext conversation or festival log never
// reaches a stranger who follows a local. It returns the villages' ids.
func (n *Node) wantVillageLocalsLogs(vs []heldVillage, w *scope.SpaceWants, logOf func(entry.ID) entry.LogID) []entry.ID {
	var ids []entry.ID
	for _, v := range vs {
		st := v.st
		if st == nil || !st.Founded {
			continue
		}
		ids = append(ids, v.id)
		lid := logOf(v.id)
		if w.Only == nil {
			w.Only = map[entry.LogID][]identity.PublicKey{}
		}
		w.Only[lid] = []identity.PublicKey{}
		for _, a := range st.Members() {
			for _, d := range st.Devices(a) {
				w.Logs = append(w.Logs, store.LogKey{Author: d, LogID: lid})
				w.Only[lid] = append(w.Only[lid], d)
			}
		}
	}
	return ids
}
