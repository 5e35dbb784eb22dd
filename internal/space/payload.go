package space

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The membership payload types (space-membership.md §2).
const (
	TypeCreate = "space.create"
	TypeAdd    = "space.add"
	TypeRemove = "space.remove"
	TypeRole   = "space.role"
	TypeLeave  = "space.leave"
)

// Limits.
const (
	MaxPayloadSize = entry.MaxPayloadSize
	MaxNameLen     = 100
	MaxFounding    = 256 // members a space.create names
	MaxRefs        = 64  // causal references of one entry
	// Version is the version of these rules a space follows, named by its
	// create entry.
	Version         = 1
	maxPayloadPairs = 8
)

// Role is what a member may do in a space.
type Role uint8

// The roles. The zero Role is no role (not a member).
const (
	// Member reads and writes the space.
	Member Role = 1
	// Admin also adds and removes members and changes roles.
	Admin Role = 2
)

// String is the role's wire name: "member" or "admin".
func (r Role) String() string {
	switch r {
	case Member:
		return "member"
	case Admin:
		return "admin"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

func parseRole(s string) (Role, bool) {
	switch s {
	case "member":
		return Member, true
	case "admin":
		return Admin, true
	}
	return 0, false
}

// Payload is a decoded membership payload.
type Payload interface {
	Type() string
}

// HistoryAll is the value of space.create's "history" key: members added
// later receive the earlier epochs too.
const HistoryAll = "all"

// Founder is one account a space.create names, with its role.
type Founder struct {
	Account identity.PublicKey
	Role    Role
}

// Create creates a space. Its entry id is the space id. Members are
// sorted by account, without repeats; the author's device must speak for
// an admin among them. Village, when not zero, is the village whose locals
// the space was created from (informative: the members are those listed).
type Create struct {
	Name    string
	Village entry.ID
	Members []Founder
	// History: whether members added later receive the epochs before
	// the one current when they join (spaces.md §3). Default no.
	History bool
}

// Add makes Account a member with Role.
type Add struct {
	Space   entry.ID
	Account identity.PublicKey
	Role    Role
	Refs    []entry.ID
}

// Remove removes Account from the space.
type Remove struct {
	Space   entry.ID
	Account identity.PublicKey
	Refs    []entry.ID
}

// SetRole changes Account's role.
type SetRole struct {
	Space   entry.ID
	Account identity.PublicKey
	Role    Role
	Refs    []entry.ID
}

// Leave is the author's account leaving the space.
type Leave struct {
	Space entry.ID
	Refs  []entry.ID
}

func (*Create) Type() string  { return TypeCreate }
func (*Add) Type() string     { return TypeAdd }
func (*Remove) Type() string  { return TypeRemove }
func (*SetRole) Type() string { return TypeRole }
func (*Leave) Type() string   { return TypeLeave }

// RefsOf returns p's causal references (nil for space.create).
func RefsOf(p Payload) []entry.ID {
	switch p := p.(type) {
	case *Add:
		return p.Refs
	case *Remove:
		return p.Refs
	case *SetRole:
		return p.Refs
	case *Leave:
		return p.Refs
	}
	return nil
}

// SpaceOf returns the space p names (zero for space.create).
func SpaceOf(p Payload) entry.ID {
	switch p := p.(type) {
	case *Add:
		return p.Space
	case *Remove:
		return p.Space
	case *SetRole:
		return p.Space
	case *Leave:
		return p.Space
	}
	return entry.ID{}
}

// SortRefs returns refs sorted ascending without repeats (a copy), nil
// when empty: the form the references take in a payload.
func SortRefs(refs []entry.ID) []entry.ID {
	rs := slices.Clone(refs)
	slices.SortFunc(rs, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	rs = slices.Compact(rs)
	if len(rs) == 0 {
		return nil
	}
	return rs
}

// keyLess is the canonical order of text keys: by encoded bytes, which for
// keys shorter than 24 bytes is by length, then bytewise.
func keyLess(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return bytes.Compare([]byte(a), []byte(b))
}

type field struct {
	name string
	enc  []byte
}

// Encode checks p against the rules of space-membership.md §2 and writes
// its canonical encoding.
func Encode(p Payload) ([]byte, error) {
	if p == nil {
		return nil, &Error{Type: "payload", Msg: "nil payload"}
	}
	if err := check(p); err != nil {
		return nil, err
	}
	id := func(b [32]byte) []byte { return cborwire.AppendBytes(nil, b[:]) }
	fs := []field{{"type", cborwire.AppendText(nil, p.Type())}}
	switch p := p.(type) {
	case *Create:
		fs = append(fs, field{"name", cborwire.AppendText(nil, p.Name)}, field{"version", cborwire.AppendUint(nil, Version)})
		if !p.Village.IsZero() {
			fs = append(fs, field{"village", id(p.Village)})
		}
		if p.History {
			fs = append(fs, field{"history", cborwire.AppendText(nil, HistoryAll)})
		}
		arr := cborwire.AppendArray(nil, len(p.Members))
		for _, m := range p.Members {
			arr = cborwire.AppendArray(arr, 2)
			arr = cborwire.AppendBytes(arr, m.Account[:])
			arr = cborwire.AppendText(arr, m.Role.String())
		}
		fs = append(fs, field{"members", arr})
	case *Add:
		fs = append(fs, field{"space", id(p.Space)}, field{"account", id(p.Account)}, field{"role", cborwire.AppendText(nil, p.Role.String())})
	case *Remove:
		fs = append(fs, field{"space", id(p.Space)}, field{"account", id(p.Account)})
	case *SetRole:
		fs = append(fs, field{"space", id(p.Space)}, field{"account", id(p.Account)}, field{"role", cborwire.AppendText(nil, p.Role.String())})
	case *Leave:
		fs = append(fs, field{"space", id(p.Space)})
	}
	if rs := RefsOf(p); len(rs) > 0 {
		arr := cborwire.AppendArray(nil, len(rs))
		for _, r := range rs {
			arr = cborwire.AppendBytes(arr, r[:])
		}
		fs = append(fs, field{"refs", arr})
	}
	slices.SortFunc(fs, func(a, b field) int { return keyLess(a.name, b.name) })
	out := []byte{0xa0 | byte(len(fs))}
	for _, f := range fs {
		out = cborwire.AppendText(out, f.name)
		out = append(out, f.enc...)
	}
	if len(out) > MaxPayloadSize {
		return nil, &Error{Type: p.Type(), Msg: fmt.Sprintf("payload of %d bytes exceeds the limit of %d", len(out), MaxPayloadSize)}
	}
	return out, nil
}

// MustEncode is Encode for payloads known to be valid; it panics
// otherwise. For tests and builders.
func MustEncode(p Payload) []byte {
	b, err := Encode(p)
	if err != nil {
		panic(err)
	}
	return b
}
