package village

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Status is where a key stands in the village.
type Status uint8

// The statuses.
const (
	// Founder: named by the found entry, has not accepted yet (or the
	// founding is not complete).
	Founder Status = iota
	// Member: a local.
	Member
	// Left: left the village; final.
	Left
	// Excluded: excluded by the locals; final.
	Excluded
)

func (s Status) String() string {
	return [...]string{"founder", "local", "left", "excluded"}[s]
}

// Standing is the village's view of a stranger.
type Standing uint8

// The standings.
const (
	Acknowledged Standing = 0
	Vetoed       Standing = 1
	Accepted     Standing = 2
)

func (s Standing) String() string { return [...]string{"acknowledged", "vetoed", "accepted"}[s] }

// Local is one key the village knows as a (former or would-be) local.
type Local struct {
	Key      identity.PublicKey
	Status   Status
	Mode     Mode
	Accepted bool     // founders: has accepted the founding
	Since    entry.ID // the entry that made it a local (found, accept or join)
	Until    entry.ID // the leave entry, or the exclude proposal that excluded it
	Name     string   // from its userspec
	Userspec [32]byte // payload hash of its latest userspec; zero if none
	State    [32]byte // commitment of its latest village.state; zero if none
}

// Active reports whether l is a local in active mode.
func (l *Local) Active() bool { return l.Status == Member && l.Mode == Active }

// Ballot is one local's vote on a stranger.
type Ballot struct {
	Local identity.PublicKey
	Vote  VoteKind
	Proof [32]byte
	// Mechanical: the vote of a passive local, derived from the active
	// locals' votes (its own vote entries are recorded in Explicit).
	Mechanical bool
	// Counted: the local is a current local (a former local's vote no
	// longer counts).
	Counted bool
	// Explicit is the local's own latest vote, and Entry the entry that
	// cast it.
	Explicit VoteKind
	Entry    entry.ID
}

// Note is a local's strangerspec on a stranger.
type Note struct {
	Local identity.PublicKey
	Text  string
	Blob  [32]byte
	Hash  [32]byte // payload hash of the strangerspec
	Entry entry.ID
}

// Stranger is a stranger the village knows of.
type Stranger struct {
	ID       StrangerID
	Listed   bool // some current local has voted on it
	Standing Standing
	Vetoers  []identity.PublicKey // active locals vetoing it
	Ballots  []Ballot             // sorted by local: every local's explicit or mechanical vote
	Notes    []Note               // sorted by local
}

// Proposal is an exclusion proposal.
type Proposal struct {
	ID       entry.ID
	Proposer identity.PublicKey
	Subject  identity.PublicKey
	Reason   string
	For      []identity.PublicKey // eligible locals counted for, at the close or now
	Against  []identity.PublicKey
	Outcome  Outcome
	votes    map[identity.PublicKey]bool
	order    int
}

// Outcome is the state of a proposal.
type Outcome uint8

// The outcomes.
const (
	Open Outcome = iota
	Passed
	Moot // the subject stopped being a local otherwise
)

func (o Outcome) String() string { return [...]string{"open", "passed", "moot"}[o] }

// Invitation is a pending invitation.
type Invitation struct {
	Invitee   identity.PublicKey
	Endorsers []identity.PublicKey // locals that invited it, sorted
	Admitted  bool                 // the charter's admit method held
	Joined    bool                 // the invitee posted village.join
	order     int
}

// Ignored is an entry the reducer did not apply, and why.
type Ignored struct {
	Entry  entry.ID
	Reason string
}

// State is a village as derived from a set of entries.
type State struct {
	Village     entry.ID
	Name        string
	Admit       Method
	Exclude     Method
	Founders    []identity.PublicKey
	Founded     bool
	Locals      []*Local // every key named by found, invite-and-join; sorted by key
	Invitations []*Invitation
	Strangers   []*Stranger // sorted by id
	Proposals   []*Proposal // in order of the proposal entries
	Ignored     []Ignored   // in entry order
	Problems    []string

	locals    map[identity.PublicKey]*Local
	invites   map[identity.PublicKey]*Invitation
	strangers map[StrangerID]*strangerAcc
	proposals map[entry.ID]*Proposal
}

