package message

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// goodBodies are valid messages and their exact bytes (messages.md §3).
func goodBodies() []struct {
	name string
	m    *Message
	hex  string
} {
	ab := strings.Repeat("ab", 32)
	return []struct {
		name string
		m    *Message
		hex  string
	}{
		{"empty text", &Message{}, "a1" + "6474657874" + "60"},
		{"reply (the example of §3)", &Message{Text: "yes", ReplyTo: entry.ID(bytes.Repeat([]byte{0xab}, 32))},
			"a2" + "6474657874" + "63796573" + "657265706c79" + "5820" + ab},
		{"refs and reply", &Message{Text: "ok", Refs: []entry.ID{eid(1), eid(2)}, ReplyTo: eid(3)},
			"a3" + "6472656673" + "82" + "5820" + hx(eid(1)) + "5820" + hx(eid(2)) +
				"6474657874" + "626f6b" + "657265706c79" + "5820" + hx(eid(3))},
		{"start", &Message{Text: "hi", Subject: "s", Participants: []identity.PublicKey{acct(1)}},
			"a3" + "6474657874" + "626869" + "677375626a656374" + "6173" + "6c7061727469636970616e7473" + "81" + "5820" + hx(acct(1))},
	}
}

func TestBodyRoundTrip(t *testing.T) {
	for _, c := range goodBodies() {
		b, err := EncodeBody(c.m)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if hex.EncodeToString(b) != c.hex {
			t.Errorf("%s: encodes to %x\nwant %s", c.name, b, c.hex)
		}
		m, err := DecodeBody(b)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		again, _ := EncodeBody(m)
		if !bytes.Equal(again, b) {
			t.Errorf("%s: decodes to %+v, which re-encodes to %x", c.name, m, again)
		}
	}
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// badBodies are bodies a decoder refuses, with the exact error.
func badBodies() []struct {
	name string
	in   []byte
	want string
} {
	id1, id2 := hx(eid(1)), hx(eid(2))
	zero := strings.Repeat("00", 32)
	return []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, `message: byte 0: the body is empty`},
		{"array", unhex("81 60"), `message: byte 0: want a map of 1 to 5 pairs, got 0x81`},
		{"empty map", unhex("a0"), `message: byte 0: want a map of 1 to 5 pairs, got 0xa0`},
		{"six pairs", unhex("a6"), `message: byte 0: want a map of 1 to 5 pairs, got 0xa6`},
		{"two-byte map head", unhex("b801 6474657874 60"), `message: byte 0: want a map of 1 to 5 pairs, got 0xb8`},
		{"no text", unhex("a1 657265706c79 5820" + id1), `message: field "text": required key missing`},
		{"unknown key", unhex("a2 6474657874 60 64746f706b 60"), `message: field "topk": byte 7: unknown key (a message body carries exactly the keys messages.md lists)`},
		{"keys out of order", unhex("a2 657265706c79 5820" + id1 + " 6474657874 60"), `message: field "text": byte 41: key out of canonical order or repeated`},
		{"text twice", unhex("a2 6474657874 60 6474657874 60"), `message: field "text": byte 7: key out of canonical order or repeated`},
		{"text not a string", unhex("a1 6474657874 00"), `message: field "text": byte 6: want text string, got unsigned integer (0x00)`},
		{"text not UTF-8", unhex("a1 6474657874 61ff"), `message: field "text": byte 6: text is not valid UTF-8`},
		{"text not shortest", unhex("a1 6474657874 7800"), `message: field "text": byte 6: 0 is not in its shortest encoding`},
		{"reply 31 bytes", unhex("a2 6474657874 60 657265706c79 581f" + id1[:62]), `message: field "reply": byte 13: 31 bytes, want 32..32`},
		{"reply zero", unhex("a2 6474657874 60 657265706c79 5820" + zero), `message: field "reply": byte 13: an all-zero id is never valid`},
		{"refs empty", unhex("a2 6472656673 80 6474657874 60"), `message: field "refs": byte 6: 0 elements, want 1..64`},
		{"refs not increasing", unhex("a2 6472656673 82 5820" + id2 + " 5820" + id1 + " 6474657874 60"), `message: field "refs": byte 41: refs[1] is not greater than the one before`},
		{"refs repeated", unhex("a2 6472656673 82 5820" + id1 + " 5820" + id1 + " 6474657874 60"), `message: field "refs": byte 41: refs[1] is not greater than the one before`},
		{"subject empty", unhex("a3 6474657874 60 677375626a656374 60 6c7061727469636970616e7473 81 5820" + id1), `message: field "subject": byte 15: 0 bytes, want 1..200`},
		{"subject alone", unhex("a2 6474657874 60 677375626a656374 6173"), `message: field "subject": only the start message has a subject`},
		{"start with reply", unhex("a3 6474657874 60 657265706c79 5820" + id1 + " 6c7061727469636970616e7473 81 5820" + id2), `message: field "participants": the start message answers nothing (no reply, no refs)`},
		{"participants empty", unhex("a2 6474657874 60 6c7061727469636970616e7473 80"), `message: field "participants": byte 20: 0 elements, want 1..256`},
		{"trailing byte", unhex("a1 6474657874 60 00"), `message: byte 7: 1 trailing bytes after the payload map`},
		{"truncated", unhex("a1 6474657874 62 68"), `message: field "text": byte 6: text string of 2 bytes goes past the end of the payload`},
		{"indefinite text", unhex("a1 6474657874 7f"), `message: field "text": byte 6: indefinite length or reserved value 0x7f`},
	}
}

func TestBodyRefused(t *testing.T) {
	for _, c := range badBodies() {
		_, err := DecodeBody(c.in)
		if err == nil || err.Error() != c.want || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v\nwant %s", c.name, err, c.want)
		}
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: not a *FieldError", c.name)
		}
	}
}

// EncodeBody refuses what DecodeBody would refuse.
func TestEncodeBodyRefuses(t *testing.T) {
	for name, m := range map[string]*Message{
		"text too long":      {Text: strings.Repeat("a", MaxText+1)},
		"text not UTF-8":     {Text: "\xff"},
		"refs unsorted":      {Text: "", Refs: []entry.ID{eid(2), eid(1)}},
		"ref zero":           {Refs: []entry.ID{{}}},
		"too many refs":      {Refs: make([]entry.ID, MaxRefs+1)},
		"participant zero":   {Participants: []identity.PublicKey{{}}},
		"start with refs":    {Refs: []entry.ID{eid(1)}, Participants: []identity.PublicKey{acct(1)}},
		"subject too long":   {Subject: strings.Repeat("s", MaxSubject+1), Participants: []identity.PublicKey{acct(1)}},
		"participants twice": {Participants: []identity.PublicKey{acct(1), acct(1)}},
	} {
		if _, err := EncodeBody(m); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func hx[T ~[32]byte](v T) string { return hex.EncodeToString(v[:]) }
