package village

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The village payload types.
const (
	TypeFound        = "village.found"
	TypeAccept       = "village.accept"
	TypeInvite       = "village.invite"
	TypeJoin         = "village.join"
	TypeLeave        = "village.leave"
	TypeUserspec     = "village.userspec"
	TypeVote         = "village.vote"
	TypeStrangerspec = "village.strangerspec"
	TypeExclude      = "village.exclude"
	TypeExcludeVote  = "village.exclude_vote"
	TypeState        = "village.state"
	TypeRequest      = "village.request"
	TypePosition     = "village.position"
)

// Limits (bytes for text, elements for arrays).
const (
	MaxPayloadSize = entry.MaxPayloadSize
	MaxNameLen     = 100
	MaxAboutLen    = 2000
	MaxNoteLen     = 4000
	MaxReasonLen   = 1000
	MaxRequestLen  = 2000
	MaxRequests    = 32 // requests per stranger the reducer keeps; also the highest seq the request protocol stores
	MinFounders    = 2
	MaxFounders    = 64
	MaxRefs        = 64 // causal references of one entry (village.md §3, Order)
	StrangerIDSize = 64
	// Version is the version of these rules a village follows, named by
	// its found entry (village.md §2): 2, in which locals are accounts.
	Version         = 2
	maxPayloadPairs = 10
)

// Method is a consensus method a charter names.
type Method string

// The consensus methods.
const (
	// Unanimous: every eligible active local agrees.
	Unanimous Method = "unanimous"
	// Majority: more than half of the eligible active locals agree.
	Majority Method = "majority"
	// The other methods of conversation.md §4 that count positions, by
	// their names there; Qualified, QualifiedOfVoters and Quorum take
	// parameters, CEL an expression (village.md §3, "Consensus methods").
	Consent           Method = conversation.MethodConsent
	MajorityOfVoters  Method = conversation.MethodMajorityOfVoters
	Qualified         Method = conversation.MethodQualified
	QualifiedOfVoters Method = conversation.MethodQualifiedOfVoters
	Quorum            Method = conversation.MethodQuorum
	CEL               Method = conversation.MethodCEL
)

// Methods lists the methods a charter may name.
var Methods = []Method{Unanimous, Majority, Consent, MajorityOfVoters, Qualified, QualifiedOfVoters, Quorum, CEL}

func (m Method) valid() bool { return slices.Contains(Methods, m) }

// Rule is a charter's rule for admitting or excluding: a consensus method
// with its parameters, or its CEL expression (village.md §3).
type Rule struct {
	Method Method
	Params []uint64 // nil: none
	Expr   string   // the expression when Method is CEL
}

// conversation returns the rule as conversation.md §4 names it:
// "unanimous" is conversation's "unanimity", every other method keeps
// its name.
func (r Rule) conversation() conversation.Rule {
	m := string(r.Method)
	if r.Method == Unanimous {
		m = conversation.MethodUnanimity
	}
	return conversation.Rule{Method: m, Params: r.Params, Expr: r.Expr}
}

// Compile checks the rule and returns it ready to evaluate; the error
// says what to change.
func (r Rule) Compile() (*conversation.CompiledRule, error) {
	if !r.Method.valid() {
		return nil, fmt.Errorf("unknown consensus method %q (want one of %s)", r.Method, methodList())
	}
	return conversation.CompileRule(r.conversation())
}

// Describe says the rule in plain words, e.g. "at least two thirds of
// the active locals agree".
func (r Rule) Describe() string {
	if p, q, ok := shareNoBlock(r); ok {
		share := (Rule{Method: Qualified, Params: []uint64{p, q}}).conversation().Describe("active locals")
		return share + ", and nobody blocks"
	}
	return r.conversation().Describe("active locals")
}

