package village

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// ErrNotVillage is wrapped by the error Decode returns for a payload that
// is not a typed payload of a village type.
var ErrNotVillage = errors.New("not a village payload")

// Error is a payload that breaks a rule of village.md: which type, which
// field (empty for the payload as a whole) and what is wrong.
type Error struct {
	Type  string
	Field string
	Msg   string
	Err   error // a sentinel such as ErrNotVillage, or nil
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("village: %s: field %q: %s", e.Type, e.Field, e.Msg)
	}
	return fmt.Sprintf("village: %s: %s", e.Type, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func fieldErr(typ, field, format string, args ...any) *Error {
	return &Error{Type: typ, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// fieldSpec reads one known key's value into the payload.
type fieldSpec struct {
	name     string
	required bool
	read     func(d *decoder, p Payload) error
}

var specs = map[string][]fieldSpec{}

func init() {
	vil := func(get func(Payload) *entry.ID) fieldSpec {
		return fieldSpec{"village", true, func(d *decoder, p Payload) error { return d.id("village", (*[32]byte)(get(p))) }}
	}
	add := func(typ string, fs ...fieldSpec) {
		if typ != TypeFound {
			fs = append(fs, refsSpec)
		}
		slices.SortFunc(fs, func(a, b fieldSpec) int { return keyLess(a.name, b.name) })
		specs[typ] = fs
	}
	add(TypeFound,
		fieldSpec{"name", true, func(d *decoder, p Payload) (err error) {
			p.(*Found).Name, err = d.text("name", 1, MaxNameLen)
			return
		}},
		fieldSpec{"admit", true, func(d *decoder, p Payload) error {
			s, err := d.text("admit", 1, 32)
			p.(*Found).Admit = Method(s)
			return err
		}},
		fieldSpec{"exclude", true, func(d *decoder, p Payload) error {
			s, err := d.text("exclude", 1, 32)
			p.(*Found).Exclude = Method(s)
			return err
		}},
		fieldSpec{"founders", true, func(d *decoder, p Payload) error {
			n, err := d.r.Array("founders", MinFounders, MaxFounders)
			if err != nil {
				return d.wrap("founders", err)
			}
			f := p.(*Found)
			f.Founders = make([]identity.PublicKey, n)
			for i := range f.Founders {
				if err := d.id(fmt.Sprintf("founders[%d]", i), (*[32]byte)(&f.Founders[i])); err != nil {
					return err
				}
			}
			return nil
		}},
		fieldSpec{"version", true, func(d *decoder, p Payload) error {
			at := d.r.Offset() + 1
			v, err := d.r.Uint("version", 1<<32)
			if err != nil {
				return d.wrap("version", err)
			}
			if v != Version {
				return fieldErr(d.typ, "version", "byte %d: version %d; this implementation reads villages of version %d", at, v, Version)
			}
			return nil
		}},
		fieldSpec{"admit_params", false, func(d *decoder, p Payload) (err error) {
			p.(*Found).AdmitParams, err = d.params("admit_params")
			return
		}},
		fieldSpec{"admit_expr", false, func(d *decoder, p Payload) (err error) {
			p.(*Found).AdmitExpr, err = d.text("admit_expr", 1, conversation.MaxExprLen)
			return
		}},
		fieldSpec{"exclude_params", false, func(d *decoder, p Payload) (err error) {
			p.(*Found).ExcludeParams, err = d.params("exclude_params")
			return
		}},
		fieldSpec{"exclude_expr", false, func(d *decoder, p Payload) (err error) {
			p.(*Found).ExcludeExpr, err = d.text("exclude_expr", 1, conversation.MaxExprLen)
			return
		}},
	)
	add(TypePosition, vil(func(p Payload) *entry.ID { return &p.(*Position).Village }),
		fieldSpec{"invitee", false, func(d *decoder, p Payload) error {
			return d.id("invitee", (*[32]byte)(&p.(*Position).Invitee))
		}},
		fieldSpec{"proposal", false, func(d *decoder, p Payload) error {
			return d.id("proposal", (*[32]byte)(&p.(*Position).Proposal))
		}},
		fieldSpec{"position", true, func(d *decoder, p Payload) error {
			v, err := d.r.Uint("position", uint64(conversation.Block))
			p.(*Position).Position = conversation.Position(v)
			return d.wrap("position", err)
		}},
		fieldSpec{"reason", true, func(d *decoder, p Payload) (err error) {
			p.(*Position).Reason, err = d.text("reason", 0, MaxReasonLen)
			return
		}})
	add(TypeAccept, vil(func(p Payload) *entry.ID { return &p.(*Accept).Village }))
	add(TypeJoin, vil(func(p Payload) *entry.ID { return &p.(*Join).Village }))
	add(TypeLeave, vil(func(p Payload) *entry.ID { return &p.(*Leave).Village }))
	add(TypeInvite, vil(func(p Payload) *entry.ID { return &p.(*Invite).Village }),
		fieldSpec{"invitee", true, func(d *decoder, p Payload) error {
			return d.id("invitee", (*[32]byte)(&p.(*Invite).Invitee))
		}})
	add(TypeUserspec, vil(func(p Payload) *entry.ID { return &p.(*Userspec).Village }),
		fieldSpec{"mode", true, func(d *decoder, p Payload) error {
			s, err := d.text("mode", 1, 16)
			p.(*Userspec).Mode = Mode(s)
			return err
		}},
		fieldSpec{"name", true, func(d *decoder, p Payload) (err error) {
			p.(*Userspec).Name, err = d.text("name", 0, MaxNameLen)
			return
		}},
		fieldSpec{"about", true, func(d *decoder, p Payload) (err error) {
			p.(*Userspec).About, err = d.text("about", 0, MaxAboutLen)
			return
		}})
	add(TypeVote, vil(func(p Payload) *entry.ID { return &p.(*Vote).Village }),
		fieldSpec{"stranger", true, func(d *decoder, p Payload) error {
			return d.stranger(&p.(*Vote).Stranger)
		}},
		fieldSpec{"vote", true, func(d *decoder, p Payload) error {
			v, err := d.r.Uint("vote", uint64(VoteAccept))
			p.(*Vote).Vote = VoteKind(v)
			return d.wrap("vote", err)
		}},
		fieldSpec{"proof", false, func(d *decoder, p Payload) error {
			return d.id("proof", &p.(*Vote).Proof)
		}})
	add(TypeStrangerspec, vil(func(p Payload) *entry.ID { return &p.(*Strangerspec).Village }),
		fieldSpec{"stranger", true, func(d *decoder, p Payload) error {
			return d.stranger(&p.(*Strangerspec).Stranger)
		}},
		fieldSpec{"text", true, func(d *decoder, p Payload) (err error) {
			p.(*Strangerspec).Text, err = d.text("text", 0, MaxNoteLen)
			return
		}},
		fieldSpec{"blob", false, func(d *decoder, p Payload) error {
			return d.id("blob", &p.(*Strangerspec).Blob)
		}})
	add(TypeRequest, vil(func(p Payload) *entry.ID { return &p.(*Request).Village }),
		fieldSpec{"user", true, func(d *decoder, p Payload) error {
			return d.id("user", &p.(*Request).User)
		}},
		fieldSpec{"text", true, func(d *decoder, p Payload) (err error) {
			p.(*Request).Text, err = d.text("text", 1, MaxRequestLen)
			return
		}},
		fieldSpec{"blob", false, func(d *decoder, p Payload) error {
			return d.id("blob", &p.(*Request).Blob)
		}},
		fieldSpec{"cert", true, func(d *decoder, p Payload) error {
			if _, err := d.r.Array("cert", 2, 2); err != nil {
				return d.wrap("cert", err)
			}
			r := p.(*Request)
			var err error
			if r.Cert.Header, err = d.r.Bytes("cert header", 1, entry.MaxHeaderSize); err != nil {
				return d.wrap("cert", err)
			}
			if r.Cert.Payload, err = d.r.Bytes("cert payload", 1, MaxPayloadSize); err != nil {
				return d.wrap("cert", err)
			}
			return nil
		}})
	add(TypeExclude, vil(func(p Payload) *entry.ID { return &p.(*Exclude).Village }),
		fieldSpec{"subject", true, func(d *decoder, p Payload) error {
			return d.id("subject", (*[32]byte)(&p.(*Exclude).Subject))
		}},
		fieldSpec{"reason", true, func(d *decoder, p Payload) (err error) {
			p.(*Exclude).Reason, err = d.text("reason", 0, MaxReasonLen)
			return
		}})
	add(TypeExcludeVote, vil(func(p Payload) *entry.ID { return &p.(*ExcludeVote).Village }),
		fieldSpec{"proposal", true, func(d *decoder, p Payload) error {
			return d.id("proposal", (*[32]byte)(&p.(*ExcludeVote).Proposal))
		}},
		fieldSpec{"vote", true, func(d *decoder, p Payload) error {
			v, err := d.r.Uint("vote", 1)
			p.(*ExcludeVote).For = v == 1
			return d.wrap("vote", err)
		}})
	comp := func(name string, get func(*StatePayload) *[32]byte, required bool) fieldSpec {
		return fieldSpec{name, required, func(d *decoder, p Payload) error { return d.id(name, get(p.(*StatePayload))) }}
	}
	add(TypeState, vil(func(p Payload) *entry.ID { return &p.(*StatePayload).Village }),
		comp("previous", func(s *StatePayload) *[32]byte { return &s.Previous }, false),
		comp("userspec", func(s *StatePayload) *[32]byte { return &s.Components.Userspec }, false),
		comp("locals", func(s *StatePayload) *[32]byte { return &s.Locals }, true),
		comp("locals_state", func(s *StatePayload) *[32]byte { return &s.LocalsState }, true),
		comp("strangers", func(s *StatePayload) *[32]byte { return &s.Strangers }, true),
		comp("strangers_state", func(s *StatePayload) *[32]byte { return &s.StrangersState }, true),
		comp("seen", func(s *StatePayload) *[32]byte { return &s.SeenList }, true))
}

func newPayload(typ string) Payload {
	switch typ {
	case TypeFound:
		return &Found{}
	case TypeAccept:
		return &Accept{}
	case TypeInvite:
		return &Invite{}
	case TypeJoin:
		return &Join{}
	case TypeLeave:
		return &Leave{}
	case TypeUserspec:
		return &Userspec{}
	case TypeVote:
		return &Vote{}
	case TypeStrangerspec:
		return &Strangerspec{}
	case TypeExclude:
		return &Exclude{}
	case TypeExcludeVote:
		return &ExcludeVote{}
	case TypeState:
		return &StatePayload{}
	case TypeRequest:
		return &Request{}
	case TypePosition:
		return &Position{}
	}
	return nil
}

// IsVillageType reports whether typ is one of the village payload types.
func IsVillageType(typ string) bool { return specs[typ] != nil }

// decoder reads one payload's fields. The body it reads starts after the
// map head, so offsets in errors add one.
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

func (d *decoder) stranger(dst *StrangerID) error {
	at := d.r.Offset() + 1
	if err := d.r.Fixed("stranger", dst[:]); err != nil {
		return d.wrap("stranger", err)
	}
	if err := checkStranger(*dst); err != nil {
		return fieldErr(d.typ, "stranger", "byte %d: %s", at, err)
	}
	return nil
}

// params reads a method's parameters: an array of 1–2 uint ≤
// conversation.MaxParam.
func (d *decoder) params(what string) ([]uint64, error) {
	n, err := d.r.Array(what, 1, 2)
	if err != nil {
		return nil, d.wrap(what, err)
	}
	out := make([]uint64, n)
	for i := range out {
		if out[i], err = d.r.Uint(what, conversation.MaxParam); err != nil {
			return nil, d.wrap(what, err)
		}
	}
	return out, nil
}

func (d *decoder) text(what string, lo, hi int) (string, error) {
	s, err := d.r.Text(what, lo, hi)
	return s, d.wrap(what, err)
}

// Decode strictly decodes a village payload: a canonical CBOR map holding
// exactly the keys village.md lists for its type, each within its limits.
// It never panics. Payloads of other types fail with an error wrapping
// ErrNotVillage.
func Decode(payload []byte) (Payload, error) {
	if len(payload) > MaxPayloadSize {
		return nil, &Error{Type: "payload", Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(payload), MaxPayloadSize)}
	}
	typ, err := content.PeekType(payload)
	if err != nil {
		return nil, &Error{Type: "payload", Msg: strings.TrimPrefix(err.Error(), "payload: "), Err: ErrNotVillage}
	}
	spec := specs[typ]
	if spec == nil {
		return nil, &Error{Type: typ, Msg: "not a village payload type", Err: ErrNotVillage}
	}
	n := int(payload[0] & 0x1f)
	if payload[0]&0xe0 != 0xa0 || n > maxPayloadPairs {
		return nil, &Error{Type: typ, Msg: fmt.Sprintf("byte 0: want a map of at most %d pairs with its count in the initial byte, got 0x%02x", maxPayloadPairs, payload[0])}
	}
	d := &decoder{typ: typ, r: cborwire.NewReader(payload[1:], cborwire.PayloadWording)}
	p := newPayload(typ)
	next := 0        // index in spec of the first key that may still come
	sawType := false // "type" is not in spec
	seen := make([]bool, len(spec))
	for range n {
		at := d.r.Offset() + 1
		key, err := d.r.Text("key", 1, 64)
		if err != nil {
			return nil, fieldErr(typ, "", "map key: %s", err.Error())
		}
		if key == "type" {
			if sawType || next > 0 && keyLess(spec[next-1].name, "type") > 0 {
				return nil, fieldErr(typ, "type", "byte %d: key out of canonical order or repeated", at)
			}
			sawType = true
			if _, err := d.r.Text("type", 1, 64); err != nil {
				return nil, d.wrap("type", err)
			}
			continue
		}
		i := slices.IndexFunc(spec, func(f fieldSpec) bool { return f.name == key })
		if i < 0 {
			return nil, fieldErr(typ, key, "byte %d: unknown key (village payloads carry exactly the keys village.md lists)", at)
		}
		if i < next || sawType && keyLess(key, "type") < 0 {
			return nil, fieldErr(typ, key, "byte %d: key out of canonical order or repeated", at)
		}
		if err := spec[i].read(d, p); err != nil {
			return nil, err
		}
		seen[i] = true
		next = i + 1
	}
	if err := d.r.End(); err != nil {
		return nil, fieldErr(typ, "", "%s", err.Error())
	}
	for i, f := range spec {
		if f.required && !seen[i] {
			if typ == TypeFound && f.name == "version" {
				return nil, fieldErr(typ, f.name, "required key missing: a village of version 1, whose locals are devices; this implementation reads villages of version %d, whose locals are accounts", Version)
			}
			return nil, fieldErr(typ, f.name, "required key missing")
		}
	}
	if err := check(p); err != nil {
		return nil, err
	}
	return p, nil
}

func checkStranger(s StrangerID) error {
	if [32]byte(s[:32]) == [32]byte{} || [32]byte(s[32:]) == [32]byte{} {
		return errors.New("neither half of a stranger id (individual id, user id) may be all zero")
	}
	return nil
}

func checkText(typ, field, s string, lo, hi int) error {
	if !utf8.ValidString(s) {
		return fieldErr(typ, field, "text is not valid UTF-8")
	}
	if len(s) < lo || len(s) > hi {
		return fieldErr(typ, field, "%d bytes, want %d..%d", len(s), lo, hi)
	}
	return nil
}

func checkID(typ, field string, id [32]byte) error {
	if id == [32]byte{} {
		return fieldErr(typ, field, "an all-zero id is never valid")
	}
	return nil
}

// check applies the rules of village.md that are not about the encoding.
func check(p Payload) error {
	if err := checkRefs(p); err != nil {
		return err
	}
	t := p.Type()
	switch p := p.(type) {
	case *Found:
		if err := checkName(t, "name", p.Name, 1, MaxNameLen); err != nil {
			return err
		}
		if !p.Admit.valid() {
			return fieldErr(t, "admit", "unknown consensus method %q (want one of %s)", p.Admit, methodList())
		}
		if !p.Exclude.valid() {
			return fieldErr(t, "exclude", "unknown consensus method %q (want one of %s)", p.Exclude, methodList())
		}
		for _, r := range []struct {
			field string
			rule  Rule
		}{{"admit", p.AdmitRule()}, {"exclude", p.ExcludeRule()}} {
			if r.rule.Params != nil && len(r.rule.Params) == 0 {
				return fieldErr(t, r.field+"_params", "an empty list of parameters is written by leaving the key out")
			}
			if _, err := r.rule.Compile(); err != nil {
				return fieldErr(t, r.field, "%s", err)
			}
		}
		if len(p.Founders) < MinFounders || len(p.Founders) > MaxFounders {
			return fieldErr(t, "founders", "%d founders, want %d..%d", len(p.Founders), MinFounders, MaxFounders)
		}
		for i, k := range p.Founders {
			if err := checkID(t, fmt.Sprintf("founders[%d]", i), k); err != nil {
				return err
			}
			if i > 0 && bytesCmp(p.Founders[i-1][:], k[:]) >= 0 {
				return fieldErr(t, "founders", "founders[%d] is not after founders[%d]: the list is sorted ascending without repeats", i, i-1)
			}
		}
		return nil
	case *Accept:
		return checkID(t, "village", p.Village)
	case *Join:
		return checkID(t, "village", p.Village)
	case *Leave:
		return checkID(t, "village", p.Village)
	case *Invite:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		return checkID(t, "invitee", p.Invitee)
	case *Userspec:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		if p.Mode != Active && p.Mode != Passive {
			return fieldErr(t, "mode", "unknown mode %q (want %q or %q)", p.Mode, Active, Passive)
		}
		if err := checkName(t, "name", p.Name, 0, MaxNameLen); err != nil {
			return err
		}
		return checkText(t, "about", p.About, 0, MaxAboutLen)
	case *Vote:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		if err := checkStranger(p.Stranger); err != nil {
			return fieldErr(t, "stranger", "%s", err)
		}
		switch {
		case p.Vote > VoteAccept:
			return fieldErr(t, "vote", "%d is not a vote (0 deferred, 1 veto, 2 accept)", p.Vote)
		case p.Vote == VoteAccept && p.Proof == [32]byte{}:
			return fieldErr(t, "proof", "required with vote 2 (accept)")
		case p.Vote != VoteAccept && p.Proof != [32]byte{}:
			return fieldErr(t, "proof", "only allowed with vote 2 (accept)")
		}
		return nil
	case *Strangerspec:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		if err := checkStranger(p.Stranger); err != nil {
			return fieldErr(t, "stranger", "%s", err)
		}
		return checkText(t, "text", p.Text, 0, MaxNoteLen)
	case *Request:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		if err := checkID(t, "user", p.User); err != nil {
			return err
		}
		if err := checkText(t, "text", p.Text, 1, MaxRequestLen); err != nil {
			return err
		}
		if _, _, err := p.Cert.Parse(); err != nil {
			return fieldErr(t, "cert", "%s", err)
		}
		return nil
	case *Exclude:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		if err := checkID(t, "subject", p.Subject); err != nil {
			return err
		}
		return checkText(t, "reason", p.Reason, 0, MaxReasonLen)
	case *ExcludeVote:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		return checkID(t, "proposal", p.Proposal)
	case *Position:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		if (p.Invitee == identity.PublicKey{}) == p.Proposal.IsZero() {
			return fieldErr(t, "invitee", "name either an invitee or a proposal, not both and not neither")
		}
		if p.Position > conversation.Block {
			return fieldErr(t, "position", "%d exceeds the limit %d", p.Position, conversation.Block)
		}
		if p.Position == conversation.Block && p.Reason == "" {
			return fieldErr(t, "reason", "a block needs a reason")
		}
		return checkText(t, "reason", p.Reason, 0, MaxReasonLen)
	case *StatePayload:
		if err := checkID(t, "village", p.Village); err != nil {
			return err
		}
		for _, c := range []struct {
			n string
			v [32]byte
		}{{"locals", p.Locals}, {"locals_state", p.LocalsState}, {"strangers", p.Strangers}, {"strangers_state", p.StrangersState}} {
			if err := checkID(t, c.n, c.v); err != nil {
				return err
			}
		}
		if err := checkID(t, "seen", p.SeenList); err != nil {
			return err
		}
		if p.Seen != nil {
			id, err := SeenID(p.Seen)
			if err != nil {
				return err
			}
			if id != p.SeenList {
				return fieldErr(t, "seen", "the seen list's content address is %x, not that of the list given", p.SeenList)
			}
		}
		return nil
	}
	return &Error{Type: t, Msg: "not a village payload type", Err: ErrNotVillage}
}
