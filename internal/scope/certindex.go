package scope

import (
	"context"
	"slices"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// certIndex is what Certificates answers, kept between recomputations of
// a node in a village (village.go), so that a recomputation reads only
// the certificates that changed, not every one held: before it, following
// the n-th account cost a village member n certificates read.
//
// What changed is found two ways: the certificates and revocations
// stored since (by cursor, per type: whatever way they were stored), and
// the authors Note saw certify or revoke (relCache.certs: a certificate
// stored earlier without its payload and filled in since keeps its old
// cursor). Each such author's certificates are read again whole. A
// payload filled in that Note did not see (a peer's, through sync) counts
// from the next Refresh, as it does for the relations cache. The index is
// built again from the store when the relations cache was reset
// (Refresh) or forgot the authors it lists (more than maxEdits between two
// recomputations), when more than rereadMax authors changed at once, and
// after a revocation was noted or logs were dropped (LogsDropped): both
// take entries out of the store, which no cursor shows.
type certIndex struct {
	gen   uint64           // relCache.certGen it was built or brought up to date under
	pos   uint64           // relCache.certBase + len(certs) it read up to
	after map[string]int64 // per type, the last cursor read
	// devices and byLog are Certificates' answers; authors lists, per
	// author, the logs byLog holds entries of it in.
	devices map[identity.PublicKey][]identity.PublicKey
	byLog   map[entry.LogID][]*entry.Entry
	authors map[identity.PublicKey][]entry.LogID
}

// certTypes are the types Certificates reads, in its order.
var certTypes = []string{content.TypeDeviceAdd, content.TypeDeviceRevoke}

// rereadMax bounds the authors whose certificates one recomputation reads
// again one by one; past it, the index is built again in one pass.
const rereadMax = 256

// certificates is Certificates' answer, from the index kept between
// recomputations when it can be brought up to date; s.mu is held. The
// maps returned are the index's: the caller only reads them.
func (s *Scope) certificates(ctx context.Context) (map[identity.PublicKey][]identity.PublicKey, map[entry.LogID][]*entry.Entry, error) {
	c := s.rel
	c.mu.Lock()
	gen, base, noted, stale := c.certGen, c.certBase, slices.Clone(c.certs), c.certsStale
	c.certsStale = false
	c.mu.Unlock()
	end := base + uint64(len(noted))
	x := s.certs
	s.certs = nil // kept again below once whole: an error leaves none
	if x == nil || stale || x.gen != gen || x.pos < base || x.pos > end {
		x = &certIndex{after: map[string]int64{}, devices: map[identity.PublicKey][]identity.PublicKey{},
			byLog: map[entry.LogID][]*entry.Entry{}, authors: map[identity.PublicKey][]entry.LogID{}}
		if err := x.read(ctx, s.st, func(e *store.Stored) { x.add(e) }); err != nil {
			return nil, nil, err
		}
	} else {
		changed := map[identity.PublicKey]bool{}
		for _, a := range noted[x.pos-base:] {
			changed[a] = true
		}
		if err := x.read(ctx, s.st, func(e *store.Stored) { changed[e.Header.Author] = true }); err != nil {
			return nil, nil, err
		}
		if len(changed) > rereadMax {
			x = &certIndex{after: map[string]int64{}, devices: map[identity.PublicKey][]identity.PublicKey{},
				byLog: map[entry.LogID][]*entry.Entry{}, authors: map[identity.PublicKey][]entry.LogID{}}
			if err := x.read(ctx, s.st, func(e *store.Stored) { x.add(e) }); err != nil {
				return nil, nil, err
			}
		} else {
			for a := range changed {
				if err := x.reread(ctx, s.st, a); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	x.gen, x.pos = gen, end
	s.certs = x
	return x.devices, x.byLog, nil
}

// read hands fn the certificates and revocations stored after the last
// cursor read of each type, and moves the cursors on.
func (x *certIndex) read(ctx context.Context, st store.Store, fn func(*store.Stored)) error {
	for _, typ := range certTypes {
		after := x.after[typ]
		if err := store.EachFound(ctx, st, store.Query{Type: typ, After: after}, func(e *store.Stored) {
			fn(e)
			after = max(after, e.Cursor)
		}); err != nil {
			return err
		}
		x.after[typ] = after
	}
	return nil
}

// add indexes one stored certificate or revocation, as Certificates does.
func (x *certIndex) add(e *store.Stored) {
	lid, author := e.Header.LogID, e.Header.Author
	x.byLog[lid] = append(x.byLog[lid], e.Entry)
	if !slices.Contains(x.authors[author], lid) {
		x.authors[author] = append(x.authors[author], lid)
	}
	if dev, ok := certifiedDevice(e); ok && !slices.Contains(x.devices[author], dev) {
		x.devices[author] = append(x.devices[author], dev)
	}
}

// reread replaces the entries and devices of one author with what the
// store holds now.
func (x *certIndex) reread(ctx context.Context, st store.Store, author identity.PublicKey) error {
	var es []*store.Stored
	for _, typ := range certTypes {
		if err := store.EachFound(ctx, st, store.Query{Type: typ, Authors: []identity.PublicKey{author}}, func(e *store.Stored) {
			es = append(es, e)
		}); err != nil {
			return err
		}
	}
	for _, lid := range x.authors[author] {
		kept := slices.DeleteFunc(x.byLog[lid], func(e *entry.Entry) bool { return e.Header.Author == author })
		if len(kept) == 0 {
			delete(x.byLog, lid)
		} else {
			x.byLog[lid] = kept
		}
	}
	delete(x.authors, author)
	delete(x.devices, author)
	for _, e := range es {
		x.add(e)
	}
	return nil
}

// certifiedDevice is the device a stored device.add certifies for its
// author, if its payload is held and is a certificate by its author.
func certifiedDevice(e *store.Stored) (identity.PublicKey, bool) {
	if e.Payload == nil {
		return identity.PublicKey{}, false
	}
	p, err := content.Decode(e.Payload)
	if err != nil {
		return identity.PublicKey{}, false
	}
	add, ok := p.(*content.DeviceAdd)
	if !ok || identity.PublicKey(add.Account) != e.Header.Author {
		return identity.PublicKey{}, false
	}
	return identity.PublicKey(add.Device), true
}

// LogsDropped tells the scope that logs were dropped from the store
// (store.LogDropper): the certificates it keeps are read again whole at
// the next recomputation.
func (s *Scope) LogsDropped() {
	s.rel.mu.Lock()
	s.rel.certsStale = true
	s.rel.mu.Unlock()
}