type strangerAcc struct {
	votes map[identity.PublicKey]Ballot
	notes map[identity.PublicKey]Note
}

// ErrNoFound is returned by Reduce when the entries lack a valid found
// entry whose id is the village id.
var ErrNoFound = errors.New("village: no valid found entry with the village id")

// Order is the order in which the reducer applies entries: by timestamp,
// then entry id (bytewise).
func Order(a, b *entry.Entry) int {
	if c := cmp.Compare(a.Header.Timestamp, b.Header.Timestamp); c != 0 {
		return c
	}
	return bytes.Compare(a.ID[:], b.ID[:])
}

// Reduce derives the village's state from entries: a pure function of the
// set of entries (duplicates and order do not matter). Entries must have
// been signature-checked; entries whose payload is missing or invalid, that
// belong to another village or whose author is not entitled are skipped and
// listed in State.Ignored. It fails only when the found entry is missing or
// invalid.
func Reduce(village entry.ID, entries []*entry.Entry) (*State, error) {
	var es []*entry.Entry
	var found *entry.Entry
	seen := map[entry.ID]bool{}
	for _, e := range entries {
		if e == nil || seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		if e.ID == village {
			found = e
			continue
		}
		es = append(es, e)
	}
	if found == nil || found.Payload == nil {
		return nil, ErrNoFound
	}
	p, err := Decode(found.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFound, err)
	}
	f, ok := p.(*Found)
	if !ok {
		return nil, fmt.Errorf("%w: the entry is a %s", ErrNoFound, p.Type())
	}
	if !slices.Contains(f.Founders, found.Header.Author) {
		return nil, fmt.Errorf("%w: its author is not among the founders", ErrNoFound)
	}
	s := &State{
		Village: village, Name: f.Name, Admit: f.Admit, Exclude: f.Exclude,
		Founders:  f.Founders,
		locals:    map[identity.PublicKey]*Local{},
		invites:   map[identity.PublicKey]*Invitation{},
		strangers: map[StrangerID]*strangerAcc{},
		proposals: map[entry.ID]*Proposal{},
	}
	for _, k := range f.Founders {
		s.locals[k] = &Local{Key: k, Status: Founder, Mode: Active}
	}
	s.locals[found.Header.Author].Accepted = true
	slices.SortFunc(es, Order)
	for i, e := range es {
		if reason := s.apply(e, i); reason != "" {
			s.Ignored = append(s.Ignored, Ignored{e.ID, reason})
		}
	}
	s.finish()
	return s, nil
}

func (s *State) local(k identity.PublicKey) *Local {
	if l := s.locals[k]; l != nil && l.Status == Member {
		return l
	}
	return nil
}

