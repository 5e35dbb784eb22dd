package node

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// spaceWants is the scope's view of the spaces this node takes part in
// (spaces.md §2): of every device of every account a space names, its
// membership, keys and public logs, and, of the current members' devices,
// its content log once the log key is held; and every log of those
// accounts' keys (their certificates).
func (n *Node) spaceWants(ctx context.Context) (scope.SpaceWants, error) {
	var w scope.SpaceWants
	ids, err := n.spacesOf(ctx)
	if err != nil {
		return w, err
	}
	for _, id := range ids {
		st, _, err := n.spaceState(ctx, id)
		if errors.Is(err, ErrNoSpace) {
			continue
		} else if err != nil {
			return w, err
		}
		n.loadRingsOnce()
		logKey, haveKey := n.rings.logKey(id)
		for _, a := range st.Named() {
			w.Authors = append(w.Authors, a)
			ds, err := n.store.Devices(ctx, a)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return w, err
			}
			for _, d := range ds {
				w.Logs = append(w.Logs,
					store.LogKey{Author: d.Device, LogID: entry.LogID(id)},
					store.LogKey{Author: d.Device, LogID: space.KeysLog(id)},
					store.LogKey{Author: d.Device, LogID: entry.PublicLog})
				// A former member's content log is not wanted: what it
				// writes after its removal could grow without bound
				// (spaces.md §2).
				if haveKey && (st.Members[a] != 0 || a == n.account) {
					w.Logs = append(w.Logs, store.LogKey{Author: d.Device, LogID: entry.LogID(seal.LogID(logKey, seal.ID(d.Device)))})
				}
			}
		}
	}
	return w, nil
}

// spaceEntriesArrived wakes spaceLoop when stored entries can change a
// space's keys: membership, keys log and device entries, encryption keys.
func (n *Node) spaceEntriesArrived(nw *network, es []*entry.Entry) {
	for _, e := range es {
		if len(e.Payload) == 0 {
			continue
		}
		if e.Payload[0] != 0x01 && e.Payload[0] != 0x87 {
			typ, err := content.PeekType(e.Payload)
			if err != nil {
				continue
			}
			switch {
			case space.IsSpaceType(typ), typ == sealKeyType, typ == content.TypeDeviceAdd, typ == content.TypeDeviceRevoke:
			default:
				continue
			}
		}
		select {
		case nw.keepSpaces <- struct{}{}:
		default:
		}
		return
	}
}

// spaceLoop keeps every space this node takes part in (keepSpace) when
// woken, and once at start.
func (n *Node) spaceLoop(ctx context.Context, nw *network) {
	if err := n.rings.loadErr; err != nil {
		nw.log.Warn("the spaces' keyring file was set aside", "err", err)
	}
	for {
		ids, err := n.spacesOf(ctx)
		if err == nil {
			for _, id := range ids {
				if err := n.keepSpace(ctx, id); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNoSpace) {
					nw.log.Warn("keep the keys of a space", "space", id, "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-nw.keepSpaces:
		}
	}
}
