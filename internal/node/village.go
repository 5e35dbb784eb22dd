package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// Errors of the village operations, for callers that map them (the API).
var (
	// ErrNoVillage: the node does not hold the village's found entry.
	ErrNoVillage = errors.New("no such village held here")
	// ErrVillageRule: the reducer would ignore the entry (village.md §3),
	// e.g. voting before the founding is complete; nothing was appended.
	ErrVillageRule = errors.New("the village's rules do not allow this")
)

func ruleErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrVillageRule, fmt.Sprintf(format, args...))
}

// VillageRole is how this node's device takes part in a village.
type VillageRole string

// The roles.
const (
	RoleFounder  VillageRole = "founder"  // named by the found entry, village not founded yet
	RoleLocal    VillageRole = "local"    // a current local
	RoleInvitee  VillageRole = "invitee"  // invited, not (yet) a local
	RoleLeft     VillageRole = "left"     // left the village
	RoleExcluded VillageRole = "excluded" // excluded by the locals
)

// VillageSummary is one village this node's device takes part in.
type VillageSummary struct {
	ID entry.ID
	// Known: the found entry is held (an invitee may not have it yet);
	// the fields below are set only then.
	Known   bool
	Name    string
	Founded bool
	Role    VillageRole
	Mode    village.Mode // this device's mode when it is a local
	Locals  int          // current locals
}

