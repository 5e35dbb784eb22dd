package village

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/causalorder"
	"github.com/kithnet/kith/internal/conversation"
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

// StrangerRequest is a stranger's applied village.request (village.md §6).
type StrangerRequest struct {
	Entry     entry.ID
	Timestamp uint64
	Text      string
	Blob      [32]byte
}

// Stranger is a stranger the village knows of.
type Stranger struct {
	ID       StrangerID
	Listed   bool // some current local has voted on it
	Standing Standing
	Vetoers  []identity.PublicKey // active locals vetoing it
	Ballots  []Ballot             // sorted by local: every local's explicit or mechanical vote
	Notes    []Note               // sorted by local
	Requests []StrangerRequest    // the stranger's requests, in the village order (at most MaxRequests)
	Devices  []identity.PublicKey // the devices its applied requests came from, sorted
}

// Pending reports whether the stranger has sent requests the village has
// not answered: no current local lists it (village.md §6, the inbox).
func (st *Stranger) Pending() bool { return !st.Listed && len(st.Requests) > 0 }

// Heard reports whether the village hears the stranger: listed and not
// vetoed (acknowledged or accepted).
func (st *Stranger) Heard() bool { return st.Listed && st.Standing != Vetoed }

// Proposal is an exclusion proposal.
type Proposal struct {
	ID       entry.ID
	Proposer identity.PublicKey
	Subject  identity.PublicKey
	Reason   string
	For      []identity.PublicKey // eligible locals counted for, at the close or now
	Against  []identity.PublicKey // eligible locals who voted against (or whose position is disagree)
	NotVoted []identity.PublicKey // eligible locals who have not voted (counted as not for)
	// Stances: the eligible locals whose position (village.position) is
	// abstain or block, sorted by local.
	Stances []Stance
	Outcome Outcome
	votes   map[identity.PublicKey]Stance
	order   int
	dirty   bool // its votes changed since settle last evaluated it
}

// Stance is a local's latest position on an invitation or a proposal.
type Stance struct {
	Local    identity.PublicKey
	Position conversation.Position
	Reason   string
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
	Endorsers []identity.PublicKey // locals that invited it (position agree), sorted
	// Stances: the locals whose latest position on it (village.position)
	// is disagree, abstain or block, sorted by local.
	Stances  []Stance
	Admitted bool // the charter's admit method held
	Joined   bool // the invitee posted village.join
	// Needed is how many more active locals must invite the invitee before
	// it is admitted under the charter's admit method, 0 once admitted (or
	// while the village has no active local), -1 when no number of further
	// endorsements (up to MaxNeeded) would admit it: a block, say, stands
	// in the way.
	Needed  int
	order   int
	stances map[identity.PublicKey]Stance
	dirty   bool // its positions changed since settle last evaluated it
	gone    bool // turned into a local
}

// MaxNeeded bounds the further endorsements Invitation.Needed looks for
// under a method other than unanimous or majority.
const MaxNeeded = 1000

// Ignored is an entry the reducer did not apply, and why.
type Ignored struct {
	Entry  entry.ID
	Reason string
}

// State is a village as derived from a set of entries.
type State struct {
	Village entry.ID
	Name    string
	Admit   Method
	Exclude Method
	// The charter's rules in full (method, parameters, expression).
	AdmitRule   Rule
	ExcludeRule Rule
	Founders    []identity.PublicKey
	Founded     bool
	Locals      []*Local // every key named by found, invite-and-join; sorted by key
	Invitations []*Invitation
	Strangers   []*Stranger // sorted by id
	Proposals   []*Proposal // in order of the proposal entries
	Ignored     []Ignored   // in the village order
	Problems    []string

	admit, exclude *conversation.CompiledRule

	// settle's bookkeeping: the active locals when it last evaluated the
	// open proposals and pending invitations, which are kept in the order
	// of their entries (open and pending only).
	settledActive []identity.PublicKey
	openList      []*Proposal
	inviteList    []*Invitation

	locals    map[identity.PublicKey]*Local
	invites   map[identity.PublicKey]*Invitation
	proposals map[entry.ID]*Proposal

	// lidx numbers the keys of locals in order of creation (llist).
	lidx  map[identity.PublicKey]int32
	llist []*Local

	// While reducing: the strangers' votes and notes, kept compact (one
	// accumulator per stranger, the votes and notes of all strangers in two
	// flat lists chained per stranger); finish turns them into Strangers
	// and drops them.
	strangers map[StrangerID]int32 // index in accs
	accs      chunks[strangerAcc]
	votes     chunks[voteRec]
	notes     chunks[noteRec]
	requests  chunks[requestRec]

	accounts *accounts // the authors' accounts
}

