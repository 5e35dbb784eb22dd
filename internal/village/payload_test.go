package village

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func vid() entry.ID                { return entry.ID(bytes.Repeat([]byte{0x11}, 32)) }
func pk(b byte) identity.PublicKey { return identity.PublicKey(bytes.Repeat([]byte{b}, 32)) }

// validPayloads is one payload of every type, as in the test vectors.
func validPayloads() []struct {
	name string
	p    Payload
} {
	return []struct {
		name string
		p    Payload
	}{
		{"found", &Found{Name: "Elm Street", Admit: Unanimous, Exclude: Majority, Founders: []identity.PublicKey{pk(0x21), pk(0x22)}}},
		{"accept", &Accept{Village: vid()}},
		{"invite", &Invite{Village: vid(), Invitee: pk(0x23)}},
		{"join", &Join{Village: vid()}},
		{"leave", &Leave{Village: vid()}},
		{"userspec", &Userspec{Village: vid(), Mode: Passive, Name: "hub", About: "always on"}},
		{"vote deferred", &Vote{Village: vid(), Stranger: stranger(0x31), Vote: VoteDeferred}},
		{"vote veto", &Vote{Village: vid(), Stranger: stranger(0x31), Vote: VoteVeto}},
		{"vote accept", &Vote{Village: vid(), Stranger: stranger(0x31), Vote: VoteAccept, Proof: proof(1)}},
		{"strangerspec", &Strangerspec{Village: vid(), Stranger: stranger(0x31), Text: "met at the market", Blob: proof(2)}},
		{"strangerspec no blob", &Strangerspec{Village: vid(), Stranger: stranger(0x31), Text: ""}},
		{"request", &Request{Village: vid(), User: [32]byte(pk(0x32)), Text: "may I sell honey here?", Blob: proof(8), Cert: fixedCert()}},
		{"request no blob", &Request{Village: vid(), User: [32]byte(pk(0x32)), Text: "hello", Cert: fixedCert()}},
		{"exclude", &Exclude{Village: vid(), Subject: pk(0x22), Reason: "vetoes everyone"}},
		{"exclude_vote", &ExcludeVote{Village: vid(), Proposal: entry.ID(pk(0x44)), For: true}},
		{"state", &StatePayload{Village: vid(), Components: Components{Previous: proof(3), Locals: proof(4), LocalsState: proof(5), Strangers: proof(6), StrangersState: proof(7)},
			SeenList: proof(9)}},
		{"vote with refs", &Vote{Causal: Causal{Refs: []entry.ID{entry.ID(pk(0x61)), entry.ID(pk(0x62))}}, Village: vid(), Stranger: stranger(0x31), Vote: VoteVeto}},
		{"state with refs", &StatePayload{Causal: Causal{Refs: []entry.ID{entry.ID(pk(0x52))}}, Village: vid(), Components: Components{Locals: proof(4), LocalsState: proof(5), Strangers: proof(6), StrangersState: proof(7)},
			SeenList: proof(9)}},
		{"found two thirds no block", &Found{Name: "Elm Street", Admit: CEL, AdmitExpr: "agree * 3 >= participants * 2 && block == 0", Exclude: Qualified, ExcludeParams: []uint64{3, 4}, Founders: []identity.PublicKey{pk(0x21), pk(0x22)}}},
		{"found quorum", &Found{Name: "Elm Street", Admit: Quorum, AdmitParams: []uint64{2}, Exclude: Consent, Founders: []identity.PublicKey{pk(0x21), pk(0x22)}}},
		{"position block", &Position{Village: vid(), Invitee: pk(0x23), Position: conversation.Block, Reason: "not yet"}},
		{"position abstain on a proposal", &Position{Causal: Causal{Refs: []entry.ID{entry.ID(pk(0x61))}}, Village: vid(), Proposal: entry.ID(pk(0x44)), Position: conversation.Abstain}},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range validPayloads() {
		b, err := Encode(c.p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: decode %x: %v", c.name, b, err)
		}
		again, err := Encode(p)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%s: re-encoded %x, want %x (%v)", c.name, again, b, err)
		}
	}
}

