package scope

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// relCache keeps a Ledger per account whose relations a recomputation
// asked for, so that a recomputation reads no statement it has read
// before: Note folds in each new statement of a device it holds, and an
// account whose set of devices changed (a new certificate) is read again
// from the store. A delete by a device it holds (the deleted statement
// no longer counts) drops that device's accounts, read again when next
// asked for, and so does a revocation of one of its devices (the store
// drops what the revocation does not keep). A recomputation drops the
// ledgers of accounts it no longer reaches (prune), so the cache holds
// what the scope follows, not everything it ever did.
type relCache struct {
	mu       sync.Mutex
	accounts map[identity.PublicKey]*cachedRelations
	byDevice map[identity.PublicKey][]identity.PublicKey // device -> accounts whose ledger holds its statements
	// devices: the devices (revoked ones too) of the accounts a
	// recomputation asked for; Note drops an account's on its
	// certificates and revocations.
	devices map[identity.PublicKey]heldDevices
	// edits: the answers of held ledgers that Note changed since the
	// last recomputation took them, and the accounts whose devices
	// changed, in order (grow.go); dirty: something else changed since (a
	// ledger dropped), or too many edits came: the next recomputation
	// builds the graph again.
	edits []edit
	dirty bool
	// certs: the accounts whose devices changed (a certificate or a
	// revocation noted), in order; certBase of them were forgotten before
	// the first (FollowsSince reads them since a mark). certGen counts
	// the resets and the times certs grew past maxEdits: a caller that
	// read devices of accounts from the store then reads them all again.
	certs    []identity.PublicKey
	certBase uint64
	certGen  uint64
	// certsStale: a revocation was noted, or logs were dropped, since the
	// certificates index (certindex.go) last read: it reads all again.
	certsStale bool
}

// edit is a change of one held ledger's answer: the account now follows
// (or blocks) subject, or no longer does; or (cert) the account certified
// or revoked a device: old are its current devices the graph was built
// with (had: they were held).
type edit struct {
	account, subject identity.PublicKey
	block, on        bool
	cert, revoke     bool
	had              bool
	old              []identity.PublicKey
}

// addEdit keeps x for the next recomputation, or marks the graph dirty
// when more than maxEdits came.
func (c *relCache) addEdit(x edit) {
	if len(c.edits) >= maxEdits {
		c.dirty, c.edits = true, nil
	}
	if !c.dirty {
		c.edits = append(c.edits, x)
	}
}

// maxEdits bounds the edits kept between recomputations; past it the next
// recomputation builds the graph again (a variable for tests).
var maxEdits = 4096

// heldDevices are one account's devices: all, and the current ones (not
// revoked).
type heldDevices struct{ all, current []identity.PublicKey }

type cachedRelations struct {
	devices []identity.PublicKey // sorted
	ledger  *Ledger
}

func newRelCache() *relCache {
	return &relCache{accounts: map[identity.PublicKey]*cachedRelations{}, byDevice: map[identity.PublicKey][]identity.PublicKey{}, devices: map[identity.PublicKey]heldDevices{}}
}

