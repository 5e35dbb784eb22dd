package services

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// PresenceProtocol is the stream protocol id of presence and signalling
// (doc/protocol/services.md §7).
const PresenceProtocol = "/kith/presence/1"

// The limit keys of presence (doc/protocol/services.md §4).
const (
	LimitAccounts uint64 = 6 // keys in a watch list, and in an audience
	LimitMessages uint64 = 7 // messages one device may send a minute
)

// Bounds of presence (doc/protocol/services.md §7).
const (
	MaxPresenceFrame = 98304 // bytes of one message's body (96 KiB)
	MaxPresenceHeads = 64    // heads in one state
	MaxPresenceKeys  = 1024  // keys in an audience, and in a watch list
	MaxMessageText   = 1024  // bytes of a message's text
)

// More refusal codes (§7); 1–3 are those of §6.
const (
	RefuseTooFast     uint64 = 4 // over a rate limit: slow down
	RefuseUnreachable uint64 = 5 // the recipient is not connected, or takes no messages from the sender
)

// The kinds of presence messages, the first element of each.
const (
	kindState   = 1 // client: its state; hub: welcome
	kindSend    = 2 // client: a message to send; hub: refused
	kindPeer    = 3 // hub: a watched device came, changed or went
	kindResult  = 4 // hub: what became of a message sent
	kindMessage = 5 // hub: a message for this node
)

// ErrMalformedPresence is wrapped by every error of the presence decoders
// but ErrVersion.
var ErrMalformedPresence = errors.New("malformed presence message")

// OwnHead is the head of one of the sender's own logs: the author is the
// device that says it.
type OwnHead struct {
	LogID Key32  `json:"log"`
	Seq   uint64 `json:"seq"`
	ID    Key32  `json:"id"`
}

// PresenceState is what a node tells its hub, first and whenever it
// changes: its own heads, who may learn of it (Audience) and whom it
// wants to learn of (Watch), each list strictly ascending. A key is a
// device's or an account's.
type PresenceState struct {
	Heads    []OwnHead `json:"heads"`
	Audience []Key32   `json:"audience"`
	Watch    []Key32   `json:"watch"`
}

// PresenceSend is a message a node asks its hub to hand to a device.
type PresenceSend struct {
	MsgID uint64 `json:"msg_id"`
	To    Key32  `json:"to"`
	Text  string `json:"text"`
}

// ClientMessage is one message of a node to its hub: exactly one of State
// and Send is set.
type ClientMessage struct {
	State *PresenceState `json:"state,omitempty"`
	Send  *PresenceSend  `json:"send,omitempty"`
}

// Welcome is the hub's answer to a node's first state: the node is online
// at the hub, in the session numbered Session.
type Welcome struct {
	Session uint64 `json:"session"`
}

// Refusal is a hub's refusal of a whole presence session; the hub closes
// the stream after it.
type Refusal struct {
	Code   uint64 `json:"code"`
	Reason string `json:"reason"`
}

// PeerEvent tells a watcher that a device came online, changed its state
// or went. Session numbers the device's presence sessions at the hub and
// Update its changes within one: (Session, Update) orders a device's
// events, and the greatest wins (PresenceView). Heads is empty when the
// device is not online.
type PeerEvent struct {
	Device  Key32     `json:"device"`
	Account Key32     `json:"account"`
	Session uint64    `json:"session"`
	Update  uint64    `json:"update"`
	Online  bool      `json:"online"`
	Heads   []OwnHead `json:"heads"`
}

// SendResult is what became of a message sent: Code 0 when the hub handed
// it to the recipient's stream, else a refusal code with a reason.
type SendResult struct {
	MsgID  uint64 `json:"msg_id"`
	Code   uint64 `json:"code"`
	Reason string `json:"reason"`
}

// Signal is a message handed on by a hub: from a device of an account.
type Signal struct {
	From        Key32  `json:"from"`
	FromAccount Key32  `json:"from_account"`
	Text        string `json:"text"`
}

// HubMessage is one message of a hub to a node: exactly one field is set.
type HubMessage struct {
	Welcome *Welcome    `json:"welcome,omitempty"`
	Refused *Refusal    `json:"refused,omitempty"`
	Peer    *PeerEvent  `json:"peer,omitempty"`
	Result  *SendResult `json:"result,omitempty"`
	Message *Signal     `json:"message,omitempty"`
}

