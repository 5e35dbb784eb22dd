package node

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// maxKeysLogSeq bounds the entries of one device's keys log a node reads
// (spaces.md §3).
const maxKeysLogSeq = 4096

// ring returns the keyring of space id, loading the file first. rings.mu
// is held.
func (n *Node) ring(id entry.ID) *spaceRing {
	if err := n.loadRings(); err != nil {
		n.warn("read the keyring", err)
	}
	r := n.rings.spaces[id]
	if r == nil {
		r = newSpaceRing()
		n.rings.spaces[id] = r
	}
	return r
}

func (n *Node) warn(what string, err error) {
	if nw := n.net.Load(); nw != nil {
		nw.log.Warn(what, "err", err)
	}
}

// keepSpace brings this device's keys of a space up to date (spaces.md
// §3): it publishes its encryption key, opens the epochs announced to it
// by admins, and, when its account is an admin, announces the first
// epoch (as the space's creator), a new epoch when a boundary it knows is
// not covered, and the current epoch to member devices added since (as
// the epoch's creator).
func (n *Node) keepSpace(ctx context.Context, id entry.ID) error {
	_, _, err := n.keep(ctx, id, true)
	return err
}

// keep is keepSpace; it returns the state it read. With wrapNew false it
// leaves the giving of the current epoch to devices added since for
// later (spaceLoop, views): a writer needs only its own keys current.
func (n *Node) keep(ctx context.Context, id entry.ID, wrapNew bool) (*space.State, []*entry.Entry, error) {
	n.rings.mu.Lock()
	defer n.rings.mu.Unlock()
	st, es, err := n.spaceState(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	r := n.ring(id)
	hadKey := false
	if _, ok := r.logKey(); ok {
		hadKey = true
	}
	changed := false
	var dk *seal.DecryptionKey
	switch {
	case st.Members[n.account] != 0:
		if dk, err = n.ownDecryptionKey(ctx); err != nil {
			return nil, nil, err
		}
	case slices.Contains(st.Named(), n.account):
		// A former member still opens the epochs wrapped to it before it
		// left or was removed: what it could read stays readable
		// (spaces.md §3), even when its node had not opened them yet.
		if dk, err = n.publishedDecryptionKey(ctx); err != nil {
			return nil, nil, err
		}
	}
	if err := n.readKeysLog(ctx, st, r, dk, &changed); err != nil {
		return nil, nil, err
	}
	if st.Members[n.account] == space.Admin {
		if err := n.announce(ctx, st, es, r, wrapNew, &changed); err != nil {
			return nil, nil, err
		}
	}
	if changed {
		if err := n.saveRings(); err != nil {
			return nil, nil, fmt.Errorf("save the keyring: %w", err)
		}
		// A festival entry sealed under a key opened now was counted
		// unreadable in the festivals' reduced state.
		n.festivalsChanged()
	}
	n.rings.noteLogKey(id, r)
	if _, ok := r.logKey(); ok && !hadKey {
		// The space's content logs can be found now.
		go n.spacesChanged()
	}
	return st, es, nil
}

// readKeysLog reads the keys logs of the space: every announcement part
// by an admin's device (accounts that are admins in st) joins the epoch
// graph and, when dk is set and the epoch is not opened yet, is tried;
// then each sealed space.epoch by an epoch's creator gives the epoch its
// view.
func (n *Node) readKeysLog(ctx context.Context, st *space.State, r *spaceRing, dk *seal.DecryptionKey, changed *bool) error {
	id := st.Space
	var views []*store.Stored
	me := n.device.Public()
	err := n.eachOfLog(ctx, space.KeysLog(id), func(e *store.Stored) {
		if len(e.Payload) == 0 || e.Header.Seq > maxKeysLogSeq || r.tried[e.ID] {
			return
		}
		acc, ok := st.AccountOf(e.Header.Author)
		if !ok || st.Members[acc] != space.Admin {
			return
		}
		if e.Payload[0] == 0x01 {
			views = append(views, e)
			return
		}
		a, err := seal.DecodeAnnouncement(e.Payload)
		if err != nil {
			r.tried[e.ID] = true
			return
		}
		r.ring.Learn(a)
		if r.ring.Get(a.Epoch) == nil && dk != nil {
			ep, err := seal.OpenEpoch(id, me, dk, a)
			if err == nil {
				r.ring.Add(ep)
				*changed = true
			}
		}
		if dk != nil {
			r.tried[e.ID] = true
		}
	})
	if err != nil {
		return err
	}
	for _, e := range views {
		pos := seal.Position{Author: e.Header.Author, LogID: seal.ID(e.Header.LogID), Seq: e.Header.Seq}
		o, err := seal.Open(id, r.ring, pos, e.Payload)
		if errors.Is(err, seal.ErrUnknownEpoch) {
			continue // opened again when its key arrives
		}
		r.tried[e.ID] = true
		if err != nil {
			continue
		}
		ep := r.ring.Get(o.Epoch)
		if ep == nil || identity.PublicKey(ep.Creator) != e.Header.Author {
			continue
		}
		c, err := space.DecodeContent(o.Body)
		if err != nil {
			continue
		}
		v, ok := c.(*space.EpochView)
		if _, had := r.views[o.Epoch]; ok && !had {
			r.views[o.Epoch] = v.Refs
			if v.Refs == nil {
				r.views[o.Epoch] = []entry.ID{}
			}
		}
	}
	return nil
}

// uncovered returns the boundaries of st that the epoch does not cover
// (spaces.md §3): all of them when the epoch has no view. A removal or
// leave is covered when the view's down-set holds it; a revocation, which
// has no place in the membership order, when the view names it.
func uncovered(st *space.State, r *spaceRing, epoch seal.ID) []space.Boundary {
	view, ok := r.views[epoch]
	if !ok {
		return st.Boundaries
	}
	have := map[entry.ID]bool{}
	for _, b := range st.Seen(view).Boundaries {
		if b.Kind != space.BoundaryRevoke {
			have[b.Entry] = true
		}
	}
	for _, id := range view {
		have[id] = true
	}
	var out []space.Boundary
	for _, b := range st.Boundaries {
		if !have[b.Entry] {
			out = append(out, b)
		}
	}
	return out
}

// recipients returns the current devices of the space's members whose
// encryption keys are held, revoked devices left out.
func (n *Node) recipients(ctx context.Context, st *space.State) ([]seal.Recipient, error) {
	var out []seal.Recipient
	for _, a := range st.Accounts() {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, d := range ds {
			if d.Revoked {
				continue
			}
			if acc, ok := st.AccountOf(d.Device); !ok || acc != a {
				continue
			}
			k, ok, err := n.sealKeyOf(ctx, d.Device)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, seal.Recipient{Device: seal.ID(d.Device), Key: k.Key})
			}
		}
	}
	return out, nil
}

