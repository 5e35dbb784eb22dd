package conversation

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/causalorder"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Input is what Reduce reads.
type Input struct {
	// Conversation is the id of the conversation.start entry.
	Conversation entry.ID
	// Entries: the start entry and the conversation's other entries, in
	// any order, signatures already checked; duplicates are ignored.
	Entries []*entry.Entry
	// Members are the participants when the start names members (a
	// space's members, a village's locals), as the caller resolved them.
	Members []identity.PublicKey
	// Account maps an entry to the account it speaks for; nil: the
	// entry's author key.
	Account func(*entry.Entry) (identity.PublicKey, bool)
}

// Event is one entry of the conversation's history, in the causal order.
type Event struct {
	ID      entry.ID
	Author  identity.PublicKey // the account
	Type    string             // "" when the payload could not be read
	Payload Payload            // nil when not readable
	Applied bool
	Reason  string // why it was ignored ("" when applied)
}

// Stand is a participant's latest position.
type Stand struct {
	Position Position
	Reason   string
	At       entry.ID
}

// Outcome is the decision, recorded at the entry after which the method
// first held.
type Outcome struct {
	At         entry.ID // the entry whose application made the method hold
	Messages   int      // applied messages up to and including At
	Text       string   // the start's text (proposal, debate: the motion; announcement; invitation)
	Amendments []string // proposal: the amendments applied before At
	// Agreed: the participants whose position is agree (proposal,
	// debate), who acknowledged (announcement) or answered yes
	// (invitation), in key order.
	Agreed []identity.PublicKey
	// Guests: an invitation's participants holding a place, in the order
	// they got it.
	Guests     []identity.PublicKey
	Winner     int // poll: the winning option, -1 when none (proposal, or a cel tie)
	WinnerText string
	Tally      Tally
}

// State is a conversation as Reduce derives it.
type State struct {
	Conversation entry.ID
	Start        *Start // nil: no valid start entry (Problem says why)
	Starter      identity.PublicKey
	Participants []identity.PublicKey // sorted
	Problem      string
	History      []Event
	Stands       map[identity.PublicKey]Stand
	Ballots      map[identity.PublicKey][]uint64
	Amendments   []string
	Messages     int
	// DeadlinePassed: the start's After messages have been applied, or a
	// participant declared the stated deadline passed.
	DeadlinePassed bool
	// DeadlineDeclared: the conversation.deadline entry that declared the
	// stated deadline passed (nil: none applied).
	DeadlineDeclared *Declaration
	// Speaker: an announcement's speaker (the start's speaker, or the
	// starter's account).
	Speaker identity.PublicKey
	// Acknowledged: who acknowledged an announcement, in the order applied.
	Acknowledged []identity.PublicKey
	// Answers: each participant's latest answer to an invitation.
	Answers map[identity.PublicKey]Answer
	// Guests: an invitation's participants holding a place, in the order
	// they got it; Waiting: those who answered yes when every place was
	// taken, in the order they answered.
	Guests  []identity.PublicKey
	Waiting []identity.PublicKey
	// Arguments: a debate's applied arguments, in the causal order.
	Arguments []ArgumentEvent
	Tally     Tally
	Votes     []uint64 // poll: approvals, first choices or score sums per option
	Outcome   *Outcome
	// MethodError: the last error a cel expression gave when evaluated
	// (cost limit, division by zero); the method did not hold then.
	MethodError string
}

// Declaration is the entry that declared the deadline passed.
type Declaration struct {
	At entry.ID
	By identity.PublicKey
}

// ArgumentEvent is an applied argument of a debate.
type ArgumentEvent struct {
	ID      entry.ID
	Author  identity.PublicKey
	Side    Side
	Text    string
	Answers entry.ID // zero: it answers the motion
}

// Closed reports whether the outcome has been reached.
func (s *State) Closed() bool { return s.Outcome != nil }

