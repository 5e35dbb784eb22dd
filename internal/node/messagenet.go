package node

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// scopeWants is what the replication scope wants beyond follows and
// villages: the spaces' logs (spaceWants) and the conversations' logs
// (messageWants).
func (n *Node) scopeWants(ctx context.Context) (scope.SpaceWants, error) {
	w, err := n.spaceWants(ctx)
	if err != nil {
		return w, err
	}
	m, err := n.messageWants(ctx)
	if err != nil {
		return w, err
	}
	w.Logs = append(w.Logs, m.Logs...)
	w.Authors = append(w.Authors, m.Authors...)
	// The villages and spaces this node takes part in, read once for
	// the conversations' and the festivals' wants: each read them again
	// (the villages twice, each reduced twice), a constant ~13 ms more a
	// recomputation for a node in a village (BENCHMARKS.md, "Following
	// from a node in a village, ninth session").
	var p wantsPass
	if p.villages, err = n.heldVillages(ctx); err != nil {
		return w, err
	}
	if p.spaces, err = n.spacesOf(ctx); err != nil {
		return w, err
	}
	c, err := n.conversationWants(ctx, &p)
	if err != nil {
		return w, err
	}
	w.Logs = append(w.Logs, c.Logs...)
	w.Only = c.Only
	fh, err := n.festivalHomeWants(ctx, &p)
	if err != nil {
		return w, err
	}
	w.Logs = append(w.Logs, fh.Logs...)
	// A village's conversation and festival logs are given only to its
	// locals' devices (conversation.md §6, festival.md §3); their log ids
	// differ, so the two maps do not overlap.
	for lid, ds := range fh.Only {
		if w.Only == nil {
			w.Only = map[entry.LogID][]identity.PublicKey{}
		}
		w.Only[lid] = ds
	}
	l, err := n.leaseWants(ctx)
	w.Authors = append(w.Authors, l.Authors...)
	return w, err
}

// wantsPass is what one scopeWants reads once for the wants that need it.
type wantsPass struct {
	villages []heldVillage // heldVillages
	spaces   []entry.ID    // spacesOf
}

// messageWants is the scope's view of the conversations this device
// holds (messages.md §6): the creator's log of each, and the log of every
// device of every participant account (so that replies of people this
// account does not follow arrive), with those accounts' certificates.
func (n *Node) messageWants(ctx context.Context) (scope.SpaceWants, error) {
	var w scope.SpaceWants
	ms := &n.msgs
	ms.wantsMu.Lock()
	ws := ms.wants
	ms.wantsMu.Unlock()
	logs := map[store.LogKey]bool{}
	authors := map[identity.PublicKey]bool{}
	addLog := func(l store.LogKey) {
		if !logs[l] {
			logs[l] = true
			w.Logs = append(w.Logs, l)
		}
	}
	for _, cw := range ws {
		c := cw.conv
		addLog(store.LogKey{Author: identity.PublicKey(c.Creator), LogID: entry.LogID(c.LogID(c.Creator))})
		for _, a := range append([]identity.PublicKey{n.account}, cw.participants...) {
			if !authors[a] {
				authors[a] = true
				w.Authors = append(w.Authors, a)
			}
			ds, err := n.store.Devices(ctx, a)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return w, err
			}
			for _, d := range ds {
				addLog(store.LogKey{Author: d.Device, LogID: entry.LogID(c.LogID(seal.ID(d.Device)))})
			}
		}
	}
	return w, nil
}

// messageEntriesArrived wakes messageLoop when stored entries may be
// announcement parts, messages, or change whose parts are tried.
func (n *Node) messageEntriesArrived(nw *network, es []*entry.Entry) {
	for _, e := range es {
		if e.Payload == nil {
			continue
		}
		if k := message.KindOf(e.Payload); k == message.KindOther && !scope.Relevant(e) {
			continue
		}
		select {
		case n.msgs.wakeChan() <- struct{}{}:
		default:
		}
		return
	}
}

// startMessageLoop runs messageLoop while the network runs.
func (n *Node) startMessageLoop(ctx context.Context, nw *network) {
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.messageLoop(ctx, nw)
	}()
}

// messageLoop keeps the conversations (keepMessages) when woken, and once
// at start. It publishes nothing: StartNetwork published this device's
// encryption key before the loop began (publishSealKey).
func (n *Node) messageLoop(ctx context.Context, nw *network) {
	wake := n.msgs.wakeChan()
	for {
		if err := n.keepMessages(ctx, false); err != nil && ctx.Err() == nil {
			nw.log.Warn("keep the conversations", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
	}
}
