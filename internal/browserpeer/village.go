package browserpeer

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// foundLog is the log a node writes its village.found entries in
// (village.md §1, scope.FoundLog; the test checks they are the same):
// SHA-256("kith village found log v1"). internal/scope is not imported,
// to keep the WebAssembly build small.
var foundLog = entry.LogID(sha256.Sum256([]byte("kith village found log v1")))

// villageScope is what a browser wants of the villages its account takes
// part in (founder, invitee, local, former local), computed from the
// store after entries came (refreshVillages): the village logs (log id =
// village id) of the devices of the accounts the village knows and of
// the strangers it hears, as a node wants them (village.md §6: never an
// unlisted or vetoed stranger's; while the found entry is not held, every
// author's), every log the accounts
// the village knows wrote (their device certificates and revocations,
// which say which account each device speaks for), the public logs of
// their devices (their profile names), and, while a found entry is not
// held, every found log.
type villageScope struct {
	ids      []entry.ID
	logs     map[entry.LogID]map[identity.PublicKey]bool // nil: any author (found entry not held)
	founds   map[identity.PublicKey]bool                 // the found entries' authors: their found logs
	authors  map[identity.PublicKey]bool
	devices  map[identity.PublicKey]bool
	anyFound bool
}

func (v *villageScope) wants(log store.LogKey) bool {
	if v == nil {
		return false
	}
	if authors, ok := v.logs[log.LogID]; ok {
		return authors == nil || authors[log.Author]
	}
	return v.authors[log.Author] || (log.LogID == foundLog && v.founds[log.Author]) ||
		(log.LogID == entry.LogID{} && v.devices[log.Author]) ||
		(v.anyFound && log.LogID == foundLog)
}

// villageRelated reports whether es may change the village scope: a
// village payload, a certificate or revocation, or an entry of a village
// log held.
func (p *Peer) villageRelated(es []*entry.Entry) bool {
	v := p.villages.Load()
	for _, e := range es {
		if v != nil {
			if _, ok := v.logs[e.Header.LogID]; ok {
				return true
			}
		}
		if e.Payload == nil {
			continue
		}
		typ, err := content.PeekType(e.Payload)
		if err != nil {
			continue
		}
		if len(typ) > 8 && typ[:8] == "village." || typ == content.TypeDeviceAdd || typ == content.TypeDeviceRevoke {
			return true
		}
	}
	return false
}

// refreshVillages computes the village scope again; it reports whether it
// changed.
func (p *Peer) refreshVillages(ctx context.Context) bool {
	acc, ok := p.Account()
	if !ok {
		return false
	}
	ids, err := p.villageIDs(ctx, acc)
	if err != nil {
		return false
	}
	v := &villageScope{ids: ids, logs: map[entry.LogID]map[identity.PublicKey]bool{}, founds: map[identity.PublicKey]bool{}, authors: map[identity.PublicKey]bool{}, devices: map[identity.PublicKey]bool{}}
	for _, id := range ids {
		v.logs[entry.LogID(id)] = nil
		found, es, err := p.villageEntries(ctx, id)
		if err != nil {
			return false
		}
		if found == nil {
			v.anyFound = true
			continue
		}
		v.founds[found.Header.Author] = true
		st, err := village.Reduce(id, es)
		if err != nil {
			continue
		}
		var accounts []identity.PublicKey
		accounts = append(accounts, st.Founders...)
		for _, l := range st.Locals {
			accounts = append(accounts, l.Key)
		}
		for _, inv := range st.Invitations {
			accounts = append(accounts, inv.Invitee)
		}
		writers := map[identity.PublicKey]bool{p.cfg.Device: true, found.Header.Author: true}
		devicesOf := func(a identity.PublicKey) []identity.PublicKey {
			ds := st.Devices(a)
			if held, err := p.store.Devices(ctx, a); err == nil {
				for _, d := range held {
					ds = append(ds, d.Device)
				}
			}
			return ds
		}
		for _, a := range accounts {
			v.authors[a] = true
			for _, d := range devicesOf(a) {
				v.devices[d] = true
				writers[d] = true
			}
		}
		// A heard stranger's devices: those its requests came from and
		// those its certificates name (a log its account key wrote).
		for _, sg := range st.Strangers {
			if !sg.Heard() {
				continue
			}
			sacc := identity.PublicKey(sg.ID[:32])
			v.authors[sacc] = true
			for _, d := range append(devicesOf(sacc), sg.Devices...) {
				writers[d] = true
			}
		}
		v.logs[entry.LogID(id)] = writers
	}
	old := p.villages.Swap(v)
	return !sameVillageScope(old, v)
}