// announce is keepSpace's part for an admin's node.
func (n *Node) announce(ctx context.Context, st *space.State, es []*entry.Entry, r *spaceRing, wrapNew bool, changed *bool) error {
	id := st.Space
	me := n.device.Public()
	cur, heads := r.ring.Current()
	logKey, haveKey := r.logKey()
	create, err := n.store.Get(ctx, id)
	if err != nil {
		return err
	}
	var prev []seal.ID
	switch {
	case len(heads) == 0:
		// No epoch yet: the first is the creator's to announce (one log
		// key for the space).
		if create.Header.Author != me {
			return nil
		}
		logKey = [32]byte{}
	case !haveKey:
		return nil // an admin that holds no key waits for one
	case cur == nil || needsRotation(r, uncovered(st, r, cur.ID)):
		prev = heads
		if len(prev) > seal.MaxPrev {
			prev = prev[:seal.MaxPrev]
		}
	default:
		// The current epoch stands: its creator gives it to member
		// devices added since, and, in a space with history, every admin
		// gives them the earlier epochs it holds.
		if !wrapNew {
			return nil
		}
		var give []*seal.Epoch
		if identity.PublicKey(cur.Creator) == me {
			give = append(give, cur)
		}
		if st.History {
			for _, e := range r.ring.Epochs() {
				if e.ID != cur.ID {
					give = append(give, e)
				}
			}
		}
		if len(give) == 0 {
			return nil
		}
		rs, err := n.recipients(ctx, st)
		if err != nil {
			return err
		}
		for _, ep := range give {
			if err := n.giveEpoch(ctx, id, r, ep, rs, changed); err != nil {
				return err
			}
		}
		return nil
	}
	rs, err := n.recipients(ctx, st)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return nil
	}
	ep, parts, err := seal.NewEpoch(id, seal.ID(me), prev, logKey, rs)
	if err != nil {
		return err
	}
	view := epochView(st, es, me)
	if err := n.appendKeys(ctx, id, parts, ep, view); err != nil {
		return err
	}
	for _, b := range st.Boundaries {
		r.rotatedFor[b.Entry] = true
	}
	r.ring.Add(ep)
	r.views[ep.ID] = view
	if view == nil {
		r.views[ep.ID] = []entry.ID{}
	}
	done := map[identity.PublicKey]bool{}
	for _, x := range rs {
		done[identity.PublicKey(x.Device)] = true
	}
	r.wrapped[ep.ID] = done
	*changed = true
	return nil
}

// needsRotation reports whether boundaries not covered by the current
// epoch call for a new one: not when this device already rotated for each
// of them (an epoch view holds at most space.MaxRefs heads; should one
// still miss a boundary, rotating again would not help).
func needsRotation(r *spaceRing, missing []space.Boundary) bool {
	for _, b := range missing {
		if !r.rotatedFor[b.Entry] {
			return true
		}
	}
	return false
}