// Encode returns the canonical encoding of m.
func (m ClientMessage) Encode() ([]byte, error) {
	switch {
	case m.State != nil && m.Send == nil:
		st := m.State
		if err := checkHeads(st.Heads); err != nil {
			return nil, err
		}
		if err := checkKeys("audience", st.Audience); err != nil {
			return nil, err
		}
		if err := checkKeys("watch list", st.Watch); err != nil {
			return nil, err
		}
		out := cborwire.AppendArray(nil, 5)
		out = cborwire.AppendUint(out, kindState)
		out = cborwire.AppendUint(out, Version)
		out = appendHeads(out, st.Heads)
		out = appendKeys(out, st.Audience)
		return appendKeys(out, st.Watch), nil
	case m.Send != nil && m.State == nil:
		if err := checkText(m.Send.Text); err != nil {
			return nil, err
		}
		out := cborwire.AppendArray(nil, 4)
		out = cborwire.AppendUint(out, kindSend)
		out = cborwire.AppendUint(out, m.Send.MsgID)
		out = cborwire.AppendBytes(out, m.Send.To[:])
		return cborwire.AppendText(out, m.Send.Text), nil
	}
	return nil, errors.New("services: a presence message of a node is a state or a send, exactly one")
}

// Encode returns the canonical encoding of m.
func (m HubMessage) Encode() ([]byte, error) {
	set := 0
	for _, p := range []bool{m.Welcome != nil, m.Refused != nil, m.Peer != nil, m.Result != nil, m.Message != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("services: a presence message of a hub has exactly one part")
	}
	switch {
	case m.Welcome != nil:
		if m.Welcome.Session == 0 {
			return nil, errors.New("services: a welcome's session is at least 1")
		}
		out := cborwire.AppendArray(nil, 3)
		out = cborwire.AppendUint(out, kindState)
		out = cborwire.AppendUint(out, Version)
		return cborwire.AppendUint(out, m.Welcome.Session), nil
	case m.Refused != nil:
		if m.Refused.Code == 0 || len(m.Refused.Reason) > MaxReason {
			return nil, fmt.Errorf("services: a refusal has a code ≥ 1 and a reason of at most %d bytes", MaxReason)
		}
		out := cborwire.AppendArray(nil, 3)
		out = cborwire.AppendUint(out, kindSend)
		out = cborwire.AppendUint(out, m.Refused.Code)
		return cborwire.AppendText(out, m.Refused.Reason), nil
	case m.Peer != nil:
		p := m.Peer
		if p.Session == 0 || p.Update == 0 {
			return nil, errors.New("services: a peer event's session and update are at least 1")
		}
		if !p.Online && len(p.Heads) > 0 {
			return nil, errors.New("services: a peer event of a device gone carries no heads")
		}
		if err := checkHeads(p.Heads); err != nil {
			return nil, err
		}
		out := cborwire.AppendArray(nil, 7)
		out = cborwire.AppendUint(out, kindPeer)
		out = cborwire.AppendBytes(out, p.Device[:])
		out = cborwire.AppendBytes(out, p.Account[:])
		out = cborwire.AppendUint(out, p.Session)
		out = cborwire.AppendUint(out, p.Update)
		online := uint64(0)
		if p.Online {
			online = 1
		}
		out = cborwire.AppendUint(out, online)
		return appendHeads(out, p.Heads), nil
	case m.Result != nil:
		if len(m.Result.Reason) > MaxReason {
			return nil, fmt.Errorf("services: a result's reason is more than %d bytes", MaxReason)
		}
		out := cborwire.AppendArray(nil, 4)
		out = cborwire.AppendUint(out, kindResult)
		out = cborwire.AppendUint(out, m.Result.MsgID)
		out = cborwire.AppendUint(out, m.Result.Code)
		return cborwire.AppendText(out, m.Result.Reason), nil
	default:
		if err := checkText(m.Message.Text); err != nil {
			return nil, err
		}
		out := cborwire.AppendArray(nil, 4)
		out = cborwire.AppendUint(out, kindMessage)
		out = cborwire.AppendBytes(out, m.Message.From[:])
		out = cborwire.AppendBytes(out, m.Message.FromAccount[:])
		return cborwire.AppendText(out, m.Message.Text), nil
	}
}

