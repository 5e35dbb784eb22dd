package conversation

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The payload types (conversation.md §2).
const (
	TypeStart    = "conversation.start"
	TypeSay      = "conversation.say"
	TypeAmend    = "conversation.amend"
	TypePosition = "conversation.position"
	TypeBallot   = "conversation.ballot"
	TypeAck      = "conversation.ack"
	TypeAnswer   = "conversation.answer"
	TypeArgument = "conversation.argument"
	TypeDeadline = "conversation.deadline"
)

// Patterns.
const (
	PatternDiscussion = "discussion"
	PatternProposal   = "proposal"
	PatternPoll       = "poll"
	// An announcement has one speaker; the others acknowledge.
	PatternAnnouncement = "announcement"
	// An invitation is answered yes, no or maybe, with a limit of places.
	PatternInvitation = "invitation"
	// A debate has arguments for and against a motion, each answering
	// another, and positions on the motion.
	PatternDebate = "debate"
)

// Answer is a participant's answer to an invitation.
type Answer uint8

// The answers, as encoded.
const (
	Yes Answer = iota
	No
	Maybe
)

func (a Answer) String() string {
	switch a {
	case Yes:
		return "yes"
	case No:
		return "no"
	case Maybe:
		return "maybe"
	}
	return fmt.Sprintf("answer(%d)", uint8(a))
}

// Side is the side of a debate an argument takes.
type Side uint8

// The sides, as encoded.
const (
	For Side = iota
	Against
)

func (d Side) String() string {
	switch d {
	case For:
		return "for"
	case Against:
		return "against"
	}
	return fmt.Sprintf("side(%d)", uint8(d))
}

// Ballot kinds of a poll.
const (
	BallotApproval = "approval"
	BallotRanked   = "ranked"
	BallotScore    = "score"
)

// Limits (conversation.md §5).
const (
	MaxPayloadSize  = 16384
	MaxTopicLen     = 200
	MaxTextLen      = 4000
	MaxReasonLen    = 1000
	MaxExprLen      = 2000
	MaxOptions      = 64
	MaxOptionLen    = 200
	MaxParticipants = 400
	MaxRefs         = 64
	MaxScore        = 10
	MaxParam        = 1000000
	// MaxDeadline bounds the stated deadline (Unix seconds; 2^40 is in
	// the year 36812).
	MaxDeadline = 1 << 40
)

// Position is a participant's stand on a proposal.
type Position uint8

// The positions, as encoded.
const (
	Agree Position = iota
	Disagree
	Abstain
	Block
)

func (p Position) String() string {
	switch p {
	case Agree:
		return "agree"
	case Disagree:
		return "disagree"
	case Abstain:
		return "abstain"
	case Block:
		return "block"
	}
	return fmt.Sprintf("position(%d)", uint8(p))
}

// Payload is a decoded conversation payload.
type Payload interface {
	Type() string
	causal() *Causal
}

// Causal holds an entry's causal references (village.md §3, "Order"):
// heads of other logs its author had seen, sorted, no repeats, at most
// MaxRefs; nil when none.
type Causal struct{ Refs []entry.ID }

func (c *Causal) causal() *Causal { return c }

// Start opens a conversation; its entry id names the conversation.
type Start struct {
	Causal
	Topic   string
	Pattern string
	Method  string
	Params  []uint64 // method parameters (nil: none)
	Expr    string   // the CEL expression when Method is "cel"
	// Exactly one of Participants (account keys, sorted, distinct) and
	// Members (a space or village id whose members the node resolves).
	Participants []identity.PublicKey
	Members      entry.ID
	Text         string   // the proposal's text (proposal pattern)
	Options      []string // poll options
	Ballot       string   // poll ballot kind
	After        uint64   // deadline: passes once this many messages are applied (0: none)
	// Speaker: the one who speaks in an announcement (zero: the starter's
	// account).
	Speaker identity.PublicKey
	// Places: an invitation's limit of places (0: no limit).
	Places uint64
	// Deadline: the deadline as the starter states it, in Unix seconds
	// (0: none). People read it; the reducer never compares it with a
	// clock: it passes when a participant's conversation.deadline entry
	// says so.
	Deadline uint64
}

// Say is a free message, optionally replying to another entry.
type Say struct {
	Causal
	Conversation entry.ID
	Text         string
	Reply        entry.ID // zero: none
}

