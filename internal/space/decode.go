package space

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/content"
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
	m, err := openMap(payload, MaxPayloadSize, keys, "not a space membership payload type", ErrNotSpace, "membership", "space-membership.md")
	if err != nil {
		return nil, err
	}
	typ, r := m.typ, m.r
	var (
		c Create
		a Add // also remove, role and leave: the fields they share
	)
	for range m.n {
		key, err := m.key()
		if err != nil {
			return nil, err
		}
		switch key {
		case "type":
			_, err = r.Text("type", 1, 64)
			err = m.wrap("type", err)
		case "name":
			c.Name, err = r.Text("name", 1, MaxNameLen)
			err = m.wrap("name", err)
		case "version":
			at := r.Offset() + 1
			var v uint64
			if v, err = r.Uint("version", 1<<32); err != nil {
				err = m.wrap("version", err)
			} else if v != Version {
				err = fieldErr(typ, "version", "byte %d: version %d; this implementation reads spaces of version %d", at, v, Version)
			}
		case "village":
			err = m.id("village", (*[32]byte)(&c.Village))
		case "history":
			at := r.Offset() + 1
			var h string
			if h, err = r.Text("history", 1, 16); err != nil {
				err = m.wrap("history", err)
			} else if h != HistoryAll {
				err = fieldErr(typ, "history", "byte %d: %q: the only value is %q (leave the key out for the default, no history)", at, h, HistoryAll)
			} else {
				c.History = true
			}
		case "members":
			err = readMembers(m, &c)
		case "space":
			err = m.id("space", (*[32]byte)(&a.Space))
		case "account":
			err = m.id("account", (*[32]byte)(&a.Account))
		case "role":
			err = readRole(m, &a.Role)
		case "refs":
			a.Refs, err = m.refs()
		}
		if err != nil {
			return nil, err
		}
	}
	if err := m.end(); err != nil {
		return nil, err
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
func readMembers(m *mapReader, c *Create) error {
	n, err := m.r.Array("members", 1, MaxFounding)
	if err != nil {
		return fieldErr(m.typ, "members", "%s", err.Error())
	}
	c.Members = make([]Founder, n)
	for i := range c.Members {
		if _, err := m.r.Array(fmt.Sprintf("members[%d]", i), 2, 2); err != nil {
			return fieldErr(m.typ, fmt.Sprintf("members[%d]", i), "%s", err.Error())
		}
		if err := m.id(fmt.Sprintf("members[%d]", i), (*[32]byte)(&c.Members[i].Account)); err != nil {
			return err
		}
		if err := readRole(m, &c.Members[i].Role); err != nil {
			return err
		}
	}
	return nil
}

// readRole reads a role: "admin" or "member".
func readRole(m *mapReader, dst *Role) error {
	at := m.r.Offset() + 1
	s, err := m.r.Text("role", 1, 16)
	if err != nil {
		return m.wrap("role", err)
	}
	role, ok := parseRole(s)
	if !ok {
		return fieldErr(m.typ, "role", "byte %d: %q is not a role (\"admin\" or \"member\")", at, s)
	}
	*dst = role
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
	return checkRefList(p.Type(), RefsOf(p))
}