// Reduce derives the conversation's state from its entries. It is a
// function of the set of entries: any delivery order gives the same state.
func Reduce(in Input) *State {
	s := &State{Conversation: in.Conversation, Stands: map[identity.PublicKey]Stand{}, Ballots: map[identity.PublicKey][]uint64{}, Answers: map[identity.PublicKey]Answer{}}
	account := in.Account
	if account == nil {
		account = func(e *entry.Entry) (identity.PublicKey, bool) { return e.Header.Author, true }
	}
	start, rest, at := distinct(in.Conversation, in.Entries)
	if start == nil {
		s.Problem = "the conversation.start entry is not held"
		return s
	}
	p, err := decodeEntry(start)
	st, ok := p.(*Start)
	switch {
	case err != nil:
		s.Problem = "the start entry cannot be read: " + err.Error()
		return s
	case !ok:
		s.Problem = "the entry named as the conversation is a " + p.Type() + ", not a conversation.start"
		return s
	}
	var expr *Expr
	if st.Method == MethodCEL {
		if expr, err = CompileExpr(st.Expr); err != nil {
			s.Problem = "the consensus expression is refused: " + err.Error()
			return s
		}
	}
	s.Start = st
	s.Starter, _ = account(start)
	if st.Participants != nil {
		s.Participants = st.Participants
	} else {
		s.Participants = slices.Clone(in.Members)
		slices.SortFunc(s.Participants, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
		s.Participants = slices.Compact(s.Participants)
		if len(s.Participants) == 0 {
			s.Problem = fmt.Sprintf("the members of %x are not known here", st.Members[:8])
		}
	}
	idx := make(map[identity.PublicKey]int, len(s.Participants))
	for i, k := range s.Participants {
		idx[k] = i
	}
	if st.Pattern == PatternAnnouncement && s.Problem == "" {
		s.Speaker = st.Speaker
		if s.Speaker == (identity.PublicKey{}) {
			s.Speaker = s.Starter
		}
		if _, ok := idx[s.Speaker]; !ok {
			s.Problem = "the announcement's speaker is not a participant"
		}
	}
	r := &reducer{s: s, st: st, expr: expr, idx: idx}
	r.init()

	ps := make([]Payload, len(rest))
	errs := make([]error, len(rest))
	for i, e := range rest {
		ps[i], errs[i] = decodeEntry(e)
	}
	for _, i := range causalorder.Order(rest, at, func(i int) []entry.ID {
		if ps[i] == nil {
			return nil
		}
		return edges(ps[i])
	}) {
		e := rest[i]
		ev := Event{ID: e.ID, Payload: ps[i]}
		ev.Author, _ = account(e)
		if ps[i] != nil {
			ev.Type = ps[i].Type()
		}
		if errs[i] != nil {
			ev.Reason = errs[i].Error()
		} else {
			ev.Reason = r.apply(e, ev.Author, ps[i])
		}
		ev.Applied = ev.Reason == ""
		s.History = append(s.History, ev)
	}
	return s
}

// decodeEntry decodes e's payload, checking that it matches the header.
func decodeEntry(e *entry.Entry) (Payload, error) {
	if e.Payload == nil {
		return nil, fmt.Errorf("payload missing")
	}
	if entry.CheckPayload(&e.Header, e.Payload) != nil {
		return nil, fmt.Errorf("the payload does not match the entry's header")
	}
	return Decode(e.Payload)
}

// distinct returns the start entry and the others, one copy of each id
// (preferring a copy whose payload matches its header, then the smaller
// payload bytes, so the choice does not depend on the input order).
func distinct(id entry.ID, es []*entry.Entry) (start *entry.Entry, rest []*entry.Entry, at map[entry.ID]int32) {
	at = make(map[entry.ID]int32, len(es))
	for _, e := range es {
		switch {
		case e == nil:
		case e.ID == id:
			if start == nil || better(e, start) {
				start = e
			}
		default:
			if i, ok := at[e.ID]; ok {
				if better(e, rest[i]) {
					rest[i] = e
				}
				continue
			}
			at[e.ID] = int32(len(rest))
			rest = append(rest, e)
		}
	}
	return start, rest, at
}

func better(a, b *entry.Entry) bool {
	am := a.Payload != nil && entry.CheckPayload(&a.Header, a.Payload) == nil
	bm := b.Payload != nil && entry.CheckPayload(&b.Header, b.Payload) == nil
	if am != bm {
		return am
	}
	if (a.Payload == nil) != (b.Payload == nil) {
		return a.Payload == nil
	}
	return bytes.Compare(a.Payload, b.Payload) < 0
}