// Amend adds an amendment to a proposal.
type Amend struct {
	Causal
	Conversation entry.ID
	Text         string
}

// PositionMsg is a participant's position on a proposal.
type PositionMsg struct {
	Causal
	Conversation entry.ID
	Position     Position
	Reason       string
}

// Ballot is a participant's ballot in a poll: approved option indexes
// (sorted, distinct), a ranking (option indexes, best first, distinct,
// possibly partial) or one score 0–MaxScore per option.
type Ballot struct {
	Causal
	Conversation entry.ID
	Choice       []uint64
}

// Ack acknowledges an announcement.
type Ack struct {
	Causal
	Conversation entry.ID
}

// AnswerMsg answers an invitation.
type AnswerMsg struct {
	Causal
	Conversation entry.ID
	Answer       Answer
}

// Argument is an argument in a debate, for or against the motion,
// answering the argument Answers (zero: it answers the motion).
type Argument struct {
	Causal
	Conversation entry.ID
	Side         Side
	Text         string
	Answers      entry.ID
}

// DeadlineMsg declares that the conversation's stated deadline has
// passed.
type DeadlineMsg struct {
	Causal
	Conversation entry.ID
}

func (*Start) Type() string       { return TypeStart }
func (*Ack) Type() string         { return TypeAck }
func (*AnswerMsg) Type() string   { return TypeAnswer }
func (*Argument) Type() string    { return TypeArgument }
func (*DeadlineMsg) Type() string { return TypeDeadline }
func (*Say) Type() string         { return TypeSay }
func (*Amend) Type() string       { return TypeAmend }
func (*PositionMsg) Type() string { return TypePosition }
func (*Ballot) Type() string      { return TypeBallot }

// Error is a payload that breaks a rule of conversation.md.
type Error struct {
	Type  string
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("conversation: %s: field %q: %s", e.Type, e.Field, e.Msg)
	}
	return fmt.Sprintf("conversation: %s: %s", e.Type, e.Msg)
}