// villageEntries returns the found entry (nil when not held) and every
// held entry of the village log (log id = village id) of any author, with
// the device certificates and revocations held of their authors, of the
// found entry's author and of this device (village.md §1: they say which
// account each device speaks for).
func (n *Node) villageEntries(ctx context.Context, id entry.ID) (*entry.Entry, []*entry.Entry, error) {
	var found *entry.Entry
	s, err := n.store.Get(ctx, id)
	switch {
	case err == nil:
		found = s.Entry
	case errors.Is(err, store.ErrNotFound):
	default:
		return nil, nil, err
	}
	var out []*entry.Entry
	if found != nil {
		out = append(out, found)
	}
	authors := map[identity.PublicKey]bool{n.device.Public(): true}
	if found != nil {
		authors[found.Header.Author] = true
	}
	err = store.EachOfLogID(ctx, n.store, entry.LogID(id), func(e *store.Stored) error {
		out = append(out, e.Entry)
		authors[e.Header.Author] = true
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(authors) > bulkCertAuthors {
		// Many authors (strangers' requests): one pass over every
		// certificate held rather than a query per author.
		_, byLog, err := scope.Certificates(ctx, n.store)
		if err != nil {
			return nil, nil, err
		}
		for a := range authors {
			out = append(out, byLog[content.DeviceCertLog(a)]...)
		}
		return found, out, nil
	}
	for a := range authors {
		err := store.EachOfLogID(ctx, n.store, content.DeviceCertLog(a), func(e *store.Stored) error {
			out = append(out, e.Entry)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return found, out, nil
}

// ownKeys returns this node's account key, this device's key and the
// other devices the account certified: the keys by which a village can
// name this account or see it act.
func (n *Node) ownKeys(ctx context.Context) ([]identity.PublicKey, error) {
	keys := []identity.PublicKey{n.account, n.device.Public()}
	ds, err := n.store.Devices(ctx, n.account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	for _, d := range ds {
		if !slices.Contains(keys, d.Device) {
			keys = append(keys, d.Device)
		}
	}
	return keys, nil
}

// bulkCertAuthors is how many authors a village's entries may have before
// villageEntries reads every certificate held at once instead of each
// author's certificate log.
var bulkCertAuthors = 64

// speaker returns the account this device speaks for in st, or a rule
// error when the village does not know this device as a current device of
// this node's account.
func (n *Node) speaker(st *village.State) (identity.PublicKey, error) {
	self := n.device.Public()
	if a, ok := st.AccountOf(self); !ok || a != n.account {
		return identity.PublicKey{}, ruleErr("this device's certificate is not held with the village's entries")
	}
	if !st.Current(self) {
		return identity.PublicKey{}, ruleErr("this device was revoked by your account: it can no longer act for it in the village")
	}
	return n.account, nil
}

// Village reduces the village from the entries held: its found entry and
// every held entry whose log id is the village id (village.md §3).
// ErrNoVillage when the found entry is not held or not valid.
func (n *Node) Village(ctx context.Context, id entry.ID) (*village.State, error) {
	found, es, err := n.villageEntries(ctx, id)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, ErrNoVillage
	}
	st, err := village.Reduce(id, es)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoVillage, err)
	}
	return st, nil
}

// Villages lists the villages this node's device takes part in: those
// whose found entry names it as a founder and those it is invited to,
// sorted by village id.
func (n *Node) Villages(ctx context.Context) ([]VillageSummary, error) {
	hv, err := n.heldVillages(ctx)
	if err != nil {
		return nil, err
	}
	self := n.account
	out := make([]VillageSummary, 0, len(hv))
	for _, h := range hv {
		vs := VillageSummary{ID: h.id, Role: RoleInvitee}
		st := h.st
		if st == nil {
			out = append(out, vs)
			continue
		}
		vs.Known, vs.Name, vs.Founded, vs.Locals = true, st.Name, st.Founded, len(st.Members())
		if l := st.Local(self); l != nil {
			vs.Role = map[village.Status]VillageRole{
				village.Founder: RoleFounder, village.Member: RoleLocal,
				village.Left: RoleLeft, village.Excluded: RoleExcluded,
			}[l.Status]
			if l.Status == village.Member {
				vs.Mode = l.Mode
			}
		}
		out = append(out, vs)
	}
	return out, nil
}

// heldVillage is a village this node takes part in, and its state (nil
// while its found entry is not held, or it does not reduce).
type heldVillage struct {
	id entry.ID
	st *village.State
}

// heldVillages returns the villages Villages lists, each reduced once:
// what one recomputation of the replication scope (scopeWants) reads of
// villages, once for all the wants that need it.
func (n *Node) heldVillages(ctx context.Context) ([]heldVillage, error) {
	keys, err := n.ownKeys(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := scope.VillagesOf(ctx, n.store, keys)
	if err != nil {
		return nil, err
	}
	out := make([]heldVillage, 0, len(ids))
	for _, id := range ids {
		if n.isDeclined(id) {
			continue
		}
		st, err := n.Village(ctx, id)
		switch {
		case errors.Is(err, ErrNoVillage):
			st = nil
		case err != nil:
			return nil, err
		}
		out = append(out, heldVillage{id: id, st: st})
	}
	return out, nil
}

// FoundVillage founds a village with this node's account and the
// co-founders (account keys) as founders: it appends the village.found
// entry to this device's found log (scope.FoundLog). The entry's id is the
// village id; the village is founded once every co-founder has accepted.
func (n *Node) FoundVillage(ctx context.Context, name string, admit, exclude village.Method, cofounders []identity.PublicKey) (*entry.Entry, error) {
	return n.FoundVillageRules(ctx, name, village.Rule{Method: admit}, village.Rule{Method: exclude}, cofounders)
}

// appendVillage checks p against the village as held (check may return a
// rule error), names in it the heads of the village logs held that it
// has not yet referenced (village.md §3, "References the node writes")
// and appends it to this device's village log.
func (n *Node) appendVillage(ctx context.Context, id entry.ID, p village.Payload, check func(st *village.State, self identity.PublicKey) error) (*entry.Entry, error) {
	if _, err := village.Encode(p); err != nil {
		return nil, err
	}
	found, es, err := n.villageEntries(ctx, id)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, ErrNoVillage
	}
	st, err := village.Reduce(id, es)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoVillage, err)
	}
	self, err := n.speaker(st)
	if err != nil {
		return nil, err
	}
	if _, ok := p.(*village.Accept); !ok && !st.Founded {
		return nil, ruleErr("the village is not founded yet (not every founder has accepted)")
	}
	if check != nil {
		if err := check(st, self); err != nil {
			return nil, err
		}
	}
	if err := village.SetRefs(p, village.NextRefs(st, es, n.device.Public())); err != nil {
		return nil, err
	}
	payload, err := village.Encode(p)
	if err != nil {
		return nil, err
	}
	return n.AppendRaw(ctx, entry.LogID(id), payload)
}

// mustBeLocal is the check of the entries only a current local may post.
func mustBeLocal(st *village.State, self identity.PublicKey) error {
	if l := st.Local(self); l == nil || l.Status != village.Member {
		return ruleErr("your account is not a local of the village")
	}
	return nil
}

// AcceptVillage accepts the founding as one of the founders.
func (n *Node) AcceptVillage(ctx context.Context, id entry.ID) (*entry.Entry, error) {
	return n.appendVillage(ctx, id, &village.Accept{Village: id}, func(st *village.State, self identity.PublicKey) error {
		if !slices.Contains(st.Founders, self) {
			return ruleErr("your account is not a founder of the village")
		}
		if st.Founded || st.Local(self).Accepted {
			return ruleErr("your account has already accepted the founding")
		}
		return nil
	})
}

// InviteToVillage invites (or endorses the invitation of) invitee.
func (n *Node) InviteToVillage(ctx context.Context, id entry.ID, invitee identity.PublicKey) (*entry.Entry, error) {
	defer n.reach.wake() // deliver it to the invitee (villagenotice.go)
	return n.appendVillage(ctx, id, &village.Invite{Village: id, Invitee: invitee}, func(st *village.State, self identity.PublicKey) error {
		if err := mustBeLocal(st, self); err != nil {
			return err
		}
		if st.Local(invitee) != nil {
			return ruleErr("the invitee is or was a local or founder")
		}
		for _, inv := range st.Invitations {
			if inv.Invitee == invitee && slices.Contains(inv.Endorsers, self) {
				return ruleErr("your account has already invited the invitee")
			}
		}
		return nil
	})
}

// JoinVillage accepts this device's invitation.
func (n *Node) JoinVillage(ctx context.Context, id entry.ID) (*entry.Entry, error) {
	return n.appendVillage(ctx, id, &village.Join{Village: id}, func(st *village.State, self identity.PublicKey) error {
		for _, inv := range st.Invitations {
			if inv.Invitee == self {
				if inv.Joined {
					return ruleErr("your account has already joined")
				}
				return nil
			}
		}
		return ruleErr("your account has no invitation to the village")
	})
}

// LeaveVillage leaves the village, for good.
func (n *Node) LeaveVillage(ctx context.Context, id entry.ID) (*entry.Entry, error) {
	return n.appendVillage(ctx, id, &village.Leave{Village: id}, mustBeLocal)
}

// SetVillageUserspec sets how this device presents itself in the village
// and its mode (active or passive).
func (n *Node) SetVillageUserspec(ctx context.Context, id entry.ID, mode village.Mode, name, about string) (*entry.Entry, error) {
	return n.appendVillage(ctx, id, &village.Userspec{Village: id, Mode: mode, Name: name, About: about}, func(st *village.State, self identity.PublicKey) error {
		if err := mustBeLocal(st, self); err != nil {
			return err
		}
		if st.UserspecRefusal(self, mode) != "" {
			return ruleErr("a village keeps at least %d active locals and your account is one of the %d: it cannot turn passive until another local is active (invite one, or ask a passive local to turn active); every local's node would ignore the userspec",
				village.MinActive, len(st.ActiveLocals()))
		}
		return nil
	})
}

// VoteStranger casts this device's vote on a stranger; proof (the content
// address of the proof blob) goes with an accept only.
func (n *Node) VoteStranger(ctx context.Context, id entry.ID, stranger village.StrangerID, vote village.VoteKind, proof [32]byte) (*entry.Entry, error) {
	p := &village.Vote{Village: id, Stranger: stranger, Vote: vote}
	if vote == village.VoteAccept {
		p.Proof = proof
	} else if proof != ([32]byte{}) {
		return nil, &village.Error{Type: village.TypeVote, Field: "proof", Msg: "a proof goes with an accept only"}
	}
	if proof != ([32]byte{}) {
		if err := n.checkNoLocation("proof", proof); err != nil {
			return nil, err
		}
	}
	return n.appendVillage(ctx, id, p, func(st *village.State, self identity.PublicKey) error {
		if err := mustBeLocal(st, self); err != nil {
			return err
		}
		if s := st.Stranger(stranger); s != nil && vote == village.VoteDeferred {
			if b := s.Ballot(self); b.Entry != (entry.ID{}) && b.Explicit != village.VoteDeferred {
				return ruleErr("a vote never returns to deferred (lift a veto by accepting with proof)")
			}
		}
		return nil
	})
}

// NoteStranger writes this device's note on a stranger (replacing its
// earlier one); blob is optional (zero: none).
func (n *Node) NoteStranger(ctx context.Context, id entry.ID, stranger village.StrangerID, text string, blob [32]byte) (*entry.Entry, error) {
	if blob != ([32]byte{}) {
		if err := n.checkNoLocation("file", blob); err != nil {
			return nil, err
		}
	}
	return n.appendVillage(ctx, id, &village.Strangerspec{Village: id, Stranger: stranger, Text: text, Blob: blob}, mustBeLocal)
}

// ProposeExclusion proposes to exclude subject; the entry's id names the
// proposal.
func (n *Node) ProposeExclusion(ctx context.Context, id entry.ID, subject identity.PublicKey, reason string) (*entry.Entry, error) {
	return n.appendVillage(ctx, id, &village.Exclude{Village: id, Subject: subject, Reason: reason}, func(st *village.State, self identity.PublicKey) error {
		if l := st.Local(self); l == nil || !l.Active() {
			return ruleErr("only an active local may propose an exclusion")
		}
		if subject == self {
			return ruleErr("a local cannot propose to exclude itself")
		}
		if l := st.Local(subject); l == nil || l.Status != village.Member {
			return ruleErr("the subject is not a local")
		}
		return nil
	})
}

// VoteExclusion votes for or against an open exclusion proposal.
func (n *Node) VoteExclusion(ctx context.Context, id, proposal entry.ID, inFavour bool) (*entry.Entry, error) {
	return n.appendVillage(ctx, id, &village.ExcludeVote{Village: id, Proposal: proposal, For: inFavour}, func(st *village.State, self identity.PublicKey) error {
		i := slices.IndexFunc(st.Proposals, func(p *village.Proposal) bool { return p.ID == proposal })
		if i < 0 {
			return ruleErr("no such proposal held")
		}
		pr := st.Proposals[i]
		if pr.Outcome != village.Open {
			return ruleErr("the proposal is closed (%s)", pr.Outcome)
		}
		if l := st.Local(self); l == nil || !l.Active() || self == pr.Subject {
			return ruleErr("only active locals other than the subject vote on an exclusion")
		}
		return nil
	})
}

// PublishState computes this device's state from the village entries it
// holds (village.md §4: the found entry plus every held village log up to
// its head) and appends the village.state entry.
func (n *Node) PublishState(ctx context.Context, id entry.ID) (*entry.Entry, *village.StatePayload, error) {
	found, es, err := n.villageEntries(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if found == nil {
		return nil, nil, ErrNoVillage
	}
	seen := village.SeenOf(id, es)
	// Strangers' logs (requests) change no component: leave them out, so
	// that many strangers do not use up the state's seen list, but keep
	// every log the previous state named (seen never goes back, §5).
	full, err := village.Reduce(id, es)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNoVillage, err)
	}
	named := previousSeen(es, n.device.Public(), id, n.seenLists())
	seen = slices.DeleteFunc(seen, func(s village.Seen) bool { return !full.Knows(s.Author) && !named[s.Author] })
	byID := make(map[entry.ID]*entry.Entry, len(es))
	for _, e := range es {
		byID[e.ID] = e
	}
	ofSeen, err := village.Named(id, seen, byID)
	if err != nil {
		return nil, nil, fmt.Errorf("the village logs held have gaps: %w", err)
	}
	st, err := village.Reduce(id, ofSeen)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNoVillage, err)
	}
	self, err := n.speaker(full)
	if err != nil {
		return nil, nil, err
	}
	if err := mustBeLocal(st, self); err != nil {
		return nil, nil, err
	}
	p, err := st.NewStatePayload(self, lastOwnState(es, n.device.Public(), id), seen)
	if err != nil {
		return nil, nil, err
	}
	if err := village.SetRefs(p, village.NextRefs(full, es, n.device.Public())); err != nil {
		return nil, nil, err
	}
	payload, err := village.Encode(p)
	if err != nil {
		return nil, nil, err
	}
	if err := n.keepSeenList(p); err != nil {
		return nil, nil, err
	}
	e, err := n.AppendRaw(ctx, entry.LogID(id), payload)
	if err != nil {
		return nil, nil, err
	}
	return e, p, nil
}