// strangerAcc is one stranger's accumulated votes, notes and requests: the
// heads of its chains in State.votes, State.notes and State.requests
// (index + 1; 0 = none), and how many requests it sent.
type strangerAcc struct {
	id                     StrangerID
	votes, notes, requests int32
	nrequests              int32
	devices                []identity.PublicKey // the devices whose requests were applied
}

// requestRec is one request of a stranger.
type requestRec struct {
	next int32 // the stranger's previous request (index + 1; 0 = none)
	req  StrangerRequest
}

// voteRec is one local's latest vote on a stranger.
type voteRec struct {
	next  int32 // next vote on the same stranger (index + 1; 0 = none)
	local int32 // index in State.llist
	vote  VoteKind
	proof [32]byte
	entry entry.ID
}

// noteRec is one local's latest strangerspec on a stranger.
type noteRec struct {
	next int32 // next note on the same stranger (index + 1; 0 = none)
	note Note
}

// ErrNoFound is returned by Reduce when the entries lack a valid found
// entry whose id is the village id.
var ErrNoFound = errors.New("village: no valid found entry with the village id")

// Reduce derives the village's state from entries: a pure function of the
// set of entries (duplicates and order do not matter). Entries must have
// been signature-checked; entries whose payload is missing or invalid, that
// belong to another village or whose author is not entitled are skipped and
// listed in State.Ignored. The others are applied in the village order
// (order.go; village.md §3): seq within a log, causal references across
// logs, ties by entry id; never by timestamp. It fails only when the found
// entry is missing or invalid.
//
// Entries may include device certificates and revocations (device.add and
// device.revoke, payloads.md §5): they say which account each author
// speaks for (village.md §1) and are not applied themselves.
func Reduce(village entry.ID, entries []*entry.Entry) (*State, error) {
	found, es, at, certs := distinct(village, entries)
	ps := decodeAll(es)
	acc := accountsOf(es, ps, at, certs)
	seq := causalorder.Order(es, at, func(i int) []entry.ID { return RefsOf(ps[i].p) })
	at = nil
	return reduceInOrder(village, found, es, ps, seq, acc)
}

// accountsOf maps the authors of es to their accounts: the certificates
// in certs and those requests carry, then the revocations in certs with
// what they keep of es.
func accountsOf(es []*entry.Entry, ps []decoded, at map[entry.ID]int32, certs []*entry.Entry) *accounts {
	acc := newAccounts()
	for _, c := range certs {
		acc.addCert(c)
	}
	for _, d := range ps {
		if r, ok := d.p.(*Request); ok {
			acc.addEmbedded(r.Cert)
		}
	}
	for _, c := range certs {
		acc.addRevoke(c)
	}
	acc.keep(func(id entry.ID) *entry.Entry {
		if i, ok := at[id]; ok {
			return es[i]
		}
		return nil
	})
	return acc
}

// reduceInOrder applies es[seq[0]], es[seq[1]], … (ps: their decoded
// payloads) after the found entry; acc maps authors to accounts.
func reduceInOrder(village entry.ID, found *entry.Entry, es []*entry.Entry, ps []decoded, seq []int32, acc *accounts) (*State, error) {
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
	fa, ok := acc.of[found.Header.Author]
	if !ok || !slices.Contains(f.Founders, fa) {
		return nil, fmt.Errorf("%w: its author is not a device of a founder (no certificate of it by a founder's account is held)", ErrNoFound)
	}
	s := &State{
		Village: village, Name: f.Name, Admit: f.Admit, Exclude: f.Exclude,
		AdmitRule: f.AdmitRule(), ExcludeRule: f.ExcludeRule(),
		Founders:  f.Founders,
		locals:    map[identity.PublicKey]*Local{},
		invites:   map[identity.PublicKey]*Invitation{},
		strangers: map[StrangerID]int32{},
		proposals: map[entry.ID]*Proposal{},
		lidx:      map[identity.PublicKey]int32{},
		accounts:  acc,
	}
	// Decode checked both rules; they compile.
	if s.admit, err = s.AdmitRule.Compile(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFound, err)
	}
	if s.exclude, err = s.ExcludeRule.Compile(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFound, err)
	}
	for _, k := range f.Founders {
		s.addLocal(&Local{Key: k, Status: Founder, Mode: Active})
	}
	// Its author's account accepted by founding, unless a revocation of
	// the device does not keep the found entry.
	if a, why := acc.speaks(found); why == "" {
		s.locals[a].Accepted = true
	}
	for n, i := range seq {
		reason := ps[i].err
		if reason == "" {
			reason = s.apply(es[i], ps[i].p, n)
		}
		if reason != "" {
			s.Ignored = append(s.Ignored, Ignored{es[i].ID, reason})
		}
	}
	s.finish()
	return s, nil
}

