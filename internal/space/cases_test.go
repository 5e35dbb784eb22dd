package space

import (
	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func fill(b byte) [32]byte {
	var x [32]byte
	for i := range x {
		x[i] = b
	}
	return x
}

type payloadCase struct {
	name string
	p    Payload
}

// validPayloads is one payload of every type (and variants).
func validPayloads() []payloadCase {
	sp := entry.ID(fill(0x11))
	a, b := identity.PublicKey(fill(0x23)), identity.PublicKey(fill(0x45))
	refs := []entry.ID{entry.ID(fill(0x01)), entry.ID(fill(0x02))}
	return []payloadCase{
		{"create", &Create{Name: "garden group", Members: []Founder{{a, Admin}, {b, Member}}}},
		{"create from a village", &Create{Name: "garden group", Village: entry.ID(fill(0x77)), Members: []Founder{{a, Admin}}}},
		{"create with history", &Create{Name: "garden group", Members: []Founder{{a, Admin}}, History: true}},
		{"add", &Add{Space: sp, Account: b, Role: Member, Refs: refs}},
		{"add admin, no refs", &Add{Space: sp, Account: b, Role: Admin}},
		{"remove", &Remove{Space: sp, Account: a}},
		{"role", &SetRole{Space: sp, Account: b, Role: Admin, Refs: refs[:1]}},
		{"leave", &Leave{Space: sp, Refs: refs}},
	}
}

// rawMap encodes a map of the pairs (key, encoded value) in the order
// given, whatever it is.
func rawMap(kv ...any) []byte {
	out := []byte{0xa0 | byte(len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		out = cborwire.AppendText(out, kv[i].(string))
		out = append(out, kv[i+1].([]byte)...)
	}
	return out
}

func tx(s string) []byte   { return cborwire.AppendText(nil, s) }
func bs(b [32]byte) []byte { return cborwire.AppendBytes(nil, b[:]) }
func ui(v uint64) []byte   { return cborwire.AppendUint(nil, v) }
func arr(items ...[]byte) []byte {
	out := cborwire.AppendArray(nil, len(items))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

type rejectCase struct {
	name string
	raw  []byte
}

// rejectCases are payloads Decode refuses.
func rejectCases() []rejectCase {
	sp, a, b := fill(0x11), fill(0x23), fill(0x45)
	member := func(k [32]byte, r string) []byte { return arr(bs(k), tx(r)) }
	return []rejectCase{
		{"unknown role", rawMap("role", tx("owner"), "type", tx(TypeAdd), "space", bs(sp), "account", bs(a))},
		{"unknown key", rawMap("type", tx(TypeRemove), "space", bs(sp), "reason", tx("x"), "account", bs(a))},
		{"keys out of order", rawMap("type", tx(TypeRemove), "account", bs(a), "space", bs(sp))},
		{"repeated key", rawMap("type", tx(TypeLeave), "space", bs(sp), "space", bs(sp))},
		{"missing account", rawMap("type", tx(TypeRemove), "space", bs(sp))},
		{"all-zero space", rawMap("type", tx(TypeLeave), "space", bs([32]byte{}))},
		{"empty refs", rawMap("refs", arr(), "type", tx(TypeLeave), "space", bs(sp))},
		{"refs not sorted", rawMap("refs", arr(bs(fill(2)), bs(fill(1))), "type", tx(TypeLeave), "space", bs(sp))},
		{"refs in create", rawMap("name", tx("g"), "refs", arr(bs(fill(1))), "type", tx(TypeCreate), "members", arr(member(a, "admin")), "version", ui(1))},
		{"history not all", rawMap("name", tx("g"), "type", tx(TypeCreate), "history", tx("some"), "members", arr(member(a, "admin")), "version", ui(1))},
		{"create without admin", rawMap("name", tx("g"), "type", tx(TypeCreate), "members", arr(member(a, "member")), "version", ui(1))},
		{"create members not sorted", rawMap("name", tx("g"), "type", tx(TypeCreate), "members", arr(member(b, "admin"), member(a, "admin")), "version", ui(1))},
		{"create of version 2", rawMap("name", tx("g"), "type", tx(TypeCreate), "members", arr(member(a, "admin")), "version", ui(2))},
		{"create name with a control character", rawMap("name", tx("g\x07"), "type", tx(TypeCreate), "members", arr(member(a, "admin")), "version", ui(1))},
		{"create without members", rawMap("name", tx("g"), "type", tx(TypeCreate), "members", arr(), "version", ui(1))},
		{"trailing bytes", append(rawMap("type", tx(TypeLeave), "space", bs(sp)), 0)},
		{"not a space type", rawMap("type", tx("post"), "text", tx("hi"))},
		{"not a map", tx("space.leave")},
		{"truncated", rawMap("type", tx(TypeLeave), "space", bs(sp))[:20]},
	}
}
