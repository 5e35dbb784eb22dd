package scope

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// DefaultHops is how many steps beyond the accounts one follows are
// replicated: 1 means the accounts they follow are fetched too, and the
// accounts those follow are not.
const DefaultHops = 1

// MaxHops bounds Config.Hops: every hop multiplies what a node fetches.
const MaxHops = 3

// Config says whose logs a node wants.
type Config struct {
	Account identity.PublicKey // this node's account
	// Device is this node's device key: while it is one of Account's
	// current devices, the account's other current devices are its
	// mirrors (Mirror). Zero: no mirrors.
	Device identity.PublicKey
	Hops   int            // steps beyond the followed accounts; see DefaultHops
	Logs   []store.LogKey // logs wanted explicitly, whoever wrote them
	// Spaces, when set, says which logs of the spaces this node takes part
	// in it wants (doc/protocol/spaces.md §2); the node computes them,
	// since content log ids need the spaces' log keys.
	Spaces func(ctx context.Context) (SpaceWants, error)
	// Festivals, when set, says which festivals this node opened
	// (festival.go).
	Festivals func(ctx context.Context) (FestivalWants, error)
}

// SpaceWants is what a node wants of its spaces: logs, and authors every
// log of which is wanted (the accounts the spaces name: their keys write
// only device certificates and revocations).
type SpaceWants struct {
	Logs    []store.LogKey
	Authors []identity.PublicKey
	// Only: logs, by log id, given only to the devices listed (and to
	// this account's own devices), whoever else wants them, e.g. by
	// following the author: a village's conversation and festival logs
	// go to its locals only (doc/network.md, "What only locals receive").
	Only map[entry.LogID][]identity.PublicKey
}

// Scope answers Wants and Offers from the latest snapshot. Safe for
// concurrent use.
type Scope struct {
	st  store.Store
	cfg Config

	mu sync.Mutex // serialises Refresh
	// explicit: Config.Logs (logset.go); cfg.Logs is nil.
	explicit logSet
	snap     atomic.Pointer[snapshot]
	rel      *relCache // the relations read so far (relcache.go)
	// graphMu guards the follow graph's maps (snapshot.accounts and
	// snapshot.authors), which a recomputation that only adds follows
	// grows in place (grow.go) instead of building them again: readers
	// of those maps load the snapshot and read them under the read lock,
	// so that they see a snapshot whole, before or after.
	graphMu sync.RWMutex
	// mustGrowNot: the last recomputation failed, so the next one builds
	// the graph again (what it consumed of the notes is lost). Guarded
	// by mu.
	mustGrowNot bool
	// certs is Certificates' answer kept between recomputations of a
	// village member (certindex.go). Guarded by mu.
	certs *certIndex
	// grown and rebuilt count the recomputations that grew the graph and
	// those that built it again (tests).
	grown, rebuilt atomic.Int64
}

// snapshot is one immutable computation of the scope.
type snapshot struct {
	// accounts, authors: the follow graph's accounts and their devices
	// (blocked ones left out); a recomputation that only adds follows
	// shares them with the snapshot before and grows them in place
	// under Scope.graphMu (grow.go). extraAuthors: the authors every log
	// of which is wanted for other reasons (villages, spaces), made
	// anew each time.
	accounts     map[identity.PublicKey]int // wanted account -> distance (0 = own, 1 = followed, ...)
	authors      map[identity.PublicKey]bool
	extraAuthors map[identity.PublicKey]bool
	blocked      map[identity.PublicKey]bool // blocked accounts and their devices
	// ownCurrent: the account's current devices, the start of
	// followedDevices.
	ownCurrent []identity.PublicKey
	logs       map[store.LogKey]bool
	// explicit: Config.Logs as a set of hashes shared by every snapshot:
	// 8 bytes a log where a map held about 130, for nodes that list a
	// million (logset.go; BENCHMARKS.md, "Scale", item 7).
	explicit logSet
	// own: the account's devices, revoked ones too (their logs are the
	// account's own logs); mirrors: its current devices other than this
	// one, when this one is current (doc/protocol/sync.md, "Mirrors").
	own      map[identity.PublicKey]bool
	mirrors  map[identity.PublicKey]bool
	villages []entry.ID // the villages this account's devices take part in
	// villageLogs: the log ids of villages; in a village whose found
	// entry is held, only the logs of the authors in heard are wanted and
	// offered (an unlisted stranger's requests stay with the local it
	// contacted); refused: vetoed strangers' village logs, neither wanted
	// nor offered to anyone (village.md §6).
	villageLogs map[entry.LogID]bool
	refused     map[store.LogKey]bool
	// certLogs: the certificate logs (content.DeviceCertLog) of the
	// authors of the villages' logs, wanted of any author (village.md §1).
	certLogs map[entry.LogID]bool
	// anyFound: the found entry of one of villages is not held, so every
	// device's found log is wanted (who founded is not known yet).
	anyFound bool
	// heard: for each village whose found entry is held, the authors
	// whose entries in its log are admitted whatever their type: the keys
	// the village knows (founders, locals, former locals, invitees) and
	// the strangers it hears (listed, not vetoed). Anyone else's entries
	// there are admitted only as requests (Admits).
	heard map[entry.LogID]map[identity.PublicKey]bool
	// villageLocals: the current locals' keys of every village, this
	// node's own left out; the node keeps them connected.
	villageLocals []identity.PublicKey
	// festivalLogs: the logs of the festivals this node opened, of any
	// author (festival.go).
	festivalLogs map[entry.LogID]bool
	// anyFestivalFound: a festival nested in none was opened by its id
	// alone and its create is not held, so every device's festival found
	// log is wanted (who founded it is not known yet).
	anyFestivalFound bool
	// only: logs given only to the devices listed (SpaceWants.Only).
	only map[entry.LogID]map[identity.PublicKey]bool
	// followedDevices: the current devices of the account and of the
	// accounts at distance 1 (FollowedDevices).
	followedDevices []identity.PublicKey
}

