package node

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// The glue of conversations that end in a decision (conversation.md §6,
// "Where entries live"): a conversation lives in a village (plaintext, in
// each local device's conversation log of the village) or in a space
// (sealed as the space's content, in each member device's conversation log
// of the space). A conversation among chosen people lives in a space made
// for it whose members are those people.

// Errors of the conversation operations, for callers that map them.
var (
	// ErrNoDecision: no conversation.start with this id is held in a
	// village or space this device reads.
	ErrNoDecision = errors.New("no such conversation held here")
	// ErrDecisionRule: the conversation's rules refuse the entry
	// (e.g. a position in a poll); nothing was appended.
	ErrDecisionRule = errors.New("the conversation's rules do not allow this")
)

func convRuleErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrDecisionRule, fmt.Sprintf(format, args...))
}

// MaxDecisionLogEntries is how many entries of one device's
// conversation log of a village or space count (conversation.md §6): the
// first ones by seq. A participant who floods its log only silences its
// own later entries, and a node reads and reduces at most this many per
// device.
const MaxDecisionLogEntries = 4096

// ConvVillageLog is the log id of a device's conversation log of village
// v: SHA-256("kith-conversation-village-log-v1\0" ‖ v).
func ConvVillageLog(v entry.ID) entry.LogID {
	h := sha256.New()
	h.Write([]byte("kith-conversation-village-log-v1\x00"))
	h.Write(v[:])
	return entry.LogID(h.Sum(nil))
}

// ConvSpaceLog is the log id of device's conversation log of the space
// whose log key is logKey: HMAC-SHA256(logKey,
// "kith-space-conversation-log-v1\0" ‖ device). Without the log key it
// looks random, as a content log does (spaces.md §1).
func ConvSpaceLog(logKey [32]byte, device identity.PublicKey) entry.LogID {
	m := hmac.New(sha256.New, logKey[:])
	m.Write([]byte("kith-space-conversation-log-v1\x00"))
	m.Write(device[:])
	return entry.LogID(m.Sum(nil))
}

// PeopleSpaceName is the name of the space made for a conversation among
// chosen people.
const PeopleSpaceName = "conversation"

// DecisionPlace says where a conversation lives: exactly one of
// Village and Space.
type DecisionPlace struct {
	Village entry.ID
	Space   entry.ID
}

// IsVillage reports whether the conversation lives in a village.
func (p DecisionPlace) IsVillage() bool { return !p.Village.IsZero() }

// ID is the village's or the space's id.
func (p DecisionPlace) ID() entry.ID {
	if p.IsVillage() {
		return p.Village
	}
	return p.Space
}

// NewDecision is what StartDecision publishes. Start is the
// conversation.start payload as the person wrote it: its Members (or its
// Participants) say who takes part; StartDecision fills them in.
type NewDecision struct {
	Village entry.ID // among a village's locals (or chosen ones of them)
	Space   entry.ID // among a space's members (or chosen ones of them)
	// People: chosen people. With neither Village nor Space, a space is
	// made for the conversation with them as members (PeopleSpaceName).
	People []identity.PublicKey
	Start  *conversation.Start
}