// apply applies one entry and returns why it was ignored, or "".
func (s *State) apply(e *entry.Entry, order int) string {
	if e.Payload == nil {
		return "payload missing"
	}
	p, err := Decode(e.Payload)
	if err != nil {
		return "invalid payload: " + err.Error()
	}
	if _, ok := p.(*Found); ok {
		return "another village's found entry"
	}
	if v := villageOf(p); v != s.Village {
		return "another village"
	}
	if e.Header.LogID != entry.LogID(s.Village) {
		return "not in the village log (log id = village id)"
	}
	author := e.Header.Author
	if a, ok := p.(*Accept); ok {
		_ = a
		l := s.locals[author]
		switch {
		case l == nil || !slices.Contains(s.Founders, author):
			return "accept by a key that is not a founder"
		case s.Founded || l.Accepted:
			return "founder has already accepted"
		}
		l.Accepted = true
		for _, k := range s.Founders {
			if !s.locals[k].Accepted {
				return ""
			}
		}
		s.Founded = true
		for _, k := range s.Founders {
			s.locals[k].Status = Member
			s.locals[k].Since = e.ID
		}
		return ""
	}
	if !s.Founded {
		return "the village is not founded yet (not every founder has accepted)"
	}
	if j, ok := p.(*Join); ok {
		_ = j
		inv := s.invites[author]
		if inv == nil {
			return "join without an invitation"
		}
		if inv.Joined {
			return "already joined"
		}
		inv.Joined = true
		s.settle(e.ID)
		return ""
	}
	l := s.local(author)
	if l == nil {
		return "author is not a local"
	}
	switch p := p.(type) {
	case *Invite:
		if s.locals[p.Invitee] != nil {
			return "invitee is or was a local or founder"
		}
		inv := s.invites[p.Invitee]
		if inv == nil {
			inv = &Invitation{Invitee: p.Invitee, order: order}
			s.invites[p.Invitee] = inv
		}
		if slices.Contains(inv.Endorsers, author) {
			return "this local already invited the invitee"
		}
		inv.Endorsers = append(inv.Endorsers, author)
		s.settle(e.ID)
	case *Leave:
		l.Status, l.Until = Left, e.ID
		s.settle(e.ID)
	case *Userspec:
		l.Mode, l.Name, l.Userspec = p.Mode, p.Name, e.Header.PayloadHash
		s.settle(e.ID)
	case *Vote:
		acc := s.strangers[p.Stranger]
		if acc == nil {
			acc = &strangerAcc{votes: map[identity.PublicKey]Ballot{}, notes: map[identity.PublicKey]Note{}}
			s.strangers[p.Stranger] = acc
		}
		if old, ok := acc.votes[author]; ok && old.Explicit != VoteDeferred && p.Vote == VoteDeferred {
			return "a vote never returns to deferred"
		}
		acc.votes[author] = Ballot{Local: author, Vote: p.Vote, Proof: p.Proof, Explicit: p.Vote, Entry: e.ID}
	case *Strangerspec:
		acc := s.strangers[p.Stranger]
		if acc == nil {
			acc = &strangerAcc{votes: map[identity.PublicKey]Ballot{}, notes: map[identity.PublicKey]Note{}}
			s.strangers[p.Stranger] = acc
		}
		acc.notes[author] = Note{Local: author, Text: p.Text, Blob: p.Blob, Hash: e.Header.PayloadHash, Entry: e.ID}
	case *Exclude:
		if !l.Active() {
			return "only an active local may propose an exclusion"
		}
		if p.Subject == author {
			return "a local cannot propose to exclude itself"
		}
		if s.local(p.Subject) == nil {
			return "the subject is not a local"
		}
		s.proposals[e.ID] = &Proposal{ID: e.ID, Proposer: author, Subject: p.Subject, Reason: p.Reason,
			votes: map[identity.PublicKey]bool{author: true}, order: order}
		s.settle(e.ID)
	case *ExcludeVote:
		pr := s.proposals[p.Proposal]
		switch {
		case pr == nil:
			return "no such proposal (yet)"
		case pr.Outcome != Open:
			return "the proposal is closed"
		case !l.Active() || author == pr.Subject:
			return "only active locals other than the subject vote on an exclusion"
		}
		pr.votes[author] = p.For
		s.settle(e.ID)
	case *StatePayload:
		l.State = p.Commitment()
	}
	return ""
}

func villageOf(p Payload) entry.ID {
	switch p := p.(type) {
	case *Accept:
		return p.Village
	case *Invite:
		return p.Village
	case *Join:
		return p.Village
	case *Leave:
		return p.Village
	case *Userspec:
		return p.Village
	case *Vote:
		return p.Village
	case *Strangerspec:
		return p.Village
	case *Exclude:
		return p.Village
	case *ExcludeVote:
		return p.Village
	case *StatePayload:
		return p.Village
	}
	return entry.ID{}
}