// latestState returns device's latest village.state in es (its village
// log), nil if none.
func latestState(es []*entry.Entry, device identity.PublicKey, id entry.ID) *village.StatePayload {
	var last *village.StatePayload
	var seq uint64
	for _, e := range es {
		if e.Header.Author != device || e.Header.LogID != entry.LogID(id) || e.Header.Seq < seq || e.Payload == nil {
			continue
		}
		if p, err := village.Decode(e.Payload); err == nil {
			if sp, ok := p.(*village.StatePayload); ok {
				last, seq = sp, e.Header.Seq
			}
		}
	}
	return last
}

// lastOwnState returns the commitment of device's latest village.state in
// es (zero if none): a state's previous links one device's chain.
func lastOwnState(es []*entry.Entry, device identity.PublicKey, id entry.ID) [32]byte {
	if last := latestState(es, device, id); last != nil {
		return last.Commitment()
	}
	return [32]byte{}
}

// previousSeen returns the authors that self's latest village.state in es
// names (its seen list found by lists).
func previousSeen(es []*entry.Entry, self identity.PublicKey, id entry.ID, lists village.SeenLists) map[identity.PublicKey]bool {
	last := latestState(es, self, id)
	out := map[identity.PublicKey]bool{}
	if last != nil && last.Seen == nil && lists != nil {
		last.Seen, _ = lists(last.SeenList)
	}
	if last != nil {
		for _, s := range last.Seen {
			out[s.Author] = true
		}
	}
	return out
}

