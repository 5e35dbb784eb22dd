package conversation

import (
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// keys lists each type's keys and whether each is required.
var keys = map[string]map[string]bool{
	TypeStart: {"type": true, "refs": false, "topic": true, "pattern": true, "method": true,
		"params": false, "expr": false, "participants": false, "members": false, "text": false,
		"options": false, "ballot": false, "after": false, "speaker": false, "places": false, "deadline": false},
	TypeSay:      {"type": true, "refs": false, "conversation": true, "text": true, "reply": false},
	TypeAmend:    {"type": true, "refs": false, "conversation": true, "text": true},
	TypePosition: {"type": true, "refs": false, "conversation": true, "position": true, "reason": true},
	TypeBallot:   {"type": true, "refs": false, "conversation": true, "choice": true},
	TypeAck:      {"type": true, "refs": false, "conversation": true},
	TypeAnswer:   {"type": true, "refs": false, "conversation": true, "answer": true},
	TypeArgument: {"type": true, "refs": false, "conversation": true, "side": true, "text": true, "answers": false},
	TypeDeadline: {"type": true, "refs": false, "conversation": true},
}

// IsConversationType reports whether typ is a conversation payload type.
func IsConversationType(typ string) bool { return keys[typ] != nil }

// Decode strictly decodes a conversation payload: one canonical CBOR map
// holding exactly the keys conversation.md lists for its type, each within
// its limits, and satisfying Check. It never panics.
func Decode(payload []byte) (Payload, error) {
	if len(payload) > MaxPayloadSize {
		return nil, &Error{Type: "payload", Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(payload), MaxPayloadSize)}
	}
	typ, err := content.PeekType(payload)
	if err != nil {
		return nil, &Error{Type: "payload", Msg: strings.TrimPrefix(err.Error(), "payload: ")}
	}
	spec := keys[typ]
	if spec == nil {
		return nil, &Error{Type: typ, Msg: "not a conversation payload type"}
	}
	if payload[0]&0xe0 != 0xa0 || payload[0]&0x1f >= 24 {
		return nil, &Error{Type: typ, Msg: fmt.Sprintf("byte 0: want a map of at most 23 pairs with its count in the initial byte, got 0x%02x", payload[0])}
	}
	n := int(payload[0] & 0x1f)
	d := &decoder{typ: typ, r: cborwire.NewReader(payload[1:], cborwire.PayloadWording)}
	var p Payload
	switch typ {
	case TypeStart:
		p = &Start{}
	case TypeSay:
		p = &Say{}
	case TypeAmend:
		p = &Amend{}
	case TypePosition:
		p = &PositionMsg{}
	case TypeBallot:
		p = &Ballot{}
	case TypeAck:
		p = &Ack{}
	case TypeAnswer:
		p = &AnswerMsg{}
	case TypeArgument:
		p = &Argument{}
	case TypeDeadline:
		p = &DeadlineMsg{}
	}
	seen := map[string]bool{}
	prev := ""
	for range n {
		at := d.r.Offset() + 1
		key, err := d.r.Text("key", 1, 64)
		if err != nil {
			return nil, fieldErr(typ, "", "map key: %s", err.Error())
		}
		if _, ok := spec[key]; !ok {
			return nil, fieldErr(typ, key, "byte %d: unknown key (conversation payloads carry exactly the keys conversation.md lists)", at)
		}
		if prev != "" && !keyLess(prev, key) {
			return nil, fieldErr(typ, key, "byte %d: key out of canonical order or repeated", at)
		}
		prev = key
		seen[key] = true
		if err := d.field(p, key); err != nil {
			return nil, err
		}
	}
	if err := d.r.End(); err != nil {
		return nil, fieldErr(typ, "", "%s", err.Error())
	}
	for k, req := range spec {
		if req && !seen[k] {
			return nil, fieldErr(typ, k, "missing")
		}
	}
	if err := Check(p); err != nil {
		return nil, err
	}
	return p, nil
}

type decoder struct {
	typ string
	r   *cborwire.Reader
}

func (d *decoder) wrap(field string, err error) error {
	if err == nil {
		return nil
	}
	return fieldErr(d.typ, field, "%s", err.Error())
}

func (d *decoder) id(what string, dst *[32]byte) error {
	at := d.r.Offset() + 1
	if err := d.r.Fixed(what, dst[:]); err != nil {
		return d.wrap(what, err)
	}
	if *dst == [32]byte{} {
		return fieldErr(d.typ, what, "byte %d: an all-zero id is never valid", at)
	}
	return nil
}

func (d *decoder) text(what string, dst *string, lo, hi int) error {
	s, err := d.r.Text(what, lo, hi)
	*dst = s
	return d.wrap(what, err)
}

