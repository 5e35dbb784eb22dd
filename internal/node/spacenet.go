package node

import (
	"context"
	"errors"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// spaceWants is the scope's view of the spaces this node takes part in
// (spaces.md §2): of every device of every account a space names, its
// membership, keys and public logs, and its content log once the log key
// is held; and every log of those accounts' keys (their certificates).
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
		// rings.mu is not waited for: a rescope can run under the append
		// lock (afterAdded, for this device's own entries) while keepSpace
		// holds rings.mu and waits for that lock to append an announcement.
		// While the keyring is busy the scope stays as it was and is
		// recomputed shortly after. Before the network runs (scope.New)
		// no rescope runs under the append lock: it waits.
		if n.net.Load() == nil {
			n.rings.mu.Lock()
		} else if !n.rings.mu.TryLock() {
			n.rescopeSoon()
			return w, errKeyringBusy
		}
		logKey, haveKey := n.ring(id).logKey()
		n.rings.mu.Unlock()
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
				if haveKey {
					w.Logs = append(w.Logs, store.LogKey{Author: d.Device, LogID: entry.LogID(seal.LogID(logKey, seal.ID(d.Device)))})
				}
			}
		}
	}
	return w, nil
}

// errKeyringBusy: spaceWants found the keyring in use (keepSpace); the
// scope is recomputed shortly after.
var errKeyringBusy = errors.New("the keyring is in use; the replication scope is recomputed shortly")

// rescopeSoon asks scopeLoop for a recomputation of the scope 100 ms from
// now.
func (n *Node) rescopeSoon() {
	nw := n.net.Load()
	if nw == nil {
		return
	}
	time.AfterFunc(100*time.Millisecond, func() {
		select {
		case nw.rescope <- struct{}{}:
		default:
		}
	})
}

// spaceEntriesArrived wakes spaceLoop when stored entries can change a
// space's keys: membership, keys log and device entries, encryption keys.
func (n *Node) spaceEntriesArrived(nw *network, es []*entry.Entry) {
	for _, e := range es {
		if e.Payload == nil {
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