// New computes the scope from the store.
func New(ctx context.Context, st store.Store, cfg Config) (*Scope, error) {
	if cfg.Hops < 0 {
		cfg.Hops = 0
	}
	if cfg.Hops > MaxHops {
		cfg.Hops = MaxHops
	}
	s := &Scope{st: st, cfg: cfg, rel: newRelCache(), explicit: newLogSet(cfg.Logs)}
	s.cfg.Logs = nil // held in explicit
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// view returns the latest snapshot with the graph's read lock held: the
// caller reads it, then calls done. Only what reads snapshot.accounts or
// snapshot.authors needs it; the other fields of a snapshot never change.
func (s *Scope) view() (sn *snapshot, done func()) {
	s.graphMu.RLock()
	return s.snap.Load(), s.graphMu.RUnlock
}

// Wants reports whether this node wants to hold the log.
func (s *Scope) Wants(log store.LogKey) bool {
	sn, done := s.view()
	defer done()
	return sn.wants(log)
}

func (sn *snapshot) wants(log store.LogKey) bool {
	if sn.blocked[log.Author] || sn.refused[log] || sn.unlisted(log) {
		return false
	}
	return sn.authors[log.Author] || sn.extraAuthors[log.Author] || sn.logs[log] || sn.explicit.has(log) || sn.villageLogs[log.LogID] || sn.festivalLogs[log.LogID] || sn.certLogs[log.LogID] || (sn.anyFound && log.LogID == FoundLog) ||
		(sn.anyFestivalFound && log.LogID == FestivalFoundLog)
}

// Offers reports whether this node gives the log to peer (a device key).
// Nothing is given to a blocked peer, no blocked account's log to anyone,
// no village log of a stranger that village vetoes, and the village log
// of a stranger the village does not hear to nobody but that stranger. A
// mirror (Mirror) is given only the logs this node wants itself: it takes
// all it is given (WantsFrom), so a log this node no longer wants is not
// passed on.
func (s *Scope) Offers(peer identity.PublicKey, log store.LogKey) bool {
	sn, done := s.view()
	defer done()
	ok := !sn.blocked[peer] && !sn.blocked[log.Author] && !sn.refused[log] &&
		(peer == log.Author || !sn.unlisted(log))
	if to, restricted := sn.only[log.LogID]; ok && restricted && !to[peer] && !sn.own[peer] {
		return false
	}
	if ok && sn.mirrors[peer] {
		return sn.wants(log)
	}
	return ok
}

// Withheld names the logs Offers may refuse peer, so that a sync session
// can compute the fingerprint of what it offers from the store's digest of
// all heads less those (replicate.Withholder): every log of a blocked
// account or device, the refused village logs, and every log of the log
// ids that some peers only are given (villages' logs of strangers not
// heard, SpaceWants.Only). It is a superset: each log is then asked with
// Offers. none is true for a blocked peer (given nothing); ok is false for
// a mirror, which is given what this node wants, a set that cannot be
// named so. Its size grows with what this node's account blocks, its
// villages and its spaces, not with the logs held.
func (s *Scope) Withheld(peer identity.PublicKey) (sel store.Selection, none, ok bool) {
	sn, done := s.view()
	defer done()
	if sn.blocked[peer] {
		return sel, true, true
	}
	if sn.mirrors[peer] {
		return sel, false, false
	}
	for k := range sn.blocked {
		sel.Authors = append(sel.Authors, k)
	}
	for l := range sn.refused {
		sel.Logs = append(sel.Logs, l)
	}
	for id := range sn.heard {
		sel.LogIDs = append(sel.LogIDs, id)
	}
	for id := range sn.only {
		if _, dup := sn.heard[id]; !dup {
			sel.LogIDs = append(sel.LogIDs, id)
		}
	}
	return sel, false, true
}

// WantsFrom reports whether this node wants the log from peer: every log
// a mirror offers (doc/protocol/sync.md, "Mirrors"), but never a blocked
// account's, a refused village log or an unlisted stranger's; from any
// other peer, what Wants says.
func (s *Scope) WantsFrom(peer identity.PublicKey, log store.LogKey) bool {
	sn, done := s.view()
	defer done()
	if sn.mirrors[peer] {
		return !sn.blocked[log.Author] && !sn.refused[log] && !sn.unlisted(log)
	}
	return sn.wants(log)
}

// Acknowledges reports whether this node tells peer, with HAVE, how far it
// holds the log even when peer serves it: the account's own logs, to its
// mirrors (doc/protocol/sync.md, "Mirrors").
func (s *Scope) Acknowledges(peer identity.PublicKey, log store.LogKey) bool {
	sn := s.snap.Load()
	return sn.mirrors[peer] && sn.own[log.Author]
}

// Mirror reports whether peer is one of this account's other current
// devices while this device is current: the devices that replicate
// everything each other holds in scope.
func (s *Scope) Mirror(peer identity.PublicKey) bool { return s.snap.Load().mirrors[peer] }

// Own reports whether key is one of this account's devices, revoked ones
// included: the authors of the account's own logs.
func (s *Scope) Own(key identity.PublicKey) bool { return s.snap.Load().own[key] }

// unlisted is Scope.Unlisted on the snapshot.
func (sn *snapshot) unlisted(log store.LogKey) bool {
	known, ok := sn.heard[log.LogID]
	return ok && !known[log.Author]
}

// Blocked reports whether key is a blocked account or one of its devices.
func (s *Scope) Blocked(key identity.PublicKey) bool { return s.snap.Load().blocked[key] }

// Accounts returns the wanted accounts with their follow distance: 0 for
// this node's own account, 1 for followed accounts, and so on.
func (s *Scope) Accounts() map[identity.AccountID]int {
	sn, done := s.view()
	defer done()
	out := make(map[identity.AccountID]int, len(sn.accounts))
	for k, d := range sn.accounts {
		out[k.Account()] = d
	}
	return out
}

// Following returns the accounts this node's account follows (distance 1).
func (s *Scope) Following() []identity.AccountID {
	var out []identity.AccountID
	sn, done := s.view()
	for k, d := range sn.accounts {
		if d == 1 {
			out = append(out, k.Account())
		}
	}
	done()
	sort.Slice(out, func(i, j int) bool { return string(out[i][:]) < string(out[j][:]) })
	return out
}

// Relevant reports whether storing e can change the scope: a follow, a
// block, a device certificate, a revocation, or a village entry that can
// change who takes part or a stranger's standing (found, accept, invite,
// join, leave, vote, exclusion proposal or vote, position). Userspecs, notes, states
// and requests cannot (a request lists nobody: the village hears a
// stranger only once a local votes on it), so a flood of requests costs no
// recomputation.
func Relevant(e *entry.Entry) bool {
	if e.Payload == nil {
		return false
	}
	typ, err := content.PeekType(e.Payload)
	if err != nil {
		return false
	}
	switch typ {
	case content.TypeFollow, content.TypeBlock, content.TypeDeviceAdd, content.TypeDeviceRevoke,
		village.TypeFound, village.TypeAccept, village.TypeInvite, village.TypeJoin, village.TypeLeave,
		village.TypeVote, village.TypeExclude, village.TypeExcludeVote, village.TypePosition,
		space.TypeCreate, space.TypeAdd, space.TypeRemove, space.TypeRole, space.TypeLeave:
		return true
	}
	return false
}

// Refresh recomputes the snapshot from the store, every follow and
// block statement read again.
func (s *Scope) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rel.reset()
	return s.recompute(ctx)
}