func (d *decoder) uints(what string, lo, hi int, max uint64) ([]uint64, error) {
	n, err := d.r.Array(what, lo, hi)
	if err != nil {
		return nil, d.wrap(what, err)
	}
	out := make([]uint64, n)
	for i := range out {
		if out[i], err = d.r.Uint(what, max); err != nil {
			return nil, d.wrap(what, err)
		}
	}
	return out, nil
}

// field reads the value of key into p.
func (d *decoder) field(p Payload, key string) error {
	if key == "type" {
		var s string
		return d.text("type", &s, 1, 64)
	}
	if key == "refs" {
		n, err := d.r.Array("refs", 1, MaxRefs)
		if err != nil {
			return d.wrap("refs", err)
		}
		c := p.causal()
		c.Refs = make([]entry.ID, n)
		for i := range c.Refs {
			if err := d.id("refs", (*[32]byte)(&c.Refs[i])); err != nil {
				return err
			}
		}
		return nil
	}
	if key == "conversation" {
		var dst *entry.ID
		switch p := p.(type) {
		case *Say:
			dst = &p.Conversation
		case *Amend:
			dst = &p.Conversation
		case *PositionMsg:
			dst = &p.Conversation
		case *Ballot:
			dst = &p.Conversation
		case *Ack:
			dst = &p.Conversation
		case *AnswerMsg:
			dst = &p.Conversation
		case *Argument:
			dst = &p.Conversation
		case *DeadlineMsg:
			dst = &p.Conversation
		}
		return d.id("conversation", (*[32]byte)(dst))
	}
	switch p := p.(type) {
	case *Start:
		switch key {
		case "topic":
			return d.text(key, &p.Topic, 1, MaxTopicLen)
		case "pattern":
			return d.text(key, &p.Pattern, 1, 32)
		case "method":
			return d.text(key, &p.Method, 1, 32)
		case "expr":
			return d.text(key, &p.Expr, 1, MaxExprLen)
		case "text":
			return d.text(key, &p.Text, 1, MaxTextLen)
		case "ballot":
			return d.text(key, &p.Ballot, 1, 16)
		case "params":
			var err error
			p.Params, err = d.uints(key, 1, 2, MaxParam)
			return err
		case "after":
			v, err := d.r.Uint(key, MaxParam)
			if err == nil && v == 0 {
				return fieldErr(d.typ, key, "0: leave the key out for no deadline")
			}
			p.After = v
			return d.wrap(key, err)
		case "members":
			return d.id(key, (*[32]byte)(&p.Members))
		case "speaker":
			return d.id(key, (*[32]byte)(&p.Speaker))
		case "places":
			v, err := d.r.Uint(key, MaxParam)
			if err == nil && v == 0 {
				return fieldErr(d.typ, key, "0: leave the key out for no limit")
			}
			p.Places = v
			return d.wrap(key, err)
		case "deadline":
			v, err := d.r.Uint(key, MaxDeadline)
			if err == nil && v == 0 {
				return fieldErr(d.typ, key, "0: leave the key out for no deadline")
			}
			p.Deadline = v
			return d.wrap(key, err)
		case "participants":
			n, err := d.r.Array(key, 1, MaxParticipants)
			if err != nil {
				return d.wrap(key, err)
			}
			p.Participants = make([]identity.PublicKey, n)
			for i := range p.Participants {
				if err := d.id(key, (*[32]byte)(&p.Participants[i])); err != nil {
					return err
				}
			}
			return nil
		case "options":
			n, err := d.r.Array(key, 2, MaxOptions)
			if err != nil {
				return d.wrap(key, err)
			}
			p.Options = make([]string, n)
			for i := range p.Options {
				if err := d.text(key, &p.Options[i], 1, MaxOptionLen); err != nil {
					return err
				}
			}
			return nil
		}
	case *Say:
		switch key {
		case "text":
			return d.text(key, &p.Text, 1, MaxTextLen)
		case "reply":
			return d.id(key, (*[32]byte)(&p.Reply))
		}
	case *Amend:
		return d.text(key, &p.Text, 1, MaxTextLen)
	case *PositionMsg:
		switch key {
		case "position":
			v, err := d.r.Uint(key, uint64(Block))
			p.Position = Position(v)
			return d.wrap(key, err)
		case "reason":
			return d.text(key, &p.Reason, 0, MaxReasonLen)
		}
	case *Ballot:
		var err error
		p.Choice, err = d.uints(key, 0, MaxOptions, MaxParam)
		return err
	case *AnswerMsg:
		v, err := d.r.Uint(key, uint64(Maybe))
		p.Answer = Answer(v)
		return d.wrap(key, err)
	case *Argument:
		switch key {
		case "side":
			v, err := d.r.Uint(key, uint64(Against))
			p.Side = Side(v)
			return d.wrap(key, err)
		case "text":
			return d.text(key, &p.Text, 1, MaxTextLen)
		case "answers":
			return d.id(key, (*[32]byte)(&p.Answers))
		}
	}
	return fieldErr(d.typ, key, "unknown key")
}