// addLocal records l as the local of its key.
func (s *State) addLocal(l *Local) {
	s.locals[l.Key] = l
	if i, ok := s.lidx[l.Key]; ok {
		s.llist[i] = l
		return
	}
	s.lidx[l.Key] = int32(len(s.llist))
	s.llist = append(s.llist, l)
}

// acc returns the index of stranger id's accumulator, adding it if new.
func (s *State) acc(id StrangerID) int {
	i, ok := s.strangers[id]
	if !ok {
		i = int32(s.accs.add(strangerAcc{id: id}))
		s.strangers[id] = i
	}
	return int(i)
}

func (s *State) local(k identity.PublicKey) *Local {
	if l := s.locals[k]; l != nil && l.Status == Member {
		return l
	}
	return nil
}

// apply applies one entry and returns why it was ignored, or "".
func (s *State) apply(e *entry.Entry, p Payload, order int) string {
	if _, ok := p.(*Found); ok {
		return "another village's found entry"
	}
	if v := villageOf(p); v != s.Village {
		return "another village"
	}
	if e.Header.LogID != entry.LogID(s.Village) {
		return "not in the village log (log id = village id)"
	}
	// A request changes no component: it counts before the founding
	// too, so a stranger whose clock is behind the village's is heard.
	if r, ok := p.(*Request); ok {
		dev, why := s.accounts.addEmbedded(r.Cert)
		switch {
		case why != "":
			return why
		case dev != e.Header.Author:
			return "the request carries the certificate of another device"
		}
		author, why := s.accounts.speaks(e)
		if why != "" {
			return why
		}
		if s.local(author) != nil || slices.Contains(s.Founders, author) {
			return "a local does not send requests"
		}
		acc := s.accs.at(s.acc(RequestStranger(author, r.User)))
		if !slices.Contains(acc.devices, dev) {
			acc.devices = append(acc.devices, dev)
		}
		if acc.nrequests >= MaxRequests {
			return fmt.Sprintf("too many requests from this stranger (%d)", MaxRequests)
		}
		acc.nrequests++
		acc.requests = int32(s.requests.add(requestRec{next: acc.requests,
			req: StrangerRequest{Entry: e.ID, Timestamp: e.Header.Timestamp, Text: r.Text, Blob: r.Blob}}) + 1)
		return ""
	}
	author, why := s.accounts.speaks(e)
	if why != "" {
		return why
	}
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
			inv = &Invitation{Invitee: p.Invitee, order: order, stances: map[identity.PublicKey]Stance{}}
			s.invites[p.Invitee] = inv
			s.inviteList = append(s.inviteList, inv)
		}
		if slices.Contains(inv.Endorsers, author) {
			return "this local already invited the invitee"
		}
		delete(inv.stances, author)
		inv.Endorsers = append(inv.Endorsers, author)
		inv.dirty = true
		s.settle(e.ID)
	case *Position:
		if why := s.position(author, p); why != "" {
			return why
		}
		s.settle(e.ID)
	case *Leave:
		l.Status, l.Until = Left, e.ID
		s.settle(e.ID)
	case *Userspec:
		if reason := s.UserspecRefusal(author, p.Mode); reason != "" {
			return reason
		}
		l.Mode, l.Name, l.Userspec = p.Mode, p.Name, e.Header.PayloadHash
		s.settle(e.ID)
	case *Vote:
		acc := s.accs.at(s.acc(p.Stranger))
		li := s.lidx[author]
		for v := acc.votes; v != 0; v = s.votes.at(int(v - 1)).next {
			if r := s.votes.at(int(v - 1)); r.local == li {
				if r.vote != VoteDeferred && p.Vote == VoteDeferred {
					return "a vote never returns to deferred"
				}
				r.vote, r.proof, r.entry = p.Vote, p.Proof, e.ID
				return ""
			}
		}
		acc.votes = int32(s.votes.add(voteRec{next: acc.votes, local: li, vote: p.Vote, proof: p.Proof, entry: e.ID}) + 1)
	case *Strangerspec:
		acc := s.accs.at(s.acc(p.Stranger))
		n := Note{Local: author, Text: p.Text, Blob: p.Blob, Hash: e.Header.PayloadHash, Entry: e.ID}
		for v := acc.notes; v != 0; v = s.notes.at(int(v - 1)).next {
			if r := s.notes.at(int(v - 1)); r.note.Local == author {
				r.note = n
				return ""
			}
		}
		acc.notes = int32(s.notes.add(noteRec{next: acc.notes, note: n}) + 1)
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
		pr := &Proposal{ID: e.ID, Proposer: author, Subject: p.Subject, Reason: p.Reason,
			votes: map[identity.PublicKey]Stance{author: {Local: author, Position: conversation.Agree}}, order: order, dirty: true}
		s.proposals[e.ID] = pr
		s.openList = append(s.openList, pr)
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
		pos := conversation.Disagree
		if p.For {
			pos = conversation.Agree
		}
		pr.votes[author] = Stance{Local: author, Position: pos}
		pr.dirty = true
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
	case *Request:
		return p.Village
	case *Position:
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

