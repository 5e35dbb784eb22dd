package browserpeer

import (
	"bytes"
	"context"
	"errors"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// maxKeysLogSeq bounds the entries of one device's keys log read
// (spaces.md §3), as a node does.
const maxKeysLogSeq = 4096

// spaceRing is what this browser knows of one space's keys: the epoch
// graph and the epochs opened with its key, and the keys log entries
// already read (announcement parts tried with its key).
type spaceRing struct {
	ring  *seal.Keyring
	tried map[entry.ID]bool
}

// logKey returns the space's log key when an epoch was opened.
func (r *spaceRing) logKey() ([32]byte, bool) {
	if cur, _ := r.ring.Current(); cur != nil {
		return cur.LogKey, true
	}
	for _, e := range r.ring.Epochs() {
		return e.LogKey, true
	}
	return [32]byte{}, false
}

// spaceRead is one space as the peer holds it: its reduced membership
// and its keyring.
type spaceRead struct {
	st   *space.State
	ring *spaceRing
	own  identity.PublicKey // the peer's account
	key  *seal.DecryptionKey
}

// eachSpace calls fn with every space the peer's account takes or took
// part in (spaces.md §2), by id, with its keys read (readKeys), under
// sp.mu. A space whose create is not held yet is left out.
func (p *Peer) eachSpace(ctx context.Context, fn func(*spaceRead) error) error {
	own, ok := p.Account()
	if !ok {
		return nil
	}
	p.sp.mu.Lock()
	defer p.sp.mu.Unlock()
	if p.sp.stale.Swap(false) || !p.sp.idsKnown {
		ids, err := p.spacesOf(ctx, own)
		if err != nil {
			p.sp.stale.Store(true)
			return err
		}
		p.sp.ids, p.sp.idsKnown = ids, true
	}
	for _, id := range p.sp.ids {
		create, es, err := p.spaceEntries(ctx, id)
		if err != nil {
			return err
		}
		if create == nil {
			continue
		}
		st, err := space.Reduce(id, es)
		if err != nil {
			continue // no valid create: no space (yet)
		}
		if p.sp.rings == nil {
			p.sp.rings = map[entry.ID]*spaceRing{}
		}
		r := p.sp.rings[id]
		if r == nil {
			r = &spaceRing{ring: seal.NewKeyring(), tried: map[entry.ID]bool{}}
			p.sp.rings[id] = r
		}
		sr := &spaceRead{st: st, ring: r, own: own, key: p.sp.key}
		if err := p.readKeys(ctx, sr); err != nil {
			return err
		}
		if err := fn(sr); err != nil {
			return err
		}
	}
	return nil
}

// spacesOf returns the spaces a held space.create or a space.add in the
// space's membership log names account in, sorted.
func (p *Peer) spacesOf(ctx context.Context, account identity.PublicKey) ([]entry.ID, error) {
	ids := map[entry.ID]bool{}
	for _, typ := range []string{space.TypeCreate, space.TypeAdd} {
		err := store.EachFound(ctx, p.store, store.Query{Type: typ}, func(e *store.Stored) {
			if e.Payload == nil {
				return
			}
			pl, err := space.Decode(e.Payload)
			if err != nil {
				return
			}
			switch pl := pl.(type) {
			case *space.Create:
				for _, m := range pl.Members {
					if m.Account == account {
						ids[e.ID] = true
					}
				}
			case *space.Add:
				if pl.Account == account && e.Header.LogID == entry.LogID(pl.Space) {
					ids[pl.Space] = true
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]entry.ID, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}

// spaceEntries returns the create entry (nil when not held) and what the
// reducer reads of a space, as a node reads it: the create, every held
// membership entry, and the certificates and revocations of their
// authors' devices, of this device, and of every device of the accounts
// the space names (space-membership.md §1, §5).
func (p *Peer) spaceEntries(ctx context.Context, id entry.ID) (*entry.Entry, []*entry.Entry, error) {
	s, err := p.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	create := s.Entry
	out := []*entry.Entry{create}
	devices := map[identity.PublicKey]bool{p.cfg.Device: true, create.Header.Author: true}
	log := entry.LogID(id)
	if err := store.EachFound(ctx, p.store, store.Query{LogID: &log}, func(e *store.Stored) {
		out = append(out, e.Entry)
		devices[e.Header.Author] = true
	}); err != nil {
		return nil, nil, err
	}
	accounts := map[identity.PublicKey]bool{}
	for d := range devices {
		if dv, err := p.store.AccountOf(ctx, d); err == nil {
			accounts[dv.Account] = true
		}
	}
	if st, err := space.Reduce(id, append(slices.Clone(out), p.certEntries(ctx, accounts)...)); err == nil {
		for _, a := range st.Named() {
			accounts[a] = true
		}
	}
	return create, append(out, p.certEntries(ctx, accounts)...), nil
}

// certEntries returns the certificates and revocations held of the
// accounts' devices.
func (p *Peer) certEntries(ctx context.Context, accounts map[identity.PublicKey]bool) []*entry.Entry {
	var out []*entry.Entry
	seen := map[entry.ID]bool{}
	for a := range accounts {
		ds, _ := p.store.Devices(ctx, a)
		for _, d := range ds {
			for _, cid := range []entry.ID{d.Cert, d.RevokedBy} {
				if cid.IsZero() || seen[cid] {
					continue
				}
				seen[cid] = true
				if c, err := p.store.Get(ctx, cid); err == nil {
					out = append(out, c.Entry)
				}
			}
		}
	}
	return out
}

// readKeys reads the space's keys logs (spaces.md §3): every announcement
// part by a device of an account that is an admin joins the epoch graph
// and, when this browser's account is or was named in the space and it
// holds a key, is tried with its key. A part by anyone else is never
// opened. The sealed space.epoch views are a writer's business: a browser
// only reads.
func (p *Peer) readKeys(ctx context.Context, sr *spaceRead) error {
	id, r, st := sr.st.Space, sr.ring, sr.st
	dk := sr.key
	if st.Members[sr.own] == 0 && !slices.Contains(st.Named(), sr.own) {
		dk = nil
	}
	log := space.KeysLog(id)
	return store.EachFound(ctx, p.store, store.Query{LogID: &log}, func(e *store.Stored) {
		if len(e.Payload) == 0 || e.Header.Seq > maxKeysLogSeq || r.tried[e.ID] || e.Payload[0] == 0x01 {
			return
		}
		acc, ok := st.AccountOf(e.Header.Author)
		if !ok || st.Members[acc] != space.Admin {
			return
		}
		a, err := seal.DecodeAnnouncement(e.Payload)
		if err != nil {
			r.tried[e.ID] = true
			return
		}
		r.ring.Learn(a)
		if dk == nil {
			return
		}
		if r.ring.Get(a.Epoch) == nil {
			if ep, err := seal.OpenEpoch(id, seal.ID(p.cfg.Device), dk, a); err == nil {
				r.ring.Add(ep)
			}
		}
		r.tried[e.ID] = true
	})
}