// Recompute recomputes the snapshot without reading again the follow and
// block statements read before: those stored since must have been given
// to Note. Following one more account then costs what changed, not every
// statement held.
func (s *Scope) Recompute(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recompute(ctx)
}

func (s *Scope) recompute(ctx context.Context) error {
	sn, g, err := s.compute(ctx)
	if err != nil {
		s.mustGrowNot = true
		return err
	}
	s.graphMu.Lock()
	if g != nil {
		g.apply(sn)
	}
	s.snap.Store(sn)
	s.graphMu.Unlock()
	s.mustGrowNot = false
	if g != nil {
		s.grown.Add(1)
	} else {
		s.rebuilt.Add(1)
	}
	return nil
}

// compute computes a snapshot: the follow graph grown from the last
// snapshot's when only follows were added since (g, applied by the
// caller under graphMu), else built again; the rest made anew.
func (s *Scope) compute(ctx context.Context) (*snapshot, *growth, error) {
	prev := s.snap.Load()
	sn := &snapshot{
		extraAuthors: map[identity.PublicKey]bool{},
		logs:         map[store.LogKey]bool{},
		own:          map[identity.PublicKey]bool{},
		mirrors:      map[identity.PublicKey]bool{},

		villageLogs: map[entry.LogID]bool{},
		refused:     map[store.LogKey]bool{},
		certLogs:    map[entry.LogID]bool{},
		heard:       map[entry.LogID]map[identity.PublicKey]bool{},

		festivalLogs: map[entry.LogID]bool{},
		only:         map[entry.LogID]map[identity.PublicKey]bool{},
	}
	sn.explicit = s.explicit
	// One read of this account's devices for the walk and for sn.own: a
	// certificate stored between two reads left a device in sn.own but
	// not among the authors, and the next recomputation, seeing sn.own
	// unchanged, grew the graph without it.
	own, err := s.mirrorsOf(ctx, sn)
	if err != nil {
		return nil, nil, err
	}
	var g *growth
	if prev != nil && !s.mustGrowNot && slices.Equal(sn.ownCurrent, prev.ownCurrent) && maps.Equal(sn.own, prev.own) {
		if g, err = s.grow(ctx, prev); err != nil {
			return nil, nil, err
		}
	}
	if g != nil {
		// The graph's maps are the last snapshot's, grown by the caller
		// (g.apply); followedDevices is appended to past the end of the
		// last snapshot's, which its readers never read.
		sn.accounts, sn.authors, sn.blocked = prev.accounts, prev.authors, prev.blocked
		sn.followedDevices = prev.followedDevices
		if len(g.followed) > 0 {
			sn.followedDevices = append(sn.followedDevices, g.followed...)
		}
	} else {
		// Sized as the last snapshot: with thousands of accounts
		// followed, growing the maps from empty was most of a
		// recomputation.
		var nAccounts, nAuthors int
		if prev != nil {
			nAccounts, nAuthors = len(prev.accounts)+1, len(prev.authors)+1
		}
		sn.accounts = make(map[identity.PublicKey]int, nAccounts)
		sn.authors = make(map[identity.PublicKey]bool, nAuthors)
		sn.blocked = map[identity.PublicKey]bool{}
		sn.followedDevices = slices.Clone(sn.ownCurrent)
		if err := s.follows(ctx, sn, own); err != nil {
			return nil, nil, err
		}
		// A blocked device must not come back as an author through
		// another account that claims it.
		for k := range sn.blocked {
			delete(sn.authors, k)
		}
	}
	// The village logs of the villages this account's devices take part
	// in (blocked participants left out).
	if err := s.villageLogs(ctx, append([]identity.PublicKey{s.cfg.Account}, own...), sn); err != nil {
		return nil, nil, err
	}
	// The spaces' logs, and the space found logs of the villages' locals
	// (spaces.md §2: how a space created from a village reaches them).
	for _, d := range sn.villageLocals {
		sn.logs[store.LogKey{Author: d, LogID: space.FoundLog}] = true
	}
	if s.cfg.Spaces != nil {
		w, err := s.cfg.Spaces(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, l := range w.Logs {
			if !sn.blocked[l.Author] {
				sn.logs[l] = true
			}
		}
		for _, a := range w.Authors {
			if !sn.blocked[a] {
				sn.extraAuthors[a] = true
			}
		}
		for lid, ds := range w.Only {
			m := map[identity.PublicKey]bool{}
			for _, d := range ds {
				m[d] = true
			}
			sn.only[lid] = m
		}
	}
	if err := s.festivalLogs(ctx, sn); err != nil {
		return nil, nil, err
	}
	return sn, g, nil
}

// mirrorsOf fills sn.own, sn.ownCurrent and sn.mirrors from the
// account's certificates, and returns every device the account certified
// (revoked ones too: what they wrote before the revocation stays valid).
func (s *Scope) mirrorsOf(ctx context.Context, sn *snapshot) ([]identity.PublicKey, error) {
	ds, err := s.st.Devices(ctx, s.cfg.Account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	all := make([]identity.PublicKey, 0, len(ds))
	current := false
	for _, d := range ds {
		all = append(all, d.Device)
		sn.own[d.Device] = true
		if d.Device == s.cfg.Device && !d.Revoked {
			current = true
		}
		if !d.Revoked {
			sn.ownCurrent = append(sn.ownCurrent, d.Device)
		}
	}
	if !current {
		return all, nil
	}
	for _, d := range ds {
		if !d.Revoked && d.Device != s.cfg.Device {
			sn.mirrors[d.Device] = true
		}
	}
	return all, nil
}

// relation is the latest follow or block statement about one account.
type relation struct {
	on     bool
	author identity.PublicKey
	seq    uint64
	ts     uint64
	id     entry.ID
}

// later reports whether statement x, of the same device's log as r, is
// later than r: by seq, whatever the timestamps say (then id, for a fork).
func (r relation) later(x relation) bool {
	return x.seq > r.seq || x.seq == r.seq && string(x.id[:]) > string(r.id[:])
}

// newer reports whether x, the latest statement of one device, is newer
// than r, another device's: two devices of the account name no causal
// references yet, so by timestamp (the account's own devices' claim),
// then id.
func (r relation) newer(x relation) bool {
	return x.ts > r.ts || x.ts == r.ts && string(x.id[:]) > string(r.id[:])
}

// relationKey is a statement's subject (the account followed or blocked)
// and its author device.
type relationKey struct{ subject, author identity.PublicKey }

// settle folds each device's latest statement per subject (perDevice)
// into one per subject: the newest across devices.
func settle(perDevice map[relationKey]relation) map[identity.PublicKey]relation {
	out := map[identity.PublicKey]relation{}
	for k, x := range perDevice {
		if r, ok := out[k.subject]; !ok || r.newer(x) {
			out[k.subject] = x
		}
	}
	return out
}

// Relations reads the follow and block entries in the public logs of the
// given devices (one account's) and returns the accounts followed, sorted,
// and those blocked, each decided by its latest statement: each device's
// latest by seq (relation.later), then the newest of the devices'
// (relation.newer).
func Relations(ctx context.Context, st store.Store, devices []identity.PublicKey) (follows []identity.PublicKey, blocks map[identity.PublicKey]bool, err error) {
	blocks = map[identity.PublicKey]bool{}
	if len(devices) == 0 {
		return nil, blocks, nil
	}
	folDev := map[relationKey]relation{}
	blkDev := map[relationKey]relation{}
	public := entry.PublicLog
	for _, typ := range []string{content.TypeFollow, content.TypeBlock} {
		var after int64
		for {
			es, err := st.Find(ctx, store.Query{Type: typ, LogID: &public, Authors: devices, After: after, Limit: 1000})
			if err != nil {
				return nil, nil, err
			}
			for _, e := range es {
				after = e.Cursor
				if e.Payload == nil {
					continue
				}
				p, err := content.Decode(e.Payload)
				if err != nil {
					continue
				}
				x := relation{author: e.Header.Author, seq: e.Header.Seq, ts: e.Header.Timestamp, id: e.ID}
				switch v := p.(type) {
				case *content.Follow:
					k := relationKey{v.Account.Key(), x.author}
					if r, ok := folDev[k]; !ok || r.later(x) {
						x.on = v.Following
						folDev[k] = x
					}
				case *content.Block:
					k := relationKey{v.Account.Key(), x.author}
					if r, ok := blkDev[k]; !ok || r.later(x) {
						x.on = v.Blocking
						blkDev[k] = x
					}
				}
			}
			if len(es) < 1000 {
				break
			}
		}
	}
	fol, blk := settle(folDev), settle(blkDev)
	for a, r := range fol {
		if r.on {
			follows = append(follows, a)
		}
	}
	sort.Slice(follows, func(i, j int) bool { return string(follows[i][:]) < string(follows[j][:]) })
	for a, r := range blk {
		if r.on {
			blocks[a] = true
		}
	}
	return follows, blocks, nil
}