// A hand-written encoding: the keys in canonical order (length, then
// bytes).
func TestEncodingExample(t *testing.T) {
	b := MustEncode(&Invite{Village: vid(), Invitee: pk(0x23)})
	want := "a3" + "6474797065" + "6e76696c6c6167652e696e76697465" + // "type": "village.invite"
		"67696e7669746565" + "5820" + strings.Repeat("23", 32) + // "invitee"
		"6776696c6c616765" + "5820" + strings.Repeat("11", 32) // "village"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

type rejectCase struct {
	name string
	b    []byte
	want string
}

// mapOf encodes pairs in the order given (so tests can break the order).
func mapOf(pairs ...any) []byte {
	b := []byte{0xa0 | byte(len(pairs)/2)}
	for i, x := range pairs {
		switch v := x.(type) {
		case string:
			b = cborwire.AppendText(b, v)
		case []byte:
			if i%2 == 0 {
				panic("key")
			}
			b = append(b, v...)
		case int:
			b = cborwire.AppendUint(b, uint64(v))
		}
	}
	return b
}

func bs(b []byte) []byte { return cborwire.AppendBytes(nil, b) }

func rejectCases() []rejectCase {
	v := bs(vidB())
	z := bs(make([]byte, 32))
	s := stranger(0x31)
	return []rejectCase{
		{"empty", nil, "not a CBOR map"},
		{"not village", mapOf("text", "hi", "type", "post"), `village: post: not a village payload type`},
		{"unknown key", mapOf("type", "village.join", "extra", 1, "village", v), `field "extra": byte 19: unknown key`},
		{"order", mapOf("village", v, "type", "village.join"), `field "type": byte 43: key out of canonical order or repeated`},
		{"repeat", mapOf("type", "village.join", "village", v, "village", v), `field "village": byte 61: key out of canonical order or repeated`},
		{"missing", mapOf("type", "village.join"), `field "village": required key missing`},
		{"zero village", mapOf("type", "village.join", "village", z), `field "village": byte 27: an all-zero id is never valid`},
		{"short village", mapOf("type", "village.join", "village", bs(make([]byte, 31))), `field "village": byte 27: 31 bytes, want 32..32`},
		{"trailing", append(mapOf("type", "village.join", "village", v), 0), `byte 61: 1 trailing bytes after the payload map`},
		{"one founder", mapOf("name", "x", "type", "village.found", "admit", "majority", "exclude", "majority", "version", 2, "founders", append([]byte{0x81}, bs(pkB(1))...)), `field "founders": byte 77: 1 elements, want 2..64`},
		{"version 1 found", mapOf("name", "x", "type", "village.found", "admit", "majority", "exclude", "majority", "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...)), `field "version": required key missing: a village of version 1, whose locals are devices`},
		{"version 3 found", mapOf("name", "x", "type", "village.found", "admit", "majority", "exclude", "majority", "version", 3, "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...)), `field "version": byte 67: version 3; this implementation reads villages of version 2`},
		{"request without cert", mapOf("text", "hi", "type", "village.request", "user", bs(pkB(2)), "village", v), `field "cert": required key missing`},
		{"request cert not an array", mapOf("cert", bs(pkB(1)), "text", "hi", "type", "village.request", "user", bs(pkB(2)), "village", v), `field "cert": byte 6: want array, got byte string`},
		{"unsorted founders", mapOf("name", "x", "type", "village.found", "admit", "majority", "exclude", "majority", "version", 2, "founders", append(append([]byte{0x82}, bs(pkB(2))...), bs(pkB(1))...)), `founders[1] is not after founders[0]`},
		{"method", mapOf("name", "x", "type", "village.found", "admit", "dictator", "exclude", "majority", "version", 2, "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...)), `field "admit": unknown consensus method "dictator"`},
		{"found bad expression", mapOf("name", "x", "type", "village.found", "admit", "cel", "exclude", "majority", "version", 2, "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...), "admit_expr", "endorsers > 2"), `field "admit": the expression does not compile: ERROR: <input>:1:1: undeclared reference to 'endorsers'`},
		{"found cel without expression", mapOf("name", "x", "type", "village.found", "admit", "cel", "exclude", "majority", "version", 2, "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...)), `field "admit": the cel method needs an expression`},
		{"found majority with params", mapOf("name", "x", "type", "village.found", "admit", "majority", "exclude", "majority", "version", 2, "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...), "exclude_params", []byte{0x81, 0x01}), `field "exclude": method majority takes 0 parameters, got 1`},
		{"found qualified 3/2", mapOf("name", "x", "type", "village.found", "admit", "qualified", "exclude", "majority", "version", 2, "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...), "admit_params", []byte{0x82, 0x03, 0x02}), `field "admit": a qualified majority is [numerator, denominator] with 0 < numerator ≤ denominator, got [3 2]`},
		{"position both", mapOf("type", "village.position", "reason", "", "invitee", v, "village", v, "position", 0, "proposal", v), `field "invitee": name either an invitee or a proposal, not both and not neither`},
		{"position block without reason", mapOf("type", "village.position", "reason", "", "invitee", v, "village", v, "position", 3), `field "reason": a block needs a reason`},
		{"position 4", mapOf("type", "village.position", "reason", "", "invitee", v, "village", v, "position", 4), `field "position": byte 124: 4 exceeds the limit 3`},
		{"vote 3", mapOf("type", "village.vote", "vote", 3, "village", v, "stranger", bs(sB(s))), `field "vote": byte 24: 3 exceeds the limit 2`},
		{"accept without proof", mapOf("type", "village.vote", "vote", 2, "village", v, "stranger", bs(sB(s))), `field "proof": required with vote 2 (accept)`},
		{"veto with proof", mapOf("type", "village.vote", "vote", 1, "proof", bs(pkB(9)), "village", v, "stranger", bs(sB(s))), `field "proof": only allowed with vote 2 (accept)`},
		{"stranger zero half", mapOf("type", "village.vote", "vote", 1, "village", v, "stranger", bs(make([]byte, 64))), `field "stranger": byte 76: neither half`},
		{"mode", mapOf("mode", "lazy", "name", "", "type", "village.userspec", "about", "", "village", v), `field "mode": unknown mode "lazy"`},
		{"big map head", append([]byte{0xb8, 0x02}, mapOf("type", "village.join", "village", v)[1:]...), `byte 0: want a map of at most 10 pairs`},
		{"non-shortest", mapOf("type", "village.exclude_vote", "vote", []byte{0x18, 0x01}, "village", v, "proposal", v), `field "vote": byte 32: 1 is not in its shortest encoding`},
		{"bad utf8", mapOf("type", "village.exclude", "reason", []byte{0x61, 0xff}, "subject", v, "village", v), `field "reason": byte 29: text is not valid UTF-8`},
		{"seen an array", mapOf("seen", append(append([]byte{0x82}, seenEnc(2)...), seenEnc(1)...), "type", "village.state", "locals", v, "village", v, "strangers", v, "locals_state", v, "strangers_state", v), `field "seen": byte 6: want byte string, got array (0x82)`},
		{"seen zero", mapOf("seen", bs(make([]byte, 32)), "type", "village.state", "locals", v, "village", v, "strangers", v, "locals_state", v, "strangers_state", v), `field "seen": byte 6: an all-zero id is never valid`},
		{"refs empty", mapOf("refs", []byte{0x80}, "type", "village.join", "village", v), `field "refs": byte 6: 0 elements, want 1..64`},
		{"refs unsorted", mapOf("refs", append(append([]byte{0x82}, bs(pkB(2))...), bs(pkB(1))...), "type", "village.join", "village", v), `refs[1] is not after refs[0]`},
		{"refs repeated", mapOf("refs", append(append([]byte{0x82}, bs(pkB(2))...), bs(pkB(2))...), "type", "village.leave", "village", v), `refs[1] is not after refs[0]`},
		{"refs zero", mapOf("refs", append([]byte{0x81}, z...), "type", "village.join", "village", v), `field "refs[0]": byte 7: an all-zero id is never valid`},
		{"refs 65", mapOf("refs", refsEnc(65), "type", "village.join", "village", v), `field "refs": byte 6: 65 elements, want 1..64`},
		{"refs on found", mapOf("name", "x", "refs", append([]byte{0x81}, bs(pkB(1))...), "type", "village.found", "admit", "majority", "exclude", "majority", "version", 2, "founders", append(append([]byte{0x82}, bs(pkB(1))...), bs(pkB(2))...)), `field "refs": byte 8: unknown key`},
	}
}

// refsEnc is an array of n ascending ids.
func refsEnc(n int) []byte {
	x := cborwire.AppendArray(nil, n)
	for i := range n {
		id := make([]byte, 32)
		id[0], id[1] = 1, byte(i)
		x = cborwire.AppendBytes(x, id)
	}
	return x
}

func seenEnc(b byte) []byte { return seenEncSeq(b, 1) }
func seenEncSeq(b byte, seq uint64) []byte {
	x := cborwire.AppendArray(nil, 3)
	x = cborwire.AppendBytes(x, pkB(b))
	x = cborwire.AppendUint(x, seq)
	return cborwire.AppendBytes(x, pkB(b+0x40))
}

func TestDecodeRejects(t *testing.T) {
	for _, c := range rejectCases() {
		_, err := Decode(c.b)
		if err == nil {
			t.Errorf("%s: accepted %x", c.name, c.b)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %T %v", c.name, err, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestEncodeChecks(t *testing.T) {
	for _, p := range []Payload{
		&Found{Name: "", Admit: Majority, Exclude: Majority, Founders: []identity.PublicKey{pk(1), pk(2)}},
		&Found{Name: "x", Admit: Majority, Exclude: Majority, Founders: []identity.PublicKey{pk(1)}},
		&Userspec{Village: vid(), Mode: "x"},
		&Vote{Village: vid(), Stranger: stranger(1), Vote: VoteAccept},
		&Strangerspec{Village: vid(), Stranger: stranger(1), Text: strings.Repeat("x", MaxNoteLen+1)},
		&Exclude{Village: vid()},
		&StatePayload{Village: vid()},
		&Join{Village: vid(), Causal: Causal{Refs: []entry.ID{}}},
		&Join{Village: vid(), Causal: Causal{Refs: []entry.ID{entry.ID(pk(2)), entry.ID(pk(1))}}},
		&Leave{Village: vid(), Causal: Causal{Refs: []entry.ID{{}}}},
		nil,
	} {
		if b, err := Encode(p); err == nil {
			t.Errorf("Encode(%#v) = %x, want an error", p, b)
		}
	}
}

// Every limit: at the limit accepted, one over refused.
func TestLimits(t *testing.T) {
	at := &Strangerspec{Village: vid(), Stranger: stranger(1), Text: strings.Repeat("x", MaxNoteLen)}
	if _, err := Decode(MustEncode(at)); err != nil {
		t.Fatal(err)
	}
	over := mapOf("text", strings.Repeat("x", MaxNoteLen+1), "type", "village.strangerspec", "village", bs(vidB()), "stranger", bs(sB(stranger(1))))
	if _, err := Decode(over); err == nil || !strings.Contains(err.Error(), "4001 bytes, want 0..4000") {
		t.Fatalf("over: %v", err)
	}
	// A state names any number of logs: its payload holds the seen
	// list's content address, whatever the list's length.
	seen := make([]Seen, 5000)
	for i := range seen {
		var a identity.PublicKey
		a[0], a[1] = byte(i>>8)+1, byte(i)
		seen[i] = Seen{a, 1 << 40, entry.ID(pk(9))}
	}
	id, err := SeenID(seen)
	if err != nil {
		t.Fatal(err)
	}
	st := &StatePayload{Village: vid(), Components: Components{Locals: proof(4), LocalsState: proof(5), Strangers: proof(6), StrangersState: proof(7)}, SeenList: id, Seen: seen}
	b, err := Encode(st)
	if err != nil || len(b) > 400 {
		t.Fatalf("state naming %d logs: %d bytes, %v", len(seen), len(b), err)
	}
	got, err := Decode(b)
	if err != nil || got.(*StatePayload).SeenList != id || got.(*StatePayload).Seen != nil {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	// The largest state: MaxRefs references (the seen list travels apart).
	refs := make([]entry.ID, MaxRefs)
	for i := range refs {
		refs[i][0], refs[i][1] = 1, byte(i)
	}
	if err := SetRefs(st, refs); err != nil {
		t.Fatal(err)
	}
	b, err = Encode(st)
	if err != nil || len(b) > MaxPayloadSize {
		t.Fatalf("state with %d refs: %d bytes, %v", MaxRefs, len(b), err)
	}
	if p, err := Decode(b); err != nil || len(RefsOf(p)) != MaxRefs {
		t.Fatalf("decode: %v", err)
	}
	if err := SetRefs(st, append(refs, entry.ID(pk(9)))); err == nil {
		t.Fatal("SetRefs took 65 references")
	}
	if err := SetRefs(&Found{}, refs[:1]); err == nil {
		t.Fatal("SetRefs set references on a found payload")
	}
	// The list given must be the one the payload names.
	st.Seen = seen[1:]
	if _, err := Encode(st); err == nil || !strings.Contains(err.Error(), "not that of the list given") {
		t.Fatalf("a state with another list: %v", err)
	}
}

func TestNotVillage(t *testing.T) {
	_, err := Decode(mapOf("text", "hi", "type", "post"))
	if !errors.Is(err, ErrNotVillage) {
		t.Fatalf("%v does not wrap ErrNotVillage", err)
	}
}

func vidB() []byte           { v := vid(); return v[:] }
func pkB(b byte) []byte      { k := pk(b); return k[:] }
func sB(s StrangerID) []byte { return s[:] }