func sameVillageScope(a, b *villageScope) bool {
	if a == nil || b == nil {
		return a == b
	}
	eqBool := func(x, y map[identity.PublicKey]bool) bool {
		if len(x) != len(y) {
			return false
		}
		for k := range x {
			if !y[k] {
				return false
			}
		}
		return true
	}
	for id, x := range a.logs {
		if y, ok := b.logs[id]; !ok || (x == nil) != (y == nil) || !eqBool(x, y) {
			return false
		}
	}
	return len(a.logs) == len(b.logs) && slices.Equal(a.ids, b.ids) && a.anyFound == b.anyFound && eqBool(a.founds, b.founds) && eqBool(a.authors, b.authors) && eqBool(a.devices, b.devices)
}

// villageIDs returns the villages account takes part in, sorted: those
// whose found entry names it as a founder, those with an invitation of it
// in the inviter's village log, and those in whose village log one of its
// devices wrote an accept or a join (as scope.VillagesOf, for an account).
func (p *Peer) villageIDs(ctx context.Context, account identity.PublicKey) ([]entry.ID, error) {
	ids := map[entry.ID]bool{}
	mine := func(author identity.PublicKey) bool {
		if author == p.cfg.Device {
			return true
		}
		d, err := p.store.AccountOf(ctx, author)
		return err == nil && d.Account == account
	}
	for _, typ := range []string{village.TypeFound, village.TypeInvite, village.TypeAccept, village.TypeJoin} {
		err := store.EachFound(ctx, p.store, store.Query{Type: typ}, func(e *store.Stored) {
			if e.Payload == nil {
				return
			}
			pl, err := village.Decode(e.Payload)
			if err != nil {
				return
			}
			switch pl := pl.(type) {
			case *village.Found:
				if slices.Contains(pl.Founders, account) {
					ids[e.ID] = true
				}
			case *village.Invite:
				if pl.Invitee == account && e.Header.LogID == entry.LogID(pl.Village) {
					ids[pl.Village] = true
				}
			case *village.Accept:
				if e.Header.LogID == entry.LogID(pl.Village) && mine(e.Header.Author) {
					ids[pl.Village] = true
				}
			case *village.Join:
				if e.Header.LogID == entry.LogID(pl.Village) && mine(e.Header.Author) {
					ids[pl.Village] = true
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
	slices.SortFunc(out, func(a, b entry.ID) int { return compareIDs(a, b) })
	return out, nil
}

func compareIDs(a, b entry.ID) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// villageEntries returns the found entry (nil when not held) and what
// village.Reduce takes: it, every held entry of the village log of any
// author, and the certificates and revocations held of their authors and
// of this device (as the node's villageEntries).
func (p *Peer) villageEntries(ctx context.Context, id entry.ID) (*entry.Entry, []*entry.Entry, error) {
	var found *entry.Entry
	s, err := p.store.Get(ctx, id)
	switch {
	case err == nil:
		found = s.Entry
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, nil
	default:
		return nil, nil, err
	}
	out := []*entry.Entry{found}
	authors := map[identity.PublicKey]bool{p.cfg.Device: true, found.Header.Author: true}
	err = store.EachOfLogID(ctx, p.store, entry.LogID(id), func(e *store.Stored) error {
		out = append(out, e.Entry)
		authors[e.Header.Author] = true
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for a := range authors {
		err := store.EachOfLogID(ctx, p.store, content.DeviceCertLog(a), func(e *store.Stored) error {
			out = append(out, e.Entry)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return found, out, nil
}

// ErrNotLocal matches (errors.Is) the error of a vote, position or note
// of an account that is not (or no longer) a local of the village.
var ErrNotLocal = errors.New("this account is not a local of the village")

// villageError is a refusal for the person: what and why, and what to do.
type villageError struct {
	msg      string
	notLocal bool
}

func (e *villageError) Error() string        { return e.msg }
func (e *villageError) Is(target error) bool { return e.notLocal && target == ErrNotLocal }

// reduced is a village as this browser holds it, ready to be written to.
type reduced struct {
	id      entry.ID
	st      *village.State
	es      []*entry.Entry
	account identity.PublicKey
}

// reduce reduces the village and checks that this device speaks for its
// account in it (village.md §1).
func (p *Peer) reduce(ctx context.Context, id entry.ID) (*reduced, error) {
	acc, ok := p.Account()
	if !ok {
		return nil, errors.New("this browser has no account yet: make or restore one first")
	}
	found, es, err := p.villageEntries(ctx, id)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, &villageError{msg: fmt.Sprintf("this browser does not hold the village %s yet (its founding entry has not come); wait for the sync with the node and try again", id)}
	}
	st, err := village.Reduce(id, es)
	if err != nil {
		return nil, &villageError{msg: fmt.Sprintf("the village %s cannot be read: %v", id, err)}
	}
	if a, ok := st.AccountOf(p.cfg.Device); !ok || a != acc {
		return nil, &villageError{msg: fmt.Sprintf("this browser's certificate is not held with the village %q's entries; wait for the sync and try again", st.Name)}
	}
	if !st.Current(p.cfg.Device) {
		return nil, &villageError{msg: "this browser was revoked by its account: it can no longer act for it in the village " + fmt.Sprintf("%q", st.Name)}
	}
	return &reduced{id: id, st: st, es: es, account: acc}, nil
}

// mustBeLocal refuses, in words, a write by an account that is not a
// current local.
func (r *reduced) mustBeLocal(what string) error {
	l := r.st.Local(r.account)
	if l != nil && l.Status == village.Member {
		return nil
	}
	why := "it was never made a local"
	switch {
	case l == nil:
		if slices.ContainsFunc(r.st.Invitations, func(inv *village.Invitation) bool { return inv.Invitee == r.account }) {
			why = "it is invited, and becomes a local once the invitation is admitted and it has joined"
		}
	case l.Status == village.Founder:
		why = "the village is not founded yet"
	case l.Status == village.Left:
		why = "it left the village"
	case l.Status == village.Excluded:
		why = "the locals excluded it"
	}
	return &villageError{notLocal: true, msg: fmt.Sprintf("Your account is not a local of %q (%s), so it cannot %s there. Nothing was written.", r.st.Name, why, what)}
}

// writeVillage names in pl the heads of the village logs held that this device
// has not referenced yet (village.md §3, "References the node writes")
// and appends it to the device's village log: kept first, then stored
// (Config.Keep), as a post.
func (p *Peer) writeVillage(ctx context.Context, r *reduced, pl village.Payload) (*entry.Entry, error) {
	if _, ok := pl.(*village.Accept); !ok && !r.st.Founded {
		return nil, &villageError{msg: fmt.Sprintf("the village %q is not founded yet (not every founder has accepted); nothing was written", r.st.Name)}
	}
	if err := village.SetRefs(pl, village.NextRefs(r.st, r.es, p.cfg.Device)); err != nil {
		return nil, err
	}
	payload, err := village.Encode(pl)
	if err != nil {
		return nil, err
	}
	return p.Publish(ctx, entry.LogID(r.id), payload)
}

// VillageAccept accepts a founding that names this account as a founder.
func (p *Peer) VillageAccept(ctx context.Context, id entry.ID) (*entry.Entry, error) {
	r, err := p.reduce(ctx, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(r.st.Founders, r.account) {
		return nil, &villageError{msg: fmt.Sprintf("your account is not a founder of %q, so it has no founding to accept", r.st.Name)}
	}
	if l := r.st.Local(r.account); r.st.Founded || (l != nil && l.Accepted) {
		return nil, &villageError{msg: fmt.Sprintf("your account has already accepted the founding of %q", r.st.Name)}
	}
	return p.writeVillage(ctx, r, &village.Accept{Village: id})
}

// VillageJoin accepts this account's invitation to the village.
func (p *Peer) VillageJoin(ctx context.Context, id entry.ID) (*entry.Entry, error) {
	r, err := p.reduce(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, inv := range r.st.Invitations {
		if inv.Invitee == r.account {
			if inv.Joined {
				return nil, &villageError{msg: fmt.Sprintf("your account has already joined %q", r.st.Name)}
			}
			return p.writeVillage(ctx, r, &village.Join{Village: id})
		}
	}
	return nil, &villageError{msg: fmt.Sprintf("your account has no open invitation to %q", r.st.Name)}
}

// VillagePosition takes this account's position (agree, disagree,
// abstain, or block with a reason) on an open invitation (invitee) or an
// open exclusion proposal (proposal), exactly one of them; the charter's
// rule counts it (village.md §3).
func (p *Peer) VillagePosition(ctx context.Context, id entry.ID, invitee identity.PublicKey, proposal entry.ID, pos uint8, reason string) (*entry.Entry, error) {
	r, err := p.reduce(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := r.mustBeLocal("vote"); err != nil {
		return nil, err
	}
	if pos > uint8(conversation.Block) {
		return nil, &villageError{msg: fmt.Sprintf("no such position (%d): agree, disagree, abstain or block; nothing was written", pos)}
	}
	if (invitee == identity.PublicKey{}) == (proposal == entry.ID{}) {
		return nil, &villageError{msg: "a position is on one invitation or one proposal; nothing was written"}
	}
	if conversation.Position(pos) == conversation.Block && reason == "" {
		return nil, &villageError{msg: "a block needs a reason, for the other locals to read; nothing was written"}
	}
	pl := &village.Position{Village: id, Invitee: invitee, Proposal: proposal, Position: conversation.Position(pos), Reason: reason}
	if invitee != (identity.PublicKey{}) {
		i := slices.IndexFunc(r.st.Invitations, func(inv *village.Invitation) bool { return inv.Invitee == invitee })
		switch {
		case i < 0:
			return nil, &villageError{msg: fmt.Sprintf("%q holds no open invitation of this account; nothing was written", r.st.Name)}
		case r.st.Invitations[i].Admitted:
			return nil, &villageError{msg: "the invitation is admitted already; nothing was written"}
		case pl.Position == conversation.Agree && slices.Contains(r.st.Invitations[i].Endorsers, r.account):
			return nil, &villageError{msg: "your account already agrees to this invitation; nothing was written"}
		}
	} else {
		i := slices.IndexFunc(r.st.Proposals, func(pr *village.Proposal) bool { return pr.ID == proposal })
		if i < 0 {
			return nil, &villageError{msg: "this browser holds no such proposal; nothing was written"}
		}
		pr := r.st.Proposals[i]
		if pr.Outcome != village.Open {
			return nil, &villageError{msg: fmt.Sprintf("the proposal is closed (%s); nothing was written", pr.Outcome)}
		}
		if l := r.st.Local(r.account); !l.Active() || r.account == pr.Subject {
			return nil, &villageError{msg: "only active locals other than the one it would exclude vote on an exclusion; nothing was written"}
		}
	}
	return p.writeVillage(ctx, r, pl)
}

// VillageVote casts this account's vote on a stranger: deferred (listing
// it) or veto. Accepting needs a proof file, which a browser cannot hold
// yet.
func (p *Peer) VillageVote(ctx context.Context, id entry.ID, stranger village.StrangerID, vote village.VoteKind) (*entry.Entry, error) {
	r, err := p.reduce(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := r.mustBeLocal("vote"); err != nil {
		return nil, err
	}
	switch vote {
	case village.VoteDeferred, village.VoteVeto:
	case village.VoteAccept:
		return nil, &villageError{msg: "accepting a stranger needs a proof file, which this browser cannot attach yet: accept from a node (kith village vote … accept --proof FILE); nothing was written"}
	default:
		return nil, &villageError{msg: fmt.Sprintf("no such vote (%d); nothing was written", vote)}
	}
	if s := r.st.Stranger(stranger); s != nil && vote == village.VoteDeferred {
		if b := s.Ballot(r.account); b.Entry != (entry.ID{}) && b.Explicit != village.VoteDeferred {
			return nil, &villageError{msg: "a vote never returns to deferred (lift a veto by accepting with proof, from a node); nothing was written"}
		}
	}
	return p.writeVillage(ctx, r, &village.Vote{Village: id, Stranger: stranger, Vote: vote})
}

// VillageNote writes this account's note on a stranger (replacing its
// earlier one).
func (p *Peer) VillageNote(ctx context.Context, id entry.ID, stranger village.StrangerID, text string) (*entry.Entry, error) {
	r, err := p.reduce(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := r.mustBeLocal("write a note"); err != nil {
		return nil, err
	}
	return p.writeVillage(ctx, r, &village.Strangerspec{Village: id, Stranger: stranger, Text: text})
}