// needed returns how many more of the eligible active locals must
// endorse the invitation for the charter's admit rule to hold: 0 when it
// holds or nobody is eligible; for unanimous and majority the closed form
// of version 2; otherwise the smallest number of the silent locals
// agreeing that makes it hold, -1 when none up to MaxNeeded does.
func (s *State) needed(t conversation.Tally) int {
	if t.Participants == 0 || s.admit.Holds(t) {
		return 0
	}
	switch s.Admit {
	case Unanimous:
		return t.Participants - t.Agree
	case Majority:
		return t.Participants/2 + 1 - t.Agree
	}
	return s.admit.Needed(t, MaxNeeded)
}

// settle closes proposals and admits invitees until nothing changes; by is
// the entry that triggered it.
//
// A proposal's or invitation's tally is a function of the active locals
// and its own votes or positions, so settle evaluates the rule again only
// for those whose votes or positions changed (dirty) unless the active
// locals changed: the result is that of evaluating every one, and a local
// flooding the village with invitations costs no rule evaluations of the
// others (settleAll, for tests, evaluates every one).
func (s *State) settle(by entry.ID) {
	for changed := true; changed; {
		changed = false
		cur := s.activeKeys()
		recheck := settleAll || !slices.Equal(cur, s.settledActive)
		s.settledActive = cur
		closed := false
		for _, pr := range s.openList {
			if pr.Outcome != Open {
				continue
			}
			if s.local(pr.Subject) == nil {
				pr.Outcome = Moot
				closed = true
				continue
			}
			if !recheck && !pr.dirty {
				continue
			}
			pr.dirty = false
			if s.exclude.Holds(s.proposalTally(pr)) {
				pr.Outcome = Passed
				s.tally(pr)
				sub := s.locals[pr.Subject]
				sub.Status, sub.Until = Excluded, pr.ID
				changed, recheck, closed = true, true, true
			}
		}
		if closed {
			s.openList = slices.DeleteFunc(s.openList, func(p *Proposal) bool { return p.Outcome != Open })
		}
		gone := false
		for _, inv := range s.inviteList {
			if !inv.Admitted && (recheck || inv.dirty) {
				inv.Admitted = s.admit.Holds(s.inviteTally(inv))
			}
			inv.dirty = false
			if inv.Admitted && inv.Joined {
				s.addLocal(&Local{Key: inv.Invitee, Status: Member, Mode: Active, Since: by})
				delete(s.invites, inv.Invitee)
				inv.gone = true
				changed, recheck, gone = true, true, true
			}
		}
		if gone {
			s.inviteList = slices.DeleteFunc(s.inviteList, func(i *Invitation) bool { return i.gone })
		}
	}
}