// activeKeys returns the active locals, sorted.
func (s *State) activeKeys() []identity.PublicKey {
	var ks []identity.PublicKey
	for k, l := range s.locals {
		if l.Active() {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, keyCmp)
	return ks
}

func keyCmp(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) }

// holds reports whether yes of eligible agree under m.
func holds(m Method, yes, eligible int) bool {
	if eligible == 0 {
		return false
	}
	if m == Unanimous {
		return yes == eligible
	}
	return 2*yes > eligible
}

// settle closes proposals and admits invitees until nothing changes; by is
// the entry that triggered it.
func (s *State) settle(by entry.ID) {
	for changed := true; changed; {
		changed = false
		props := s.openProposals()
		for _, pr := range props {
			if pr.Outcome != Open {
				continue
			}
			if s.local(pr.Subject) == nil {
				pr.Outcome = Moot
				continue
			}
			active := s.activeKeys()
			yes, eligible := 0, 0
			for _, k := range active {
				if k == pr.Subject {
					continue
				}
				eligible++
				if pr.votes[k] {
					yes++
				}
			}
			if holds(s.Exclude, yes, eligible) {
				pr.Outcome = Passed
				pr.For, pr.Against = s.tally(pr)
				sub := s.locals[pr.Subject]
				sub.Status, sub.Until = Excluded, pr.ID
				changed = true
			}
		}
		for _, inv := range s.pendingInvites() {
			if !inv.Admitted {
				active := s.activeKeys()
				yes := 0
				for _, k := range active {
					if slices.Contains(inv.Endorsers, k) {
						yes++
					}
				}
				inv.Admitted = holds(s.Admit, yes, len(active))
			}
			if inv.Admitted && inv.Joined {
				s.locals[inv.Invitee] = &Local{Key: inv.Invitee, Status: Member, Mode: Active, Since: by}
				delete(s.invites, inv.Invitee)
				changed = true
			}
		}
	}
}

func (s *State) tally(pr *Proposal) (yes, no []identity.PublicKey) {
	for _, k := range s.activeKeys() {
		if k == pr.Subject {
			continue
		}
		if pr.votes[k] {
			yes = append(yes, k)
		} else {
			no = append(no, k)
		}
	}
	return yes, no
}

func (s *State) openProposals() []*Proposal {
	var ps []*Proposal
	for _, p := range s.proposals {
		if p.Outcome == Open {
			ps = append(ps, p)
		}
	}
	slices.SortFunc(ps, func(a, b *Proposal) int { return cmp.Compare(a.order, b.order) })
	return ps
}

func (s *State) pendingInvites() []*Invitation {
	var is []*Invitation
	for _, i := range s.invites {
		is = append(is, i)
	}
	slices.SortFunc(is, func(a, b *Invitation) int { return cmp.Compare(a.order, b.order) })
	return is
}