func fieldErr(typ, field, format string, args ...any) *Error {
	return &Error{Type: typ, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// keyLess orders map keys canonically: shorter first, then bytewise.
func keyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Encode returns the canonical encoding of p after checking it.
func Encode(p Payload) ([]byte, error) {
	if err := Check(p); err != nil {
		return nil, err
	}
	type kv struct {
		k string
		v []byte
	}
	var f []kv
	add := func(k string, v []byte) { f = append(f, kv{k, v}) }
	text := func(k, s string) { add(k, cborwire.AppendText(nil, s)) }
	id := func(k string, x entry.ID) { add(k, cborwire.AppendBytes(nil, x[:])) }
	uints := func(k string, us []uint64) {
		b := cborwire.AppendArray(nil, len(us))
		for _, u := range us {
			b = cborwire.AppendUint(b, u)
		}
		add(k, b)
	}
	text("type", p.Type())
	if rs := p.causal().Refs; len(rs) > 0 {
		b := cborwire.AppendArray(nil, len(rs))
		for _, r := range rs {
			b = cborwire.AppendBytes(b, r[:])
		}
		add("refs", b)
	}
	switch p := p.(type) {
	case *Start:
		text("topic", p.Topic)
		text("pattern", p.Pattern)
		text("method", p.Method)
		if p.Params != nil {
			uints("params", p.Params)
		}
		if p.Expr != "" {
			text("expr", p.Expr)
		}
		if p.Participants != nil {
			b := cborwire.AppendArray(nil, len(p.Participants))
			for _, k := range p.Participants {
				b = cborwire.AppendBytes(b, k[:])
			}
			add("participants", b)
		} else {
			id("members", p.Members)
		}
		if p.Text != "" {
			text("text", p.Text)
		}
		if p.Options != nil {
			b := cborwire.AppendArray(nil, len(p.Options))
			for _, o := range p.Options {
				b = cborwire.AppendText(b, o)
			}
			add("options", b)
			text("ballot", p.Ballot)
		}
		if p.After > 0 {
			add("after", cborwire.AppendUint(nil, p.After))
		}
		if p.Speaker != (identity.PublicKey{}) {
			add("speaker", cborwire.AppendBytes(nil, p.Speaker[:]))
		}
		if p.Places > 0 {
			add("places", cborwire.AppendUint(nil, p.Places))
		}
		if p.Deadline > 0 {
			add("deadline", cborwire.AppendUint(nil, p.Deadline))
		}
	case *Say:
		id("conversation", p.Conversation)
		text("text", p.Text)
		if !p.Reply.IsZero() {
			id("reply", p.Reply)
		}
	case *Amend:
		id("conversation", p.Conversation)
		text("text", p.Text)
	case *PositionMsg:
		id("conversation", p.Conversation)
		add("position", cborwire.AppendUint(nil, uint64(p.Position)))
		text("reason", p.Reason)
	case *Ballot:
		id("conversation", p.Conversation)
		uints("choice", p.Choice)
	case *Ack:
		id("conversation", p.Conversation)
	case *AnswerMsg:
		id("conversation", p.Conversation)
		add("answer", cborwire.AppendUint(nil, uint64(p.Answer)))
	case *Argument:
		id("conversation", p.Conversation)
		add("side", cborwire.AppendUint(nil, uint64(p.Side)))
		text("text", p.Text)
		if !p.Answers.IsZero() {
			id("answers", p.Answers)
		}
	case *DeadlineMsg:
		id("conversation", p.Conversation)
	}
	slices.SortFunc(f, func(a, b kv) int {
		if keyLess(a.k, b.k) {
			return -1
		}
		return 1
	})
	out := cborwire.AppendHead(nil, cborwire.Major(5), uint64(len(f)))
	for _, x := range f {
		out = cborwire.AppendText(out, x.k)
		out = append(out, x.v...)
	}
	if len(out) > MaxPayloadSize {
		return nil, &Error{Type: p.Type(), Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(out), MaxPayloadSize)}
	}
	return out, nil
}

// Check applies the rules of conversation.md §2 that span fields. It does
// not compile a CEL expression (see CheckStart).
func Check(p Payload) error {
	t := p.Type()
	rs := p.causal().Refs
	if rs != nil && len(rs) == 0 {
		return fieldErr(t, "refs", "an empty list of references is written by leaving the key out")
	}
	if len(rs) > MaxRefs {
		return fieldErr(t, "refs", "%d references, want at most %d", len(rs), MaxRefs)
	}
	for i, r := range rs {
		if r.IsZero() {
			return fieldErr(t, "refs", "refs[%d] is all zero", i)
		}
		if i > 0 && bytes.Compare(rs[i-1][:], r[:]) >= 0 {
			return fieldErr(t, "refs", "refs[%d] is not after refs[%d]: sorted ascending without repeats", i, i-1)
		}
	}
	switch p := p.(type) {
	case *Start:
		return checkStart(p)
	case *Say:
		if p.Conversation.IsZero() {
			return fieldErr(t, "conversation", "an all-zero id is never valid")
		}
		if len(p.Text) == 0 || len(p.Text) > MaxTextLen {
			return fieldErr(t, "text", "%d bytes, want 1 to %d", len(p.Text), MaxTextLen)
		}
	case *Amend:
		if p.Conversation.IsZero() {
			return fieldErr(t, "conversation", "an all-zero id is never valid")
		}
		if len(p.Text) == 0 || len(p.Text) > MaxTextLen {
			return fieldErr(t, "text", "%d bytes, want 1 to %d", len(p.Text), MaxTextLen)
		}
	case *PositionMsg:
		if p.Conversation.IsZero() {
			return fieldErr(t, "conversation", "an all-zero id is never valid")
		}
		if p.Position > Block {
			return fieldErr(t, "position", "%d exceeds the limit %d", p.Position, Block)
		}
		if len(p.Reason) > MaxReasonLen {
			return fieldErr(t, "reason", "%d bytes, want at most %d", len(p.Reason), MaxReasonLen)
		}
		if p.Position == Block && p.Reason == "" {
			return fieldErr(t, "reason", "a block needs a reason")
		}
	case *Ballot:
		if p.Conversation.IsZero() {
			return fieldErr(t, "conversation", "an all-zero id is never valid")
		}
		if len(p.Choice) > MaxOptions {
			return fieldErr(t, "choice", "%d elements, want at most %d", len(p.Choice), MaxOptions)
		}
	case *Ack, *DeadlineMsg:
		if conversationOf(p).IsZero() {
			return fieldErr(t, "conversation", "an all-zero id is never valid")
		}
	case *AnswerMsg:
		if p.Conversation.IsZero() {
			return fieldErr(t, "conversation", "an all-zero id is never valid")
		}
		if p.Answer > Maybe {
			return fieldErr(t, "answer", "%d exceeds the limit %d", p.Answer, Maybe)
		}
	case *Argument:
		if p.Conversation.IsZero() {
			return fieldErr(t, "conversation", "an all-zero id is never valid")
		}
		if p.Side > Against {
			return fieldErr(t, "side", "%d exceeds the limit %d", p.Side, Against)
		}
		if len(p.Text) == 0 || len(p.Text) > MaxTextLen {
			return fieldErr(t, "text", "%d bytes, want 1 to %d", len(p.Text), MaxTextLen)
		}
	}
	return nil
}

func checkStart(p *Start) error {
	t := TypeStart
	if len(p.Topic) == 0 || len(p.Topic) > MaxTopicLen {
		return fieldErr(t, "topic", "%d bytes, want 1 to %d", len(p.Topic), MaxTopicLen)
	}
	if len(p.Text) > MaxTextLen {
		return fieldErr(t, "text", "%d bytes, want at most %d", len(p.Text), MaxTextLen)
	}
	if (p.Participants == nil) == p.Members.IsZero() {
		return fieldErr(t, "participants", "name either participants or members, not both and not neither")
	}
	if p.Participants != nil {
		if len(p.Participants) == 0 || len(p.Participants) > MaxParticipants {
			return fieldErr(t, "participants", "%d keys, want 1 to %d (name a space or village as members for more)", len(p.Participants), MaxParticipants)
		}
		for i, k := range p.Participants {
			if k == (identity.PublicKey{}) {
				return fieldErr(t, "participants", "participants[%d] is all zero", i)
			}
			if i > 0 && bytes.Compare(p.Participants[i-1][:], k[:]) >= 0 {
				return fieldErr(t, "participants", "participants[%d] is not after participants[%d]: sorted ascending without repeats", i, i-1)
			}
		}
	}
	if len(p.Params) > 2 {
		return fieldErr(t, "params", "%d parameters, want at most 2", len(p.Params))
	}
	for i, v := range p.Params {
		if v > MaxParam {
			return fieldErr(t, "params", "params[%d] = %d exceeds the limit %d", i, v, MaxParam)
		}
	}
	if (p.Method == MethodCEL) != (p.Expr != "") {
		return fieldErr(t, "expr", "present exactly when the method is %q", MethodCEL)
	}
	if len(p.Expr) > MaxExprLen {
		return fieldErr(t, "expr", "%d bytes, want at most %d", len(p.Expr), MaxExprLen)
	}
	if p.Deadline > MaxDeadline {
		return fieldErr(t, "deadline", "%d exceeds the limit %d", p.Deadline, uint64(MaxDeadline))
	}
	if p.Speaker != (identity.PublicKey{}) {
		if p.Pattern != PatternAnnouncement {
			return fieldErr(t, "speaker", "only an announcement names a speaker")
		}
		if p.Participants != nil {
			if _, ok := slices.BinarySearchFunc(p.Participants, p.Speaker, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) }); !ok {
				return fieldErr(t, "speaker", "the speaker is not one of the participants")
			}
		}
	}
	if p.Places > MaxParam {
		return fieldErr(t, "places", "%d exceeds the limit %d", p.Places, MaxParam)
	}
	if p.Places > 0 && p.Pattern != PatternInvitation {
		return fieldErr(t, "places", "only an invitation has a limit of places")
	}
	switch p.Pattern {
	case PatternDiscussion, PatternProposal, PatternAnnouncement, PatternInvitation, PatternDebate:
		if p.Options != nil || p.Ballot != "" {
			return fieldErr(t, "options", "only a poll has options")
		}
	case PatternPoll:
		if len(p.Options) < 2 || len(p.Options) > MaxOptions {
			return fieldErr(t, "options", "%d options, want 2 to %d", len(p.Options), MaxOptions)
		}
		for i, o := range p.Options {
			if len(o) == 0 || len(o) > MaxOptionLen {
				return fieldErr(t, "options", "options[%d]: %d bytes, want 1 to %d", i, len(o), MaxOptionLen)
			}
		}
		switch p.Ballot {
		case BallotApproval, BallotRanked, BallotScore:
		default:
			return fieldErr(t, "ballot", "%q: want approval, ranked or score", p.Ballot)
		}
	default:
		return fieldErr(t, "pattern", "%q: want discussion, announcement, invitation, proposal, debate or poll", p.Pattern)
	}
	return checkMethod(p)
}