// StateLink is one village.state entry of a local's chain.
type StateLink struct {
	Entry *entry.Entry
	State *village.StatePayload // nil when the payload is missing or invalid
}

// Chain returns a local's state chains in this village (the
// village.state entries of each of the account's devices, by device, in
// seq order; local may also name one device) and the findings of
// village.Audit over the entries held, chain by chain.
func (n *Node) Chain(ctx context.Context, id entry.ID, local identity.PublicKey) ([]StateLink, []village.Finding, error) {
	found, es, err := n.villageEntries(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if found == nil {
		return nil, nil, ErrNoVillage
	}
	devices := []identity.PublicKey{local}
	if st, err := village.Reduce(id, es); err == nil {
		if ds := st.Devices(local); len(ds) > 0 {
			devices = ds
		}
	}
	var links []StateLink
	var findings []village.Finding
	for _, d := range devices {
		l, f := n.deviceChain(id, es, d)
		links = append(links, l...)
		findings = append(findings, f...)
	}
	return links, findings, nil
}

// deviceChain is Chain for one device's log.
func (n *Node) deviceChain(id entry.ID, es []*entry.Entry, device identity.PublicKey) ([]StateLink, []village.Finding) {
	var chain []*entry.Entry
	var links []StateLink
	for _, e := range es {
		if e.Header.Author != device || e.Header.LogID != entry.LogID(id) || e.Payload == nil {
			continue
		}
		p, err := village.Decode(e.Payload)
		if err != nil {
			continue
		}
		if sp, ok := p.(*village.StatePayload); ok {
			sp.Seen, _ = n.seenLists()(sp.SeenList)
			chain = append(chain, e)
			links = append(links, StateLink{Entry: e, State: sp})
		}
	}
	slices.SortStableFunc(links, func(a, b StateLink) int {
		return cmpUint(a.Entry.Header.Seq, b.Entry.Header.Seq)
	})
	slices.SortStableFunc(chain, func(a, b *entry.Entry) int { return cmpUint(a.Header.Seq, b.Header.Seq) })
	return links, village.Audit(id, chain, es, n.seenLists())
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// villageKeepTag is the reason the network keeps the other locals of this
// node's villages connected (netnode.Host.KeepConnected): locals keep live
// sync sessions with each other, redialled while apart.
const villageKeepTag = "village"

// villagePeers announces the rendezvous key (scope.RendezvousKey) of every
// village this node takes part in, stops announcing those of villages it
// no longer does, and returns the providers found that are not connected
// or blocked. Without a DHT it finds nothing.
func (n *Node) villagePeers(ctx context.Context, nw *network, provided map[entry.ID]bool) []identity.PublicKey {
	current := map[entry.ID]bool{}
	var out []identity.PublicKey
	for _, v := range nw.scope.Villages() {
		current[v] = true
		key := scope.RendezvousKey(v)
		if !provided[v] {
			pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := nw.host.Provide(pctx, key)
			cancel()
			if err != nil {
				nw.log.Debug("announce village rendezvous", "err", err)
			}
			// Provide keeps the key announced (again every 22 hours) even
			// when the first announcement failed.
			provided[v] = true
		}
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		peers, err := nw.host.FindProviders(fctx, key)
		cancel()
		if err != nil {
			nw.log.Debug("find village peers", "err", err)
		}
		for _, p := range peers {
			if p != n.device.Public() && !nw.scope.Blocked(p) && !nw.isConnected(p) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	for v := range provided {
		if !current[v] {
			nw.host.StopProviding(scope.RendezvousKey(v))
			delete(provided, v)
		}
	}
	return out
}

// DeviceCert returns this device's certificate entry (with its payload),
// which a village request carries (village.md §6).
func (n *Node) DeviceCert(ctx context.Context) (*entry.Entry, error) {
	s, err := n.ownCert(ctx)
	if err != nil {
		return nil, err
	}
	if s.Payload == nil {
		return nil, errors.New("this device's certificate is held without its payload")
	}
	return s.Entry, nil
}
