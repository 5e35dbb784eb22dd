package space

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

// ErrNotSpace is wrapped by the error Decode returns for a payload that is
// not a typed payload of a membership type.
var ErrNotSpace = errors.New("not a space membership payload")

// Error is a payload that breaks a rule of space-membership.md: which
// type, which field (empty for the payload as a whole) and what is wrong.
type Error struct {
	Type  string
	Field string
	Msg   string
	Err   error // a sentinel such as ErrNotSpace, or nil
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("space: %s: field %q: %s", e.Type, e.Field, e.Msg)
	}
	return fmt.Sprintf("space: %s: %s", e.Type, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func fieldErr(typ, field, format string, args ...any) *Error {
	return &Error{Type: typ, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// keys lists, per type, the keys it carries besides "type", and whether
// each is required.
var keys = map[string]map[string]bool{
	TypeCreate: {"name": true, "history": false, "members": true, "version": true, "village": false},
	TypeAdd:    {"refs": false, "role": true, "space": true, "account": true},
	TypeRemove: {"refs": false, "space": true, "account": true},
	TypeRole:   {"refs": false, "role": true, "space": true, "account": true},
	TypeLeave:  {"refs": false, "space": true},
}

// IsSpaceType reports whether typ is a membership payload type.
func IsSpaceType(typ string) bool { return keys[typ] != nil }

// Decode strictly decodes a membership payload: a canonical CBOR map
// holding exactly the keys space-membership.md §2 lists for its type,
// each within its limits. It never panics. Payloads of other types fail
// with an error wrapping ErrNotSpace.
func Decode(payload []byte) (Payload, error) {
	if len(payload) > MaxPayloadSize {
		return nil, &Error{Type: "payload", Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(payload), MaxPayloadSize)}
	}
	typ, err := content.PeekType(payload)
	if err != nil {
		return nil, &Error{Type: "payload", Msg: strings.TrimPrefix(err.Error(), "payload: "), Err: ErrNotSpace}
	}
	allowed := keys[typ]
	if allowed == nil {
		return nil, &Error{Type: typ, Msg: "not a space membership payload type", Err: ErrNotSpace}
	}
	n := int(payload[0] & 0x1f)
	if payload[0]&0xe0 != 0xa0 || n > maxPayloadPairs {
		return nil, &Error{Type: typ, Msg: fmt.Sprintf("byte 0: want a map of at most %d pairs with its count in the initial byte, got 0x%02x", maxPayloadPairs, payload[0])}
	}
	r := cborwire.NewReader(payload[1:], cborwire.PayloadWording)
	wrap := func(f string, err error) error {
		if err == nil {
			return nil
		}
		return fieldErr(typ, f, "%s", err.Error())
	}
	readID := func(f string, dst *[32]byte) error {
		at := r.Offset() + 1
		if err := r.Fixed(f, dst[:]); err != nil {
			return wrap(f, err)
		}
		if *dst == [32]byte{} {
			return fieldErr(typ, f, "byte %d: an all-zero id is never valid", at)
		}
		return nil
	}
	readRole := func(dst *Role) error {
		at := r.Offset() + 1
		s, err := r.Text("role", 1, 16)
		if err != nil {
			return wrap("role", err)
		}
		role, ok := parseRole(s)
		if !ok {
			return fieldErr(typ, "role", "byte %d: %q is not a role (\"admin\" or \"member\")", at, s)
		}
		*dst = role
		return nil
	}
	var (
		c   Create
		a   Add // also remove, role and leave: the fields they share
		got = map[string]bool{}
		ok  bool
	)
	prev := ""
	for range n {
		at := r.Offset() + 1
		key, err := r.Text("key", 1, 64)
		if err != nil {
			return nil, fieldErr(typ, "", "map key: %s", err.Error())
		}
		if prev != "" && keyLess(prev, key) >= 0 {
			return nil, fieldErr(typ, key, "byte %d: key out of canonical order or repeated", at)
		}
		prev = key
		if _, ok = allowed[key]; !ok && key != "type" {
			return nil, fieldErr(typ, key, "byte %d: unknown key (membership payloads carry exactly the keys space-membership.md lists)", at)
		}
		got[key] = true
		switch key {
		case "type":
			_, err = r.Text("type", 1, 64)
			err = wrap("type", err)
		case "name":
			c.Name, err = r.Text("name", 1, MaxNameLen)
			err = wrap("name", err)
		case "version":
			at := r.Offset() + 1
			var v uint64
			if v, err = r.Uint("version", 1<<32); err != nil {
				err = wrap("version", err)
			} else if v != Version {
				err = fieldErr(typ, "version", "byte %d: version %d; this implementation reads spaces of version %d", at, v, Version)
			}
		case "village":
			err = readID("village", (*[32]byte)(&c.Village))
		case "history":
			at := r.Offset() + 1
			var h string
			if h, err = r.Text("history", 1, 16); err != nil {
				err = wrap("history", err)
			} else if h != HistoryAll {
				err = fieldErr(typ, "history", "byte %d: %q: the only value is %q (leave the key out for the default, no history)", at, h, HistoryAll)
			} else {
				c.History = true
			}
		case "members":
			err = readMembers(r, typ, &c, readID, readRole)
		case "space":
			err = readID("space", (*[32]byte)(&a.Space))
		case "account":
			err = readID("account", (*[32]byte)(&a.Account))
		case "role":
			err = readRole(&a.Role)
		case "refs":
			var m int
			if m, err = r.Array("refs", 1, MaxRefs); err != nil {
				err = wrap("refs", err)
				break
			}
			a.Refs = make([]entry.ID, 0, m)
			for i := range m {
				var id entry.ID
				if err = readID(fmt.Sprintf("refs[%d]", i), (*[32]byte)(&id)); err != nil {
					break
				}
				a.Refs = append(a.Refs, id)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if err := r.End(); err != nil {
		return nil, fieldErr(typ, "", "%s", err.Error())
	}
	for k, req := range allowed {
		if req && !got[k] {
			return nil, fieldErr(typ, k, "required key missing")
		}
	}
	var p Payload
	switch typ {
	case TypeCreate:
		p = &c
	case TypeAdd:
		p = &a
	case TypeRemove:
		p = &Remove{Space: a.Space, Account: a.Account, Refs: a.Refs}
	case TypeRole:
		p = &SetRole{Space: a.Space, Account: a.Account, Role: a.Role, Refs: a.Refs}
	case TypeLeave:
		p = &Leave{Space: a.Space, Refs: a.Refs}
	}
	if err := check(p); err != nil {
		return nil, err
	}
	return p, nil
}

// readMembers reads space.create's members: 1..MaxFounding pairs
// [account, role].
func readMembers(r *cborwire.Reader, typ string, c *Create, readID func(string, *[32]byte) error, readRole func(*Role) error) error {
	n, err := r.Array("members", 1, MaxFounding)
	if err != nil {
		return fieldErr(typ, "members", "%s", err.Error())
	}
	c.Members = make([]Founder, n)
	for i := range c.Members {
		if _, err := r.Array(fmt.Sprintf("members[%d]", i), 2, 2); err != nil {
			return fieldErr(typ, fmt.Sprintf("members[%d]", i), "%s", err.Error())
		}
		if err := readID(fmt.Sprintf("members[%d]", i), (*[32]byte)(&c.Members[i].Account)); err != nil {
			return err
		}
		if err := readRole(&c.Members[i].Role); err != nil {
			return err
		}
	}
	return nil
}

// check applies the rules a payload's values must follow beyond their
// encoding.
func check(p Payload) error {
	if err := checkRefs(p); err != nil {
		return err
	}
	t := p.Type()
	zero := func(f string, b [32]byte) error {
		if b == [32]byte{} {
			return fieldErr(t, f, "an all-zero id is never valid")
		}
		return nil
	}
	role := func(r Role) error {
		if r != Member && r != Admin {
			return fieldErr(t, "role", "%s is not a role", r)
		}
		return nil
	}
	switch p := p.(type) {
	case *Create:
		if !utf8.ValidString(p.Name) || len(p.Name) < 1 || len(p.Name) > MaxNameLen {
			return fieldErr(t, "name", "want 1..%d bytes of UTF-8", MaxNameLen)
		}
		if err := content.CheckName(p.Name); err != nil {
			return fieldErr(t, "name", "%s", err)
		}
		if len(p.Members) < 1 || len(p.Members) > MaxFounding {
			return fieldErr(t, "members", "%d members, want 1..%d", len(p.Members), MaxFounding)
		}
		admins := 0
		for i, m := range p.Members {
			if err := zero(fmt.Sprintf("members[%d]", i), m.Account); err != nil {
				return err
			}
			if err := role(m.Role); err != nil {
				return err
			}
			if m.Role == Admin {
				admins++
			}
			if i > 0 && bytes.Compare(p.Members[i-1].Account[:], m.Account[:]) >= 0 {
				return fieldErr(t, "members", "members[%d] is not after members[%d]: sorted by account without repeats", i, i-1)
			}
		}
		if admins == 0 {
			return fieldErr(t, "members", "no admin: a space is created by an admin")
		}
		return nil
	case *Add:
		if err := zero("space", p.Space); err != nil {
			return err
		}
		if err := zero("account", p.Account); err != nil {
			return err
		}
		return role(p.Role)
	case *Remove:
		if err := zero("space", p.Space); err != nil {
			return err
		}
		return zero("account", p.Account)
	case *SetRole:
		if err := zero("space", p.Space); err != nil {
			return err
		}
		if err := zero("account", p.Account); err != nil {
			return err
		}
		return role(p.Role)
	case *Leave:
		return zero("space", p.Space)
	}
	return &Error{Type: t, Msg: "not a space membership payload type", Err: ErrNotSpace}
}

// checkRefs: at most MaxRefs, none all zero, sorted ascending without
// repeats, and not an empty list (the key is then absent).
func checkRefs(p Payload) error {
	rs, t := RefsOf(p), p.Type()
	if rs != nil && len(rs) == 0 {
		return fieldErr(t, "refs", "an empty list of references is written by leaving the key out")
	}
	if len(rs) > MaxRefs {
		return fieldErr(t, "refs", "%d references, want at most %d", len(rs), MaxRefs)
	}
	for i, r := range rs {
		if r.IsZero() {
			return fieldErr(t, fmt.Sprintf("refs[%d]", i), "an all-zero id is never valid")
		}
		if i > 0 && bytes.Compare(rs[i-1][:], r[:]) >= 0 {
			return fieldErr(t, "refs", "refs[%d] is not after refs[%d]: sorted ascending without repeats", i, i-1)
		}
	}
	return nil
}