// devicesOf returns the account's devices, revoked ones too, and the
// current ones, reading them from the store unless held. The caller holds
// c.mu.
func (c *relCache) devicesOf(ctx context.Context, st store.Store, account identity.PublicKey) (all, current []identity.PublicKey, err error) {
	if h, ok := c.devices[account]; ok {
		return h.all, h.current, nil
	}
	ds, err := st.Devices(ctx, account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	var h heldDevices
	for _, d := range ds {
		h.all = append(h.all, d.Device)
		if !d.Revoked {
			h.current = append(h.current, d.Device)
		}
	}
	c.devices[account] = h
	return h.all, h.current, nil
}

// ledger returns the account's ledger over devices, reading it from the
// store unless held for the same devices. The ledger must be read only
// while no Note runs: by the Scope's recomputation, which holds the
// cache's lock through readers (view).
func (c *relCache) ledger(ctx context.Context, st store.Store, account identity.PublicKey, devices []identity.PublicKey) (*Ledger, error) {
	devs := uniqueSorted(devices)
	if cr, ok := c.accounts[account]; ok && slices.Equal(cr.devices, devs) {
		return cr.ledger, nil
	}
	c.drop(account)
	return c.read(ctx, st, account, devs)
}

// reread returns the account's ledger over devices as ledger does, and
// the one it held before over other devices (nil when none), without
// marking the graph dirty: grow compares the two (a certificate can only
// grow the graph when the account's follows did not shrink). The caller
// holds c.mu.
func (c *relCache) reread(ctx context.Context, st store.Store, account identity.PublicKey, devices []identity.PublicKey) (old, l *Ledger, err error) {
	devs := uniqueSorted(devices)
	cr, ok := c.accounts[account]
	if ok && slices.Equal(cr.devices, devs) {
		return cr.ledger, cr.ledger, nil
	}
	if ok {
		old = cr.ledger
		c.unindex(account, cr)
	}
	l, err = c.read(ctx, st, account, devs)
	return old, l, err
}

// read reads the account's ledger over devs (sorted, no repeats) from the
// store and holds it.
func (c *relCache) read(ctx context.Context, st store.Store, account identity.PublicKey, devs []identity.PublicKey) (*Ledger, error) {
	l, err := readLedger(ctx, st, devs)
	if err != nil {
		return nil, err
	}
	c.accounts[account] = &cachedRelations{devices: devs, ledger: l}
	for _, d := range devs {
		c.byDevice[d] = append(c.byDevice[d], account)
	}
	return l, nil
}

// uniqueSorted returns ks sorted, without repeats, in a new slice.
func uniqueSorted(ks []identity.PublicKey) []identity.PublicKey {
	ks = slices.Clone(ks)
	slices.SortFunc(ks, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(ks)
}

// drop forgets the account's ledger; the next recomputation builds the
// graph again.
func (c *relCache) drop(account identity.PublicKey) {
	cr, ok := c.accounts[account]
	if !ok {
		return
	}
	c.dirty = true
	c.unindex(account, cr)
}

// unindex forgets the account's ledger cr, held.
func (c *relCache) unindex(account identity.PublicKey, cr *cachedRelations) {
	delete(c.accounts, account)
	for _, d := range cr.devices {
		as := slices.DeleteFunc(c.byDevice[d], func(a identity.PublicKey) bool { return a == account })
		if len(as) == 0 {
			delete(c.byDevice, d)
		} else {
			c.byDevice[d] = as
		}
	}
}

// note folds stored entries into the ledgers of their authors' accounts
// and reports whether any account's follows or blocks changed. get reads
// an entry as stored (a statement stored deleted, its delete having come
// first, has no payload there).
func (c *relCache) note(ctx context.Context, es []*entry.Entry, get func(context.Context, entry.ID) (*store.Stored, error)) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := false
	for _, e := range es {
		if e.Payload == nil {
			continue
		}
		typ, err := content.PeekType(e.Payload)
		if err != nil {
			continue
		}
		if typ == content.TypeDeviceAdd || typ == content.TypeDeviceRevoke {
			// Written by the account (payloads.md): its devices are read
			// again when next asked for, and the next recomputation
			// grows the graph by them (grow.go).
			a := e.Header.Author
			h, had := c.devices[a]
			if had {
				delete(c.devices, a)
				changed = true
			}
			c.addEdit(edit{account: a, cert: true, revoke: typ == content.TypeDeviceRevoke, had: had, old: h.current})
			c.certs = append(c.certs, a)
			if len(c.certs) > maxEdits {
				c.certBase += uint64(len(c.certs))
				c.certs = nil
				c.certGen++
			}
		}
		if typ == content.TypeDeviceRevoke {
			c.certsStale = true
			// The store drops the revoked device's entries the
			// revocation does not keep: read its accounts again.
			p, err := content.Decode(e.Payload)
			if rv, ok := p.(*content.DeviceRevoke); err == nil && ok {
				for _, a := range slices.Clone(c.byDevice[rv.Device.Key()]) {
					c.drop(a)
					changed = true
				}
			}
			continue
		}
		accounts := c.byDevice[e.Header.Author]
		if len(accounts) == 0 || e.Header.LogID != entry.PublicLog {
			continue
		}
		switch typ {
		case content.TypeDelete:
			// A delete of a statement that counts (its device's latest
			// about its subject): the one before it counts again, so
			// the accounts are read again when next asked for.
			p, err := content.Decode(e.Payload)
			d, ok := p.(*content.Delete)
			if err != nil || !ok {
				continue
			}
			for _, a := range slices.Clone(accounts) {
				if c.accounts[a].ledger.Holds(d.Target) {
					c.drop(a)
					changed = true
				}
			}
		case content.TypeFollow, content.TypeBlock:
			s, err := get(ctx, e.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue // dropped since (a revocation that does not keep it)
			}
			if err != nil {
				return changed, err
			}
			x, ok := StatementOf(s.Header, s.ID, s.Payload)
			if !ok {
				continue
			}
			for _, a := range accounts {
				l := c.accounts[a].ledger
				if !l.Add(x) {
					continue
				}
				changed = true
				on := l.Follows(x.Subject)
				if x.Block {
					on = l.Blocks(x.Subject)
				}
				c.addEdit(edit{account: a, subject: x.Subject, block: x.Block, on: on})
			}
		}
	}
	return changed, nil
}

// reset forgets every ledger.
func (c *relCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.accounts = map[identity.PublicKey]*cachedRelations{}
	c.byDevice = map[identity.PublicKey][]identity.PublicKey{}
	c.devices = map[identity.PublicKey]heldDevices{}
	c.edits, c.dirty = nil, true
	c.certBase += uint64(len(c.certs))
	c.certs = nil
	c.certGen++
}

// readLedger reads the follow and block statements in the public logs of
// devices (one account's) into a new ledger.
func readLedger(ctx context.Context, st store.Store, devices []identity.PublicKey) (*Ledger, error) {
	l := NewLedger()
	if len(devices) == 0 {
		return l, nil
	}
	public := entry.PublicLog
	for _, typ := range []string{content.TypeFollow, content.TypeBlock} {
		var after int64
		for {
			es, err := st.Find(ctx, store.Query{Type: typ, LogID: &public, Authors: devices, After: after, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				after = e.Cursor
				if x, ok := StatementOf(e.Header, e.ID, e.Payload); ok {
					l.Add(x)
				}
			}
			if len(es) < 1000 {
				break
			}
		}
	}
	return l, nil
}

// follows fills sn.blocked, sn.accounts and sn.authors from the follow
// graph: this account's blocks, then breadth first Hops+1 steps from this
// account over the follows, from the cached ledgers.
func (s *Scope) follows(ctx context.Context, sn *snapshot, own []identity.PublicKey) error {
	s.rel.mu.Lock()
	defer s.rel.mu.Unlock()
	mine, err := s.rel.ledger(ctx, s.st, s.cfg.Account, own)
	if err != nil {
		return err
	}
	var blockErr error
	mine.EachBlock(func(a identity.PublicKey) {
		sn.blocked[a] = true
		devs, _, err := s.rel.devicesOf(ctx, s.st, a)
		if err != nil {
			blockErr = err
		}
		for _, d := range devs {
			sn.blocked[d] = true
		}
	})
	if blockErr != nil {
		return blockErr
	}
	sn.accounts[s.cfg.Account] = 0
	sn.authors[s.cfg.Account] = true
	for _, d := range own {
		sn.authors[d] = true
	}
	// Breadth first over the follow graph, Hops+1 steps from this account.
	var frontier []identity.PublicKey
	mine.EachFollow(func(a identity.PublicKey) { frontier = append(frontier, a) })
	for dist := 1; dist <= s.cfg.Hops+1 && len(frontier) > 0; dist++ {
		var next []identity.PublicKey
		for _, a := range frontier {
			if _, seen := sn.accounts[a]; seen || sn.blocked[a] {
				continue
			}
			sn.accounts[a] = dist
			sn.authors[a] = true
			devs, current, err := s.rel.devicesOf(ctx, s.st, a)
			if err != nil {
				return err
			}
			for _, d := range devs {
				sn.authors[d] = true
			}
			if dist == 1 {
				sn.followedDevices = append(sn.followedDevices, current...)
			}
			if dist <= s.cfg.Hops && len(devs) > 0 {
				l, err := s.rel.ledger(ctx, s.st, a, devs)
				if err != nil {
					return err
				}
				l.EachFollow(func(b identity.PublicKey) { next = append(next, b) })
			}
		}
		frontier = next
	}
	s.rel.prune(func(a identity.PublicKey) bool {
		d, ok := sn.accounts[a]
		return ok && d <= s.cfg.Hops
	}, func(a identity.PublicKey) bool {
		_, ok := sn.accounts[a]
		return ok || sn.blocked[a]
	})
	// What was noted so far is in the graph just built.
	s.rel.edits, s.rel.dirty = nil, false
	return nil
}

// prune drops the ledgers of the accounts keep does not keep, and the
// devices of those keepDevices does not.
func (c *relCache) prune(keep, keepDevices func(identity.PublicKey) bool) {
	for a := range c.accounts {
		if !keep(a) {
			c.drop(a)
		}
	}
	for a := range c.devices {
		if !keepDevices(a) {
			delete(c.devices, a)
		}
	}
}

// Note tells the scope of entries just stored, by this node or from a
// peer, after the store has them: the follow and block statements and
// deletes among them are folded into the relations read so far. It
// reports whether the follows or blocks of an account the scope read
// changed; the scope's answers change at the next Recompute. Statements
// stored without Note (a payload filled in later, another process's
// writes not seen) count from the next Refresh.
func (s *Scope) Note(ctx context.Context, es []*entry.Entry) (bool, error) {
	return s.rel.note(ctx, es, s.st.Get)
}

// RelationsOf is Relations of the account over devices, from the
// statements the scope holds read (read and kept when not): the accounts
// followed and those blocked, as new maps the caller may keep.
func (s *Scope) RelationsOf(ctx context.Context, account identity.PublicKey, devices []identity.PublicKey) (follows, blocks map[identity.PublicKey]bool, err error) {
	s.rel.mu.Lock()
	defer s.rel.mu.Unlock()
	l, err := s.rel.ledger(ctx, s.st, account, devices)
	if err != nil {
		return nil, nil, err
	}
	return maps.Clone(l.kinds[0].on), maps.Clone(l.kinds[1].on), nil
}

// FollowedDevices returns the current devices of this account (this
// device too) and of the accounts it follows, blocked ones left out: whom
// the node wants connected. The slice is shared: do not modify it.
func (s *Scope) FollowedDevices() []identity.PublicKey { return s.snap.Load().followedDevices }