// epochView is the view a new epoch names (spaces.md §3): the boundary
// entries of st first (removals, leaves, revocations), then the heads of
// the membership logs, at most space.MaxRefs, so that the view covers
// every boundary known.
func epochView(st *space.State, es []*entry.Entry, me identity.PublicKey) []entry.ID {
	var refs []entry.ID
	seen := map[entry.ID]bool{}
	for _, b := range st.Boundaries {
		if !seen[b.Entry] && len(refs) < space.MaxRefs {
			refs = append(refs, b.Entry)
			seen[b.Entry] = true
		}
	}
	for _, h := range st.Heads(es, me, true) {
		if !seen[h] && len(refs) < space.MaxRefs {
			refs = append(refs, h)
			seen[h] = true
		}
	}
	return space.SortRefs(refs)
}

// giveEpoch wraps ep to the recipients this device has not wrapped it to.
func (n *Node) giveEpoch(ctx context.Context, id entry.ID, r *spaceRing, ep *seal.Epoch, rs []seal.Recipient, changed *bool) error {
	done := r.wrapped[ep.ID]
	var fresh []seal.Recipient
	for _, x := range rs {
		if !done[identity.PublicKey(x.Device)] {
			fresh = append(fresh, x)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	parts, err := seal.Wrap(id, ep, fresh)
	if err != nil {
		return err
	}
	if err := n.appendKeys(ctx, id, parts, nil, nil); err != nil {
		return err
	}
	if done == nil {
		done = map[identity.PublicKey]bool{}
		r.wrapped[ep.ID] = done
	}
	for _, x := range fresh {
		done[identity.PublicKey(x.Device)] = true
	}
	*changed = true
	return nil
}

// appendKeys appends announcement parts to this device's keys log of the
// space and, for a new epoch, the sealed space.epoch naming view.
func (n *Node) appendKeys(ctx context.Context, id entry.ID, parts [][]byte, ep *seal.Epoch, view []entry.ID) error {
	log := space.KeysLog(id)
	for _, p := range parts {
		if _, err := n.appendSeqStamped(ctx, log, func(uint64) ([]byte, error) { return p, nil }); err != nil {
			return err
		}
	}
	if ep == nil {
		return nil
	}
	body, err := space.EncodeContent(&space.EpochView{Refs: view})
	if err != nil {
		return err
	}
	_, err = n.appendSeqStamped(ctx, log, func(seq uint64) ([]byte, error) {
		pos := seal.Position{Author: seal.ID(n.device.Public()), LogID: seal.ID(log), Seq: seq}
		return seal.Seal(id, ep, pos, n.now(), body)
	})
	return err
}

// appendSeqStamped appends to one of this device's logs the payload build
// makes for the next seq, with the seq as the header's timestamp
// (spaces.md §1: keys and content logs say nothing of when).
func (n *Node) appendSeqStamped(ctx context.Context, log entry.LogID, build func(seq uint64) ([]byte, error)) (*entry.Entry, error) {
	es, err := n.appendSeqStampedMany(ctx, log, 1, func(_ int, seq uint64) ([]byte, error) { return build(seq) })
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// appendSeqStampedMany is appendSeqStamped for count entries in a row,
// stored in one batch: all or none.
func (n *Node) appendSeqStampedMany(ctx context.Context, log entry.LogID, count int, build func(i int, seq uint64) ([]byte, error)) ([]*entry.Entry, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	key := store.LogKey{Author: n.device.Public(), LogID: log}
	var seq uint64 = 1
	var back entry.ID
	h, err := n.store.Head(ctx, key)
	switch {
	case err == nil:
		if h.Forked || h.Ended {
			return nil, fmt.Errorf("this device's log %s can no longer be extended (forked or ended)", log)
		}
		seq, back = h.Seq+1, h.ID
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, err
	}
	out := make([]*entry.Entry, 0, count)
	for i := range count {
		d := entry.Draft{LogID: log, Seq: seq, Backlink: back, Timestamp: seq}
		if d.Payload, err = build(i, seq); err != nil {
			return nil, err
		}
		e, err := entry.Sign(n.device, d)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		seq, back = seq+1, e.ID
	}
	if count == 1 {
		if err := n.appendOne(ctx, out[0]); err != nil {
			return nil, err
		}
		return out, nil
	}
	res, err := n.store.Ingest(ctx, out)
	if err != nil {
		return nil, err
	}
	for i, r := range res {
		if r.Outcome != store.Added {
			return nil, fmt.Errorf("entry %d of %d was %s, not added: %v", i+1, len(out), r.Outcome, r.Err)
		}
	}
	n.noteAdded(out, res)
	return out, nil
}