// StartDecision checks the start (its fields, its method and, for a
// cel method, the expression: it must compile, refer only to the tally's
// names, yield a bool and stay within the cost limit) and publishes it. A
// start that fails any check publishes nothing.
func (n *Node) StartDecision(ctx context.Context, nc NewDecision) (*entry.Entry, DecisionPlace, error) {
	var place DecisionPlace
	st := *nc.Start
	if !nc.Village.IsZero() && !nc.Space.IsZero() {
		return nil, place, convRuleErr("name a village or a space, not both")
	}
	people := slices.Clone(nc.People)
	if len(people) > 0 || (nc.Village.IsZero() && nc.Space.IsZero()) {
		if !slices.Contains(people, n.account) {
			people = append(people, n.account)
		}
		slices.SortFunc(people, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
		people = slices.Compact(people)
		if len(people) < 2 && nc.Village.IsZero() && nc.Space.IsZero() {
			return nil, place, convRuleErr("name at least one person to decide with, or a village or space")
		}
		st.Participants, st.Members = people, entry.ID{}
	} else {
		st.Participants = nil
		st.Members = nc.Village
		if st.Members.IsZero() {
			st.Members = nc.Space
		}
	}
	// Check everything before publishing anything (nothing is published
	// when the start is refused).
	if _, err := conversation.Encode(&st); err != nil {
		return nil, place, err
	}
	if st.Method == conversation.MethodCEL {
		if _, err := conversation.CompileExpr(st.Expr); err != nil {
			return nil, place, &conversation.Error{Type: conversation.TypeStart, Field: "expr", Msg: err.Error()}
		}
	}
	switch {
	case !nc.Village.IsZero():
		place.Village = nc.Village
	case !nc.Space.IsZero():
		place.Space = nc.Space
	default:
		var others []identity.PublicKey
		for _, k := range people {
			if k != n.account {
				others = append(others, k)
			}
		}
		// The space's name is in the clear (space.create is not sealed):
		// it does not say the topic.
		se, err := n.CreateSpace(ctx, PeopleSpaceName, entry.ID{}, nil, others)
		if err != nil {
			return nil, place, err
		}
		place.Space = se.ID
	}
	e, err := n.appendConversation(ctx, place, &st)
	return e, place, err
}

// Speak appends a conversation entry (say, amend, position, ballot, or any
// other kind the conversation package defines) to the conversation id,
// after checking that the reducer would apply it: the author takes part,
// the conversation is open, the kind belongs to the pattern, the ballot
// fits the poll. A refused entry publishes nothing and the error says why.
func (n *Node) Speak(ctx context.Context, id entry.ID, p conversation.Payload) (*entry.Entry, error) {
	c := conversationField(p)
	if c == nil {
		return nil, convRuleErr("a %s does not belong to a conversation", p.Type())
	}
	*c = id
	if _, err := conversation.Encode(p); err != nil {
		return nil, err
	}
	place, err := n.placeOf(ctx, id)
	if err != nil {
		return nil, err
	}
	g, err := n.gather(ctx, place)
	if err != nil {
		return nil, err
	}
	if !g.holds(id) {
		return nil, ErrNoDecision
	}
	st := n.reduceMemo(g, id)
	if st.Start == nil {
		return nil, convRuleErr("%s", st.Problem)
	}
	if n.ownLogFull(ctx, place) {
		return nil, convRuleErr("this device has written %d conversation entries in this %s, all that count: start the conversation again in another place, or from another device", MaxDecisionLogEntries, placeKind(place))
	}
	setRefs(p, g.heads(id))
	// Would the reducer apply it? Reduce with the entry as if published,
	// signed by this device (not stored).
	probe, err := n.probeEntry(ctx, place, p)
	if err != nil {
		return nil, err
	}
	trial := conversation.Reduce(conversation.Input{Conversation: id, Entries: append(g.of(id), probe), Members: g.members, Account: g.account})
	for _, ev := range trial.History {
		if ev.ID == probe.ID && !ev.Applied {
			return nil, convRuleErr("%s", ev.Reason)
		}
	}
	return n.appendConversation(ctx, place, p)
}

// placeKind names a place's kind.
func placeKind(p DecisionPlace) string {
	if p.IsVillage() {
		return "village"
	}
	return "space"
}

// ownLogFull reports whether this device's conversation log of the place
// holds MaxDecisionLogEntries entries already: what it would write next
// would not count.
func (n *Node) ownLogFull(ctx context.Context, place DecisionPlace) bool {
	me := n.device.Public()
	log := ConvVillageLog(place.Village)
	if !place.IsVillage() {
		n.rings.mu.Lock()
		lk, ok := n.ring(place.Space).logKey()
		n.rings.mu.Unlock()
		if !ok {
			return false
		}
		log = ConvSpaceLog(lk, me)
	}
	h, err := n.store.Head(ctx, store.LogKey{Author: me, LogID: log})
	return err == nil && h.Seq >= MaxDecisionLogEntries
}

// conversationField returns a pointer to the Conversation field of a
// conversation payload (every kind but the start has one), nil when it has
// none. By reflection, so that kinds added to package conversation flow
// through without a change here.
func conversationField(p conversation.Payload) *entry.ID {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Conversation")
	if !f.IsValid() || f.Type() != reflect.TypeOf(entry.ID{}) {
		return nil
	}
	return f.Addr().Interface().(*entry.ID)
}

// conversationOf returns the conversation a decoded payload belongs to:
// its own entry id for a start, else its Conversation field.
func conversationOf(id entry.ID, p conversation.Payload) (entry.ID, bool) {
	if _, ok := p.(*conversation.Start); ok {
		return id, true
	}
	if c := conversationField(p); c != nil {
		return *c, true
	}
	return entry.ID{}, false
}

// setRefs sets the causal references of a payload (its embedded
// conversation.Causal), by reflection for the same reason.
func setRefs(p conversation.Payload, refs []entry.ID) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	f := v.Elem().FieldByName("Causal")
	if !f.IsValid() {
		return
	}
	if len(refs) == 0 {
		refs = nil
	}
	f.Set(reflect.ValueOf(conversation.Causal{Refs: refs}))
}