// DecodeClientMessage reads a node's message from its canonical encoding.
func DecodeClientMessage(body []byte) (ClientMessage, error) {
	if len(body) > MaxPresenceFrame {
		return ClientMessage{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedPresence, len(body), MaxPresenceFrame)
	}
	r := cborwire.NewReader(body, nil)
	n, err := r.Array("presence message", 4, 5)
	if err != nil {
		return ClientMessage{}, malformedPresence(err)
	}
	kind, err := r.Uint("kind", ^uint64(0))
	if err != nil {
		return ClientMessage{}, malformedPresence(err)
	}
	var m ClientMessage
	switch {
	case kind == kindState && n == 5:
		if err := presenceVersion(r); err != nil {
			return ClientMessage{}, err
		}
		st := &PresenceState{}
		if st.Heads, err = readHeads(r); err != nil {
			return ClientMessage{}, err
		}
		if st.Audience, err = readKeys(r, "audience"); err != nil {
			return ClientMessage{}, err
		}
		if st.Watch, err = readKeys(r, "watch list"); err != nil {
			return ClientMessage{}, err
		}
		m.State = st
	case kind == kindSend && n == 4:
		s := &PresenceSend{}
		if s.MsgID, err = r.Uint("message id", ^uint64(0)); err != nil {
			return ClientMessage{}, malformedPresence(err)
		}
		if err := r.Fixed("recipient", s.To[:]); err != nil {
			return ClientMessage{}, malformedPresence(err)
		}
		if s.Text, err = r.Text("text", 1, MaxMessageText); err != nil {
			return ClientMessage{}, malformedPresence(err)
		}
		m.Send = s
	default:
		return ClientMessage{}, fmt.Errorf("%w: a node's message of kind %d with %d elements: want a state (1, 5 elements) or a send (2, 4 elements)", ErrMalformedPresence, kind, n)
	}
	if err := r.End(); err != nil {
		return ClientMessage{}, malformedPresence(err)
	}
	return m, nil
}

// DecodeHubMessage reads a hub's message from its canonical encoding.
func DecodeHubMessage(body []byte) (HubMessage, error) {
	if len(body) > MaxPresenceFrame {
		return HubMessage{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedPresence, len(body), MaxPresenceFrame)
	}
	r := cborwire.NewReader(body, nil)
	n, err := r.Array("presence message", 3, 7)
	if err != nil {
		return HubMessage{}, malformedPresence(err)
	}
	kind, err := r.Uint("kind", ^uint64(0))
	if err != nil {
		return HubMessage{}, malformedPresence(err)
	}
	var m HubMessage
	switch {
	case kind == kindState && n == 3:
		if err := presenceVersion(r); err != nil {
			return HubMessage{}, err
		}
		w := &Welcome{}
		at := r.Offset()
		if w.Session, err = r.Uint("session", ^uint64(0)); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if w.Session == 0 {
			return HubMessage{}, fmt.Errorf("%w: byte %d: session 0; sessions start at 1", ErrMalformedPresence, at)
		}
		m.Welcome = w
	case kind == kindSend && n == 3:
		f := &Refusal{}
		at := r.Offset()
		if f.Code, err = r.Uint("code", ^uint64(0)); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if f.Code == 0 {
			return HubMessage{}, fmt.Errorf("%w: byte %d: a refusal of code 0", ErrMalformedPresence, at)
		}
		if f.Reason, err = r.Text("reason", 0, MaxReason); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		m.Refused = f
	case kind == kindPeer && n == 7:
		p := &PeerEvent{}
		if err := r.Fixed("device", p.Device[:]); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if err := r.Fixed("account", p.Account[:]); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		at := r.Offset()
		if p.Session, err = r.Uint("session", ^uint64(0)); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if p.Update, err = r.Uint("update", ^uint64(0)); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if p.Session == 0 || p.Update == 0 {
			return HubMessage{}, fmt.Errorf("%w: byte %d: session and update start at 1", ErrMalformedPresence, at)
		}
		online, err := r.Uint("online", 1)
		if err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		p.Online = online == 1
		at = r.Offset()
		if p.Heads, err = readHeads(r); err != nil {
			return HubMessage{}, err
		}
		if !p.Online && len(p.Heads) > 0 {
			return HubMessage{}, fmt.Errorf("%w: byte %d: a device gone carries no heads", ErrMalformedPresence, at)
		}
		m.Peer = p
	case kind == kindResult && n == 4:
		s := &SendResult{}
		if s.MsgID, err = r.Uint("message id", ^uint64(0)); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if s.Code, err = r.Uint("code", ^uint64(0)); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if s.Reason, err = r.Text("reason", 0, MaxReason); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		m.Result = s
	case kind == kindMessage && n == 4:
		s := &Signal{}
		if err := r.Fixed("sender", s.From[:]); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if err := r.Fixed("sender's account", s.FromAccount[:]); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		if s.Text, err = r.Text("text", 1, MaxMessageText); err != nil {
			return HubMessage{}, malformedPresence(err)
		}
		m.Message = s
	default:
		return HubMessage{}, fmt.Errorf("%w: a hub's message of kind %d with %d elements", ErrMalformedPresence, kind, n)
	}
	if err := r.End(); err != nil {
		return HubMessage{}, malformedPresence(err)
	}
	return m, nil
}