// shareNoBlock recognises the expression of "P/Q no-block" (what `kith
// village found --admit "2/3 no-block"` and the web UI's "two thirds with
// no block" write): at least P/Q of the participants agree and nobody
// blocks.
func shareNoBlock(r Rule) (p, q uint64, ok bool) {
	if r.Method != CEL {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(r.Expr, "agree * %d >= participants * %d && block == 0", &q, &p); err != nil || p == 0 || q == 0 || p > q {
		return 0, 0, false
	}
	return p, q, r.Expr == fmt.Sprintf("agree * %d >= participants * %d && block == 0", q, p)
}

func methodList() string {
	var out []string
	for _, m := range Methods {
		out = append(out, string(m))
	}
	return strings.Join(out, ", ")
}

// Mode is whether a local is active or passive.
type Mode string

// The modes.
const (
	Active  Mode = "active"
	Passive Mode = "passive"
)

// VoteKind is a local's vote on a stranger.
type VoteKind uint8

// The votes (seed 000: 0, -1, proof).
const (
	VoteDeferred VoteKind = 0
	VoteVeto     VoteKind = 1
	VoteAccept   VoteKind = 2
)

func (k VoteKind) String() string {
	switch k {
	case VoteDeferred:
		return "deferred"
	case VoteVeto:
		return "veto"
	case VoteAccept:
		return "accept"
	}
	return fmt.Sprintf("vote(%d)", uint8(k))
}

// StrangerID names a stranger: its individual id (32 bytes) followed by its
// user id (32 bytes), seed 000's stranger_id.
type StrangerID [StrangerIDSize]byte

// Hex is the lowercase hexadecimal form of the id.
func (s StrangerID) Hex() string { return fmt.Sprintf("%x", s[:]) }

// Payload is a decoded village payload.
type Payload interface {
	Type() string
	appendFields(f *fieldWriter)
}

// Found founds a village. Its entry id is the village id. Founders are
// account keys; the found entry is written by a device of one of them.
// Encode writes "version": Version; Decode refuses any other version.
type Found struct {
	Name     string
	Admit    Method // how invitations are admitted
	Exclude  Method // how locals are excluded
	Founders []identity.PublicKey
	// The methods' parameters (nil: none) and expressions ("": none),
	// village.md §2: present only for the methods that take them.
	AdmitParams   []uint64
	AdmitExpr     string
	ExcludeParams []uint64
	ExcludeExpr   string
}

// AdmitRule is the charter's rule for admitting an invitee.
func (p *Found) AdmitRule() Rule {
	return Rule{Method: p.Admit, Params: p.AdmitParams, Expr: p.AdmitExpr}
}

// ExcludeRule is the charter's rule for excluding a local.
func (p *Found) ExcludeRule() Rule {
	return Rule{Method: p.Exclude, Params: p.ExcludeParams, Expr: p.ExcludeExpr}
}

// Accept is a founder's acceptance of the founding.
type Accept struct {
	Village entry.ID
	Causal
}

// Invite proposes (or endorses) admitting Invitee as a local.
type Invite struct {
	Causal
	Village entry.ID
	Invitee identity.PublicKey
}

// Join is an invitee's acceptance of its invitation.
type Join struct {
	Village entry.ID
	Causal
}

// Leave is a local leaving the village for good.
type Leave struct {
	Village entry.ID
	Causal
}

// Userspec is how a local presents itself in the village.
type Userspec struct {
	Causal
	Village entry.ID
	Mode    Mode
	Name    string
	About   string
}

// Vote is a local's vote on a stranger; Proof is set only with Accept.
type Vote struct {
	Causal
	Village  entry.ID
	Stranger StrangerID
	Vote     VoteKind
	Proof    [32]byte
}

// Strangerspec is a local's notes on a stranger, shared with the locals.
type Strangerspec struct {
	Causal
	Village  entry.ID
	Stranger StrangerID
	Text     string
	Blob     [32]byte // optional (zero: absent)
}

// Request is a stranger's request to the village, in the stranger's own
// village log. It carries the certificate of the device that signs it, so
// its stranger id is the device's account followed by User (village.md
// §6).
type Request struct {
	Causal
	Village entry.ID
	User    [32]byte // the stranger's user id (the node puts its account key)
	Text    string
	Blob    [32]byte // optional (zero: absent)
	Cert    Cert     // the signing device's device.add entry
}

// Cert is a device certificate carried in a payload: the device.add
// entry's encoded signed header and its payload.
type Cert struct {
	Header  []byte
	Payload []byte
}

// RequestStranger is the stranger id of a request by a device of account.
func RequestStranger(account identity.PublicKey, user [32]byte) StrangerID {
	var s StrangerID
	copy(s[:32], account[:])
	copy(s[32:], user[:])
	return s
}

// Exclude proposes excluding Subject; its entry id names the proposal.
type Exclude struct {
	Causal
	Village entry.ID
	Subject identity.PublicKey
	Reason  string
}

// ExcludeVote is a vote on an exclusion proposal.
type ExcludeVote struct {
	Causal
	Village  entry.ID
	Proposal entry.ID
	For      bool
}

// Position is a local's position on an open invitation (Invitee) or an
// open exclusion proposal (Proposal), exactly one of them: agree,
// disagree, abstain, or block with a reason (village.md §2–§3).
type Position struct {
	Causal
	Village  entry.ID
	Invitee  identity.PublicKey // zero: none
	Proposal entry.ID           // zero: none
	Position conversation.Position
	Reason   string
}

// Seen is one log a state has seen: the author's village log up to Seq,
// whose entry at Seq is Head.
type Seen struct {
	Author identity.PublicKey
	Seq    uint64
	Head   entry.ID
}

// StatePayload is a local's state: the six components and what it has
// seen. The payload carries SeenList, the content address of the seen
// list (village.md §4), which travels as a blob; Seen is the list itself
// when known (NewStatePayload sets it; Decode leaves it nil).
type StatePayload struct {
	Causal
	Village entry.ID
	Components
	SeenList [32]byte
	Seen     []Seen
}

// Components are the six content addresses of seed 000, in order.
type Components struct {
	Previous       [32]byte // zero in the first state
	Userspec       [32]byte // zero when the local has no userspec
	Locals         [32]byte
	LocalsState    [32]byte
	Strangers      [32]byte
	StrangersState [32]byte
}

func (*Found) Type() string        { return TypeFound }
func (*Accept) Type() string       { return TypeAccept }
func (*Invite) Type() string       { return TypeInvite }
func (*Join) Type() string         { return TypeJoin }
func (*Leave) Type() string        { return TypeLeave }
func (*Userspec) Type() string     { return TypeUserspec }
func (*Vote) Type() string         { return TypeVote }
func (*Strangerspec) Type() string { return TypeStrangerspec }
func (*Exclude) Type() string      { return TypeExclude }
func (*ExcludeVote) Type() string  { return TypeExcludeVote }
func (*StatePayload) Type() string { return TypeState }
func (*Request) Type() string      { return TypeRequest }
func (*Position) Type() string     { return TypePosition }

// fieldWriter collects a payload's fields; Encode sorts and writes them.
type fieldWriter struct {
	fields []field
}

type field struct {
	name string
	enc  []byte
}

func (f *fieldWriter) add(name string, enc []byte) { f.fields = append(f.fields, field{name, enc}) }
func (f *fieldWriter) text(name, s string)         { f.add(name, cborwire.AppendText(nil, s)) }
func (f *fieldWriter) id(name string, b [32]byte)  { f.add(name, cborwire.AppendBytes(nil, b[:])) }
func (f *fieldWriter) uint(name string, v uint64)  { f.add(name, cborwire.AppendUint(nil, v)) }
func (f *fieldWriter) optText(name, s string) {
	if s != "" {
		f.text(name, s)
	}
}
func (f *fieldWriter) optUints(name string, vs []uint64) {
	if vs != nil {
		b := cborwire.AppendArray(nil, len(vs))
		for _, v := range vs {
			b = cborwire.AppendUint(b, v)
		}
		f.add(name, b)
	}
}
func (f *fieldWriter) optID(name string, b [32]byte) {
	if b != [32]byte{} {
		f.id(name, b)
	}
}

// keyLess is the canonical order of text keys: by encoded bytes, which for
// keys shorter than 24 bytes is by length, then bytewise.
func keyLess(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return bytes.Compare([]byte(a), []byte(b))
}

func (p *Found) appendFields(f *fieldWriter) {
	f.text("name", p.Name)
	f.text("admit", string(p.Admit))
	f.text("exclude", string(p.Exclude))
	arr := cborwire.AppendArray(nil, len(p.Founders))
	for _, k := range p.Founders {
		arr = cborwire.AppendBytes(arr, k[:])
	}
	f.add("founders", arr)
	f.uint("version", Version)
	f.optUints("admit_params", p.AdmitParams)
	f.optText("admit_expr", p.AdmitExpr)
	f.optUints("exclude_params", p.ExcludeParams)
	f.optText("exclude_expr", p.ExcludeExpr)
}
func (p *Position) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.optID("invitee", p.Invitee)
	f.optID("proposal", p.Proposal)
	f.uint("position", uint64(p.Position))
	f.text("reason", p.Reason)
}
func (p *Accept) appendFields(f *fieldWriter) { f.id("village", p.Village) }
func (p *Invite) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.id("invitee", p.Invitee)
}
func (p *Join) appendFields(f *fieldWriter)  { f.id("village", p.Village) }
func (p *Leave) appendFields(f *fieldWriter) { f.id("village", p.Village) }
func (p *Userspec) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.text("mode", string(p.Mode))
	f.text("name", p.Name)
	f.text("about", p.About)
}
func (p *Vote) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.add("stranger", cborwire.AppendBytes(nil, p.Stranger[:]))
	f.uint("vote", uint64(p.Vote))
	if p.Vote == VoteAccept {
		f.id("proof", p.Proof)
	}
}
func (p *Strangerspec) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.add("stranger", cborwire.AppendBytes(nil, p.Stranger[:]))
	f.text("text", p.Text)
	f.optID("blob", p.Blob)
}
func (p *Request) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.id("user", p.User)
	f.text("text", p.Text)
	f.optID("blob", p.Blob)
	c := cborwire.AppendArray(nil, 2)
	c = cborwire.AppendBytes(c, p.Cert.Header)
	c = cborwire.AppendBytes(c, p.Cert.Payload)
	f.add("cert", c)
}
func (p *Exclude) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.id("subject", p.Subject)
	f.text("reason", p.Reason)
}
func (p *ExcludeVote) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.id("proposal", p.Proposal)
	v := uint64(0)
	if p.For {
		v = 1
	}
	f.uint("vote", v)
}
func (p *StatePayload) appendFields(f *fieldWriter) {
	f.id("village", p.Village)
	f.optID("previous", p.Previous)
	f.optID("userspec", p.Components.Userspec)
	f.id("locals", p.Locals)
	f.id("locals_state", p.LocalsState)
	f.id("strangers", p.Strangers)
	f.id("strangers_state", p.StrangersState)
	f.id("seen", p.SeenList)
}

// Encode checks p and returns its canonical encoding.
func Encode(p Payload) ([]byte, error) {
	if p == nil {
		return nil, &Error{Type: "payload", Msg: "nil payload"}
	}
	if err := check(p); err != nil {
		return nil, err
	}
	fw := &fieldWriter{}
	fw.text("type", p.Type())
	p.appendFields(fw)
	appendRefs(fw, p)
	slices.SortFunc(fw.fields, func(a, b field) int { return keyLess(a.name, b.name) })
	out := []byte{0xa0 | byte(len(fw.fields))}
	for _, fl := range fw.fields {
		out = cborwire.AppendText(out, fl.name)
		out = append(out, fl.enc...)
	}
	if len(out) > MaxPayloadSize {
		return nil, &Error{Type: p.Type(), Msg: fmt.Sprintf("payload of %d bytes exceeds the limit of %d", len(out), MaxPayloadSize)}
	}
	return out, nil
}

// MustEncode is Encode for payloads known to be valid; it panics otherwise.
// For tests and builders.
func MustEncode(p Payload) []byte {
	b, err := Encode(p)
	if err != nil {
		panic(err)
	}
	return b
}

func bytesCmp(a, b []byte) int { return bytes.Compare(a, b) }