// appendConversation appends p, in plaintext to this device's
// conversation log of a village, or sealed under the space's current
// epoch to its conversation log of a space.
func (n *Node) appendConversation(ctx context.Context, place DecisionPlace, p conversation.Payload) (*entry.Entry, error) {
	me := n.device.Public()
	if place.IsVillage() {
		st, err := n.Village(ctx, place.Village)
		if err != nil {
			return nil, err
		}
		if _, err := n.speaker(st); err != nil {
			return nil, err
		}
		if err := mustBeLocal(st, n.account); err != nil {
			return nil, err
		}
		payload, err := conversation.Encode(p)
		if err != nil {
			return nil, err
		}
		e, err := n.AppendRaw(ctx, ConvVillageLog(place.Village), payload)
		if err == nil {
			n.decisionsChanged()
		}
		return e, err
	}
	body, err := conversation.Encode(p)
	if err != nil {
		return nil, err
	}
	sp, _, err := n.keep(ctx, place.Space, false)
	if err != nil {
		return nil, err
	}
	if sp.Members[n.account] == 0 {
		return nil, spaceRuleErr("your account is not a member of %q", sp.Name)
	}
	n.rings.mu.Lock()
	r := n.ring(place.Space)
	cur, heads := r.ring.Current()
	var missing []space.Boundary
	if cur != nil {
		missing = uncovered(sp, r, cur.ID)
	}
	n.rings.mu.Unlock()
	switch {
	case len(heads) == 0 || cur == nil:
		return nil, fmt.Errorf("%w: this device holds no key of %q's current epoch yet; it arrives from an admin's device (is one online and connected?)", ErrSpaceWaiting, sp.Name)
	case len(missing) > 0:
		return nil, fmt.Errorf("%w: %q's current key was made before %s; an admin's device starts a new one as soon as it is online", ErrSpaceWaiting, sp.Name, n.describeBoundary(ctx, missing[0]))
	}
	log := ConvSpaceLog(cur.LogKey, me)
	es, err := n.appendSeqStampedMany(ctx, log, 1, func(_ int, seq uint64) ([]byte, error) {
		return seal.Seal(place.Space, cur, seal.Position{Author: seal.ID(me), LogID: seal.ID(log), Seq: seq}, n.now(), body)
	})
	if err != nil {
		return nil, err
	}
	n.decisionsChanged()
	return es[0], nil
}

// probeEntry signs p as the next entry of this device's conversation log
// of the place would be, without storing it: what Speak hands the reducer
// to see whether it would be applied. Its payload is the plaintext body.
func (n *Node) probeEntry(ctx context.Context, place DecisionPlace, p conversation.Payload) (*entry.Entry, error) {
	body, err := conversation.Encode(p)
	if err != nil {
		return nil, err
	}
	log := ConvVillageLog(place.Village)
	if !place.IsVillage() {
		n.rings.mu.Lock()
		lk, ok := n.ring(place.Space).logKey()
		n.rings.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("%w: this device holds no key of the space yet", ErrSpaceWaiting)
		}
		log = ConvSpaceLog(lk, n.device.Public())
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.signNext(ctx, log, body)
}

// decisionsChanged wakes the readers of conversations; nothing to do
// today beyond the entry events the store emits (the API turns those into
// conversation events).
func (n *Node) decisionsChanged() {}

// villageSpeaks is the account mapping of a village: the account a device
// speaks for among the village's entries.
func villageSpeaks(st *village.State) func(*entry.Entry) (identity.PublicKey, bool) {
	return func(e *entry.Entry) (identity.PublicKey, bool) {
		if !st.Current(e.Header.Author) {
			return identity.PublicKey{}, false
		}
		return st.AccountOf(e.Header.Author)
	}
}

// spaceSpeaks is the account mapping of a space.
func spaceSpeaks(st *space.State) func(*entry.Entry) (identity.PublicKey, bool) {
	return func(e *entry.Entry) (identity.PublicKey, bool) { return st.AccountOf(e.Header.Author) }
}