// settleAll makes settle evaluate every open proposal and pending
// invitation after every entry (tests compare it with the skipping).
var settleAll = false

// tally sets the proposal's For, Against and NotVoted from the votes of
// the active locals other than its subject.
func (s *State) tally(pr *Proposal) {
	pr.For, pr.Against, pr.NotVoted, pr.Stances = nil, nil, nil, nil
	for _, k := range s.activeKeys() {
		if k == pr.Subject {
			continue
		}
		switch st, ok := pr.votes[k]; {
		case !ok:
			pr.NotVoted = append(pr.NotVoted, k)
		case st.Position == conversation.Agree:
			pr.For = append(pr.For, k)
		case st.Position == conversation.Disagree:
			pr.Against = append(pr.Against, k)
		default:
			pr.Stances = append(pr.Stances, st)
		}
	}
}

// finish fills the exported views: locals, invitations, strangers with
// their standing and mechanical votes, proposals, problems.
func (s *State) finish() {
	for _, l := range s.locals {
		s.Locals = append(s.Locals, l)
	}
	slices.SortFunc(s.Locals, func(a, b *Local) int { return keyCmp(a.Key, b.Key) })
	active := s.activeKeys()
	for _, inv := range s.invites {
		slices.SortFunc(inv.Endorsers, keyCmp)
		inv.Needed = 0
		if !inv.Admitted {
			inv.Needed = s.needed(s.inviteTally(inv))
		}
		inv.Stances = sortedStances(inv.stances)
		s.Invitations = append(s.Invitations, inv)
	}
	slices.SortFunc(s.Invitations, func(a, b *Invitation) int { return keyCmp(a.Invitee, b.Invitee) })
	for _, p := range s.proposals {
		if p.Outcome == Open {
			s.tally(p)
		}
		s.Proposals = append(s.Proposals, p)
	}
	slices.SortFunc(s.Proposals, func(a, b *Proposal) int { return cmp.Compare(a.order, b.order) })
	s.finishStrangers(active)
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

// finishStrangers builds State.Strangers from the accumulated votes and
// notes: standing from the active locals' votes, ballots of every current
// local (passive ones mechanical) and of every former local that voted,
// notes sorted by local. The Stranger records, their ballots and their
// notes are each carved from one allocation; the accumulators are dropped.
func (s *State) finishStrangers(active []identity.PublicKey) {
	member := make([]bool, len(s.llist)) // by index in llist
	members := 0
	for i, l := range s.llist {
		if l.Status == Member {
			member[i] = true
			members++
		}
	}
	byKey := make([]int32, len(s.Locals)) // s.Locals' indexes in llist
	for j, l := range s.Locals {
		byKey[j] = s.lidx[l.Key]
	}
	act := make([]int32, len(active))
	for j, k := range active {
		act[j] = s.lidx[k]
	}
	nb := 0
	ord := make([]int32, s.accs.len()) // the strangers by id
	for i := range ord {
		ord[i] = int32(i)
		nb += members
		for v := s.accs.at(i).votes; v != 0; v = s.votes.at(int(v - 1)).next {
			if !member[s.votes.at(int(v-1)).local] {
				nb++
			}
		}
	}
	slices.SortFunc(ord, func(a, b int32) int { return bytes.Compare(s.accs.at(int(a)).id[:], s.accs.at(int(b)).id[:]) })
	sts := make([]Stranger, len(ord))
	ballots := make([]Ballot, nb)
	notes := make([]Note, s.notes.len())
	reqs := make([]StrangerRequest, s.requests.len())
	nr := 0
	s.Strangers = make([]*Stranger, len(ord))
	slot := make([]int32, len(s.llist)) // the current stranger's vote by local (index + 1)
	nb = 0
	nn := 0
	for i, a := range ord {
		acc := s.accs.at(int(a))
		st := &sts[i]
		st.ID = acc.id
		s.Strangers[i] = st
		for v := acc.votes; v != 0; v = s.votes.at(int(v - 1)).next {
			r := s.votes.at(int(v - 1))
			slot[r.local] = v
			if member[r.local] {
				st.Listed = true
			}
		}
		// Standing from the active locals' votes.
		allAccept, sameProof := len(active) > 0, true
		var proof [32]byte
		for j, li := range act {
			var vote VoteKind
			var pr [32]byte
			if v := slot[li]; v != 0 {
				vote, pr = s.votes.at(int(v-1)).vote, s.votes.at(int(v-1)).proof
			}
			switch vote {
			case VoteVeto:
				st.Vetoers = append(st.Vetoers, active[j])
			case VoteAccept:
				if j == 0 {
					proof = pr
				} else if pr != proof {
					sameProof = false
				}
			}
			if vote != VoteAccept {
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
		// former local that voted, in key order.
		first := nb
		for j, l := range s.Locals {
			li := byKey[j]
			var r *voteRec
			if v := slot[li]; v != 0 {
				r = s.votes.at(int(v - 1))
			}
			switch {
			case l.Status == Member && l.Mode == Passive:
				b := &ballots[nb]
				*b = Ballot{Local: l.Key, Mechanical: true, Counted: true}
				if r != nil {
					b.Explicit, b.Entry = r.vote, r.entry
				}
				switch {
				case st.Standing == Vetoed:
					b.Vote = VoteVeto
				case allAccept && sameProof:
					b.Vote, b.Proof = VoteAccept, proof
				}
			case r != nil:
				ballots[nb] = Ballot{Local: l.Key, Vote: r.vote, Proof: r.proof, Counted: member[li], Explicit: r.vote, Entry: r.entry}
			case l.Status == Member:
				ballots[nb] = Ballot{Local: l.Key, Counted: true}
			default:
				continue
			}
			nb++
		}
		if nb > first {
			st.Ballots = ballots[first:nb:nb]
		}
		for v := acc.votes; v != 0; v = s.votes.at(int(v - 1)).next {
			slot[s.votes.at(int(v-1)).local] = 0
		}
		first = nn
		for v := acc.notes; v != 0; v = s.notes.at(int(v - 1)).next {
			notes[nn] = s.notes.at(int(v - 1)).note
			nn++
		}
		if nn > first {
			st.Notes = notes[first:nn:nn]
			slices.SortFunc(st.Notes, func(a, b Note) int { return keyCmp(a.Local, b.Local) })
		}
		st.Devices = acc.devices
		slices.SortFunc(st.Devices, keyCmp)
		// The chain runs from the latest request back: fill from the end.
		if acc.nrequests > 0 {
			st.Requests = reqs[nr : nr+int(acc.nrequests) : nr+int(acc.nrequests)]
			j := len(st.Requests)
			for v := acc.requests; v != 0; v = s.requests.at(int(v - 1)).next {
				j--
				st.Requests[j] = s.requests.at(int(v - 1)).req
			}
			nr += int(acc.nrequests)
		}
	}
	s.strangers, s.accs, s.votes, s.notes, s.requests = nil, chunks[strangerAcc]{}, chunks[voteRec]{}, chunks[noteRec]{}, chunks[requestRec]{}
}

// Knows reports whether the village knows key as a founder, a (former)
// local or an invitee (accounts), or key is a device certified by such an
// account: the devices whose village logs can change the components (a
// stranger's log only holds requests, village.md §6).
func (s *State) Knows(key identity.PublicKey) bool {
	if s.locals[key] != nil || s.invites[key] != nil {
		return true
	}
	a, ok := s.accounts.of[key]
	return ok && (s.locals[a] != nil || s.invites[a] != nil)
}

// AccountOf returns the account device speaks for in this set of
// entries: the one that certified it, if exactly one did (revoked or not).
func (s *State) AccountOf(device identity.PublicKey) (identity.PublicKey, bool) {
	a, ok := s.accounts.of[device]
	return a, ok
}

// Current reports whether device may write for its account: certified by
// exactly one account in this set of entries and not revoked.
func (s *State) Current(device identity.PublicKey) bool { return s.accounts.current(device) }

// Devices returns the devices certified by account in this set of
// entries (revoked ones too), sorted.
func (s *State) Devices(account identity.PublicKey) []identity.PublicKey {
	var out []identity.PublicKey
	for d, a := range s.accounts.of {
		if a == account {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, keyCmp)
	return out
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