func malformedPresence(err error) error { return fmt.Errorf("%w: %v", ErrMalformedPresence, err) }

func presenceVersion(r *cborwire.Reader) error {
	v, err := r.Uint("version", ^uint64(0))
	if err != nil {
		return malformedPresence(err)
	}
	if v != Version {
		return fmt.Errorf("%w: presence of version %d, this node reads %d", ErrVersion, v, Version)
	}
	return nil
}

func checkHeads(hs []OwnHead) error {
	if len(hs) > MaxPresenceHeads {
		return fmt.Errorf("services: %d heads, at most %d", len(hs), MaxPresenceHeads)
	}
	for i, h := range hs {
		if h.Seq == 0 {
			return fmt.Errorf("services: head %d has seq 0", i+1)
		}
		if i > 0 && bytes.Compare(hs[i-1].LogID[:], h.LogID[:]) >= 0 {
			return fmt.Errorf("services: head %d is not after head %d: heads must be ascending by log id, without repeats", i+1, i)
		}
	}
	return nil
}

func checkKeys(what string, ks []Key32) error {
	if len(ks) > MaxPresenceKeys {
		return fmt.Errorf("services: %d keys in the %s, at most %d", len(ks), what, MaxPresenceKeys)
	}
	for i := 1; i < len(ks); i++ {
		if bytes.Compare(ks[i-1][:], ks[i][:]) >= 0 {
			return fmt.Errorf("services: %s: key %d is not after key %d: keys must be ascending, without repeats", what, i+1, i)
		}
	}
	return nil
}

func checkText(s string) error {
	if len(s) < 1 || len(s) > MaxMessageText {
		return fmt.Errorf("services: a message of %d bytes: give 1 to %d", len(s), MaxMessageText)
	}
	return nil
}

func appendHeads(out []byte, hs []OwnHead) []byte {
	out = cborwire.AppendArray(out, len(hs))
	for _, h := range hs {
		out = cborwire.AppendArray(out, 3)
		out = cborwire.AppendBytes(out, h.LogID[:])
		out = cborwire.AppendUint(out, h.Seq)
		out = cborwire.AppendBytes(out, h.ID[:])
	}
	return out
}

func appendKeys(out []byte, ks []Key32) []byte {
	out = cborwire.AppendArray(out, len(ks))
	for _, k := range ks {
		out = cborwire.AppendBytes(out, k[:])
	}
	return out
}

func readHeads(r *cborwire.Reader) ([]OwnHead, error) {
	n, err := r.Array("heads", 0, MaxPresenceHeads)
	if err != nil {
		return nil, malformedPresence(err)
	}
	hs := make([]OwnHead, 0, n)
	for i := 0; i < n; i++ {
		var h OwnHead
		if _, err := r.Array("head", 3, 3); err != nil {
			return nil, malformedPresence(err)
		}
		at := r.Offset()
		if err := r.Fixed("log id", h.LogID[:]); err != nil {
			return nil, malformedPresence(err)
		}
		if i > 0 && bytes.Compare(hs[i-1].LogID[:], h.LogID[:]) >= 0 {
			return nil, fmt.Errorf("%w: byte %d: head %d is not after head %d: heads must be ascending by log id, without repeats", ErrMalformedPresence, at, i+1, i)
		}
		at = r.Offset()
		if h.Seq, err = r.Uint("seq", ^uint64(0)); err != nil {
			return nil, malformedPresence(err)
		}
		if h.Seq == 0 {
			return nil, fmt.Errorf("%w: byte %d: head %d has seq 0", ErrMalformedPresence, at, i+1)
		}
		if err := r.Fixed("head id", h.ID[:]); err != nil {
			return nil, malformedPresence(err)
		}
		hs = append(hs, h)
	}
	return hs, nil
}

func readKeys(r *cborwire.Reader, what string) ([]Key32, error) {
	n, err := r.Array(what, 0, MaxPresenceKeys)
	if err != nil {
		return nil, malformedPresence(err)
	}
	ks := make([]Key32, n)
	for i := range ks {
		at := r.Offset()
		if err := r.Fixed("key", ks[i][:]); err != nil {
			return nil, malformedPresence(err)
		}
		if i > 0 && bytes.Compare(ks[i-1][:], ks[i][:]) >= 0 {
			return nil, fmt.Errorf("%w: byte %d: %s: key %d is not after key %d: keys must be ascending, without repeats", ErrMalformedPresence, at, what, i+1, i)
		}
	}
	return ks, nil
}