// finish fills the exported views: locals, invitations, strangers with
// their standing and mechanical votes, proposals, problems.
func (s *State) finish() {
	for _, l := range s.locals {
		s.Locals = append(s.Locals, l)
	}
	slices.SortFunc(s.Locals, func(a, b *Local) int { return keyCmp(a.Key, b.Key) })
	for _, inv := range s.invites {
		slices.SortFunc(inv.Endorsers, keyCmp)
		s.Invitations = append(s.Invitations, inv)
	}
	slices.SortFunc(s.Invitations, func(a, b *Invitation) int { return keyCmp(a.Invitee, b.Invitee) })
	for _, p := range s.proposals {
		if p.Outcome == Open {
			p.For, p.Against = s.tally(p)
		}
		s.Proposals = append(s.Proposals, p)
	}
	slices.SortFunc(s.Proposals, func(a, b *Proposal) int { return cmp.Compare(a.order, b.order) })
	active := s.activeKeys()
	for id, acc := range s.strangers {
		st := &Stranger{ID: id}
		for k, b := range acc.votes {
			b.Counted = s.local(k) != nil
			if b.Counted {
				st.Listed = true
			}
			acc.votes[k] = b
		}
		// Standing from the active locals' votes.
		allAccept, sameProof := len(active) > 0, true
		var proof [32]byte
		for i, k := range active {
			b := acc.votes[k]
			switch b.Vote {
			case VoteVeto:
				st.Vetoers = append(st.Vetoers, k)
			case VoteAccept:
				if i == 0 {
					proof = b.Proof
				} else if b.Proof != proof {
					sameProof = false
				}
			}
			if b.Vote != VoteAccept {
				allAccept = false
			}
		}
		switch {
		case len(st.Vetoers) > 0:
			st.Standing = Vetoed
		case allAccept:
			st.Standing = Accepted
		}
		// Ballots: every current local (passive ones mechanical) and every
		// former local that voted.
		for _, l := range s.locals {
			b, voted := acc.votes[l.Key]
			if l.Status == Member && l.Mode == Passive {
				mb := Ballot{Local: l.Key, Mechanical: true, Counted: true, Explicit: b.Explicit, Entry: b.Entry}
				switch {
				case st.Standing == Vetoed:
					mb.Vote = VoteVeto
				case allAccept && sameProof:
					mb.Vote, mb.Proof = VoteAccept, proof
				}
				st.Ballots = append(st.Ballots, mb)
				continue
			}
			if voted {
				st.Ballots = append(st.Ballots, b)
			} else if l.Status == Member {
				st.Ballots = append(st.Ballots, Ballot{Local: l.Key, Counted: true})
			}
		}
		slices.SortFunc(st.Ballots, func(a, b Ballot) int { return keyCmp(a.Local, b.Local) })
		for _, n := range acc.notes {
			st.Notes = append(st.Notes, n)
		}
		slices.SortFunc(st.Notes, func(a, b Note) int { return keyCmp(a.Local, b.Local) })
		s.Strangers = append(s.Strangers, st)
	}
	slices.SortFunc(s.Strangers, func(a, b *Stranger) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	if !s.Founded {
		var missing []string
		for _, k := range s.Founders {
			if !s.locals[k].Accepted {
				missing = append(missing, k.Hex())
			}
		}
		s.Problems = append(s.Problems, fmt.Sprintf("not founded: founders %v have not accepted", missing))
	} else if len(active) < 2 {
		s.Problems = append(s.Problems, fmt.Sprintf("fewer than two active locals (%d)", len(active)))
	}
}

// Local returns the record of key, or nil.
func (s *State) Local(key identity.PublicKey) *Local { return s.locals[key] }

// Stranger returns the village's record of id, or nil.
func (s *State) Stranger(id StrangerID) *Stranger {
	i, ok := slices.BinarySearchFunc(s.Strangers, id, func(a *Stranger, id StrangerID) int { return bytes.Compare(a.ID[:], id[:]) })
	if !ok {
		return nil
	}
	return s.Strangers[i]
}

// Members returns the current locals' keys, sorted.
func (s *State) Members() []identity.PublicKey {
	var ks []identity.PublicKey
	for _, l := range s.Locals {
		if l.Status == Member {
			ks = append(ks, l.Key)
		}
	}
	return ks
}

// ActiveLocals returns the active locals' keys, sorted.
func (s *State) ActiveLocals() []identity.PublicKey { return s.activeKeys() }

// Ballot returns local's vote on the stranger: its own for an active local,
// the mechanical one for a passive local, deferred when it has not voted.
func (st *Stranger) Ballot(local identity.PublicKey) Ballot {
	i, ok := slices.BinarySearchFunc(st.Ballots, local, func(b Ballot, k identity.PublicKey) int { return keyCmp(b.Local, k) })
	if !ok {
		return Ballot{Local: local}
	}
	return st.Ballots[i]
}
