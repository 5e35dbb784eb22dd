package content

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// typedCases are payloads that encode and decode back to themselves.
func typedCases() []struct {
	name string
	p    Payload
} {
	return []struct {
		name string
		p    Payload
	}{
		{"profile/minimal", &Profile{}},
		{"profile/full", &Profile{Name: "Ada", About: "Counts things. ☀", Image: bid("avatar")}},
		{"profile/name-emoji-sequence", &Profile{Name: "Ana \U0001F469\u200d\U0001F4BB", About: "A right-to-left mark in free text is kept: \u05e9\u05dc\u05d5\u05dd\u200f!"}},
		{"profile/name-zwnj-persian", &Profile{Name: "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"}},
		{"profile/name-keycap", &Profile{Name: "Team 1\ufe0f\u20e3"}},
		{"post/minimal", &Post{Text: "hello, kith"}},
		{"post/empty-text-images", &Post{Images: []blob.ID{bid("a")}}},
		{"post/reply", &Post{Text: "me too", ReplyTo: eid("parent")}},
		{"post/reply-in-thread", &Post{Text: "nice", Images: []blob.ID{bid("a"), bid("b")}, ReplyTo: eid("parent"), Root: eid("root")}},
		{"follow/follow", &Follow{Account: acc("bob"), Following: true}},
		{"follow/unfollow", &Follow{Account: acc("bob")}},
		{"block/block", &Block{Account: acc("mallory"), Blocking: true}},
		{"block/unblock", &Block{Account: acc("mallory")}},
		{"delete", &Delete{Target: eid("oops")}},
		{"device.add/named", &DeviceAdd{Account: acc("ada"), Device: identity.DeviceID(acc("laptop")), Name: "laptop", DeviceSig: [64]byte{1, 2, 3}}},
		{"device.add/unnamed", &DeviceAdd{Account: acc("ada"), Device: identity.DeviceID(acc("phone"))}},
		{"device.add/paired", &DeviceAdd{Account: acc("ada"), Device: identity.DeviceID(acc("watch")), Name: "watch", Paired: true}},
		{"device.revoke/reason", &DeviceRevoke{Device: identity.DeviceID(acc("laptop")), Reason: "stolen"}},
		{"device.revoke/bare", &DeviceRevoke{Device: identity.DeviceID(acc("laptop"))}},
		{"device.revoke/keep", withKeep(&DeviceRevoke{Device: identity.DeviceID(acc("laptop"))}, sortedIDs(eid("public head"), eid("village head"))...)},
		{"device.custody/held", &Custody{AccountKey: true}},
		{"device.custody/removed", &Custody{}},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range typedCases() {
		t.Run(c.name, func(t *testing.T) {
			b, err := Encode(c.p)
			if err != nil {
				t.Fatal(err)
			}
			got, extra, err := decode(b)
			if err != nil {
				t.Fatalf("decode %x: %v", b, err)
			}
			if extra != 0 {
				t.Fatalf("extra keys %d", extra)
			}
			if !reflect.DeepEqual(got, c.p) {
				t.Fatalf("round trip\n got: %#v\nwant: %#v", got, c.p)
			}
			again, err := Encode(got)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-encode: %x, %v; want %x", again, err, b)
			}
			if typ, err := PeekType(b); err != nil || typ != c.p.Type() {
				t.Fatalf("PeekType = %q, %v", typ, err)
			}
			if _, err := json.Marshal(ToJSON(got)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEncodeNormalises(t *testing.T) {
	// root equal to reply_to is omitted; empty images too.
	p := &Post{Text: "x", ReplyTo: eid("p"), Root: eid("p"), Images: []blob.ID{}}
	b, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Encode(&Post{Text: "x", ReplyTo: eid("p")})
	if !bytes.Equal(b, want) {
		t.Fatalf("got %x want %x", b, want)
	}
	got, _ := Decode(b)
	if r := got.(*Post).ThreadRoot(); r != eid("p") {
		t.Fatalf("ThreadRoot = %v", r)
	}
	if r := (&Post{}).ThreadRoot(); !r.IsZero() {
		t.Fatalf("ThreadRoot of a top-level post = %v", r)
	}
	if r := (&Post{ReplyTo: eid("p"), Root: eid("r")}).ThreadRoot(); r != eid("r") {
		t.Fatalf("ThreadRoot = %v", r)
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		p    Payload
		want string
	}{
		{nil, "payload: nil payload"},
		{(*Post)(nil), "post: nil payload"},
		{&Unknown{TypeName: "village.found"}, `payload: field type: type "village.found" is not known to this version and cannot be encoded; pass its Raw bytes on instead`},
		{&Follow{Following: true}, "follow: field account: missing (all zero)"},
		{&Delete{}, "delete: field target: missing (all zero)"},
		{&Post{Root: eid("r")}, "post: field root: set without reply_to"},
		{&Post{Images: []blob.ID{bid("a"), {}}}, "post: field images: element 1: all-zero id is not allowed"},
		{&Post{Text: "\xff"}, "post: field text: not valid UTF-8"},
		{&DeviceAdd{Account: acc("a"), Device: identity.DeviceID(acc("a"))}, "device.add: field device: equals the account key; a device needs a key of its own"},
		{&DeviceAdd{Account: acc("a")}, "device.add: field device: missing (all zero)"},
		{&DeviceRevoke{}, "device.revoke: field device: missing (all zero)"},
		{withKeep(&DeviceRevoke{Device: identity.DeviceID(acc("a"))}, eid("x"), entry.ID{}), "device.revoke: field keep: element 1: all-zero id is not allowed"},
		{withKeep(&DeviceRevoke{Device: identity.DeviceID(acc("a"))}, eid("x"), eid("x")), "device.revoke: field keep: element 1 is not after element 0: the list is sorted ascending without repeats"},
		{&DeviceRevoke{Device: identity.DeviceID(acc("a")), Keep: sortedIDs(eid("x"), eid("y"))}, "device.revoke: field keep_at: 0 elements for 2 kept heads: it gives the log and seq of each element of keep, in the same order"},
		{&DeviceRevoke{Device: identity.DeviceID(acc("a")), Keep: []entry.ID{eid("x")}, KeepAt: []KeptAt{{Seq: 0}}}, "device.revoke: field keep_at: element 0: seq 0; seqs start at 1"},
		{&DeviceRevoke{Device: identity.DeviceID(acc("a")), Keep: sortedIDs(eid("x"), eid("y")), KeepAt: []KeptAt{{Seq: 3}, {Seq: 5}}}, "device.revoke: field keep_at: element 1 names the log of element 0 again: one kept head per log"},
		{&DeviceRevoke{Device: identity.DeviceID(acc("a")), KeepAt: []KeptAt{{Seq: 3}}}, "device.revoke: field keep_at: 1 elements for 0 kept heads: it gives the log and seq of each element of keep, in the same order"},
	}
	for _, c := range cases {
		_, err := Encode(c.p)
		wantErr(t, err, c.want)
	}
	if _, err := Encode(&Unknown{TypeName: "x"}); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("Unknown: %v", err)
	}
}

// limitCase is one limit probed at its edge: at passes, over fails with want.
type limitCase struct {
	name     string
	at, over func(t testing.TB) []byte
	want     string
}

func unknownWith(t testing.TB, v any) []byte {
	return cborOf(t, map[string]any{"type": "x", "a": v})
}

func nested(n int) any {
	var v any = uint64(0)
	for i := 0; i < n; i++ {
		v = []any{v}
	}
	return v
}

func zeros(n int) []any {
	a := make([]any, n)
	for i := range a {
		a[i] = uint64(0)
	}
	return a
}

func intMap(n int) map[any]any {
	m := make(map[any]any, n)
	for i := 0; i < n; i++ {
		m[uint64(i)] = true
	}
	return m
}

// sized returns an unknown-type payload of exactly n bytes.
func sized(t testing.TB, n int) []byte {
	base := len(unknownWith(t, []byte{}))
	pad := n - base
	// a byte string of length >= 256 has a 3-byte head, 24..255 a 2-byte head
	pad -= 2
	b := unknownWith(t, make([]byte, pad))
	if len(b) != n {
		t.Fatalf("sized(%d) made %d bytes", n, len(b))
	}
	return b
}

// marshalled encodes p without the limit checks, so over-limit values can be
// fed to Decode.
func marshalled(p Payload) func(t testing.TB) []byte {
	return func(t testing.TB) []byte {
		b, err := marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func raw(f func(t testing.TB) []byte) func(t testing.TB) []byte { return f }

func images(n int) []blob.ID {
	out := make([]blob.ID, n)
	for i := range out {
		out[i] = bid(strings.Repeat("i", i+1))
	}
	return out
}

// keepIDs returns n distinct entry ids, sorted.
func keepIDs(n int) []entry.ID {
	out := make([]entry.ID, n)
	for i := range out {
		out[i] = eid(strings.Repeat("k", i+1))
	}
	return sortedIDs(out...)
}

// withKeep sets the kept heads of r to ids, in order, the i-th at seq i+1
// of a log of its own.
func withKeep(r *DeviceRevoke, ids ...entry.ID) *DeviceRevoke {
	r.Keep = ids
	r.KeepAt = make([]KeptAt, len(ids))
	for i := range ids {
		r.KeepAt[i] = KeptAt{LogID: entry.LogID{0: byte(i), 1: byte(i >> 8), 31: 1}, Seq: uint64(i + 1)}
	}
	return r
}

// sortedIDs returns ids sorted ascending.
func sortedIDs(ids ...entry.ID) []entry.ID {
	slices.SortFunc(ids, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

func limitCases() []limitCase {
	dev := identity.DeviceID(acc("dev"))
	s := strings.Repeat
	return []limitCase{
		{"profile name", marshalled(&Profile{Name: s("n", 100)}), marshalled(&Profile{Name: s("n", 101)}),
			"profile: field name: 101 bytes exceeds the limit of 100"},
		{"profile name multibyte", marshalled(&Profile{Name: s("é", 50)}), marshalled(&Profile{Name: s("é", 50) + "a"}),
			"profile: field name: 101 bytes exceeds the limit of 100"},
		{"profile about", marshalled(&Profile{About: s("a", 2000)}), marshalled(&Profile{About: s("a", 2001)}),
			"profile: field about: 2001 bytes exceeds the limit of 2000"},
		{"post text", marshalled(&Post{Text: s("t", 10000)}), marshalled(&Post{Text: s("t", 10001)}),
			"post: field text: 10001 bytes exceeds the limit of 10000"},
		{"post images", marshalled(&Post{Images: images(16)}), marshalled(&Post{Images: images(17)}),
			"post: field images: 17 elements exceed the limit of 16"},
		{"device.add name", marshalled(&DeviceAdd{Account: acc("a"), Device: dev, Name: s("d", 100)}), marshalled(&DeviceAdd{Account: acc("a"), Device: dev, Name: s("d", 101)}),
			"device.add: field name: 101 bytes exceeds the limit of 100"},
		{"device.revoke keep", marshalled(withKeep(&DeviceRevoke{Device: dev, Reason: s("r", 1000)}, keepIDs(200)...)), marshalled(withKeep(&DeviceRevoke{Device: dev}, keepIDs(201)...)),
			"device.revoke: field keep: 201 elements exceed the limit of 200"},
		{"device.revoke reason", marshalled(&DeviceRevoke{Device: dev, Reason: s("r", 1000)}), marshalled(&DeviceRevoke{Device: dev, Reason: s("r", 1001)}),
			"device.revoke: field reason: 1001 bytes exceeds the limit of 1000"},
		{"payload size", raw(func(t testing.TB) []byte { return sized(t, 16384) }), raw(func(t testing.TB) []byte { return sized(t, 16385) }),
			"payload: 16385 bytes exceeds the limit of 16384"},
		{"nesting depth", raw(func(t testing.TB) []byte { return unknownWith(t, nested(15)) }), raw(func(t testing.TB) []byte { return unknownWith(t, nested(16)) }),
			"x: invalid encoding: array at byte 18 is nested deeper than 16 levels"},
		{"array length", raw(func(t testing.TB) []byte { return unknownWith(t, zeros(4096)) }), raw(func(t testing.TB) []byte { return unknownWith(t, zeros(4097)) }),
			"x: invalid encoding: array at byte 3 has 4097 elements, more than the limit of 4096"},
		{"map pairs", raw(func(t testing.TB) []byte { return unknownWith(t, intMap(4096)) }), raw(func(t testing.TB) []byte { return unknownWith(t, intMap(4097)) }),
			"x: invalid encoding: map at byte 3 has 4097 pairs, more than the limit of 4096"},
		{"type name", raw(func(t testing.TB) []byte { return cborOf(t, map[string]any{"type": "t" + s("a", 63)}) }), raw(func(t testing.TB) []byte { return cborOf(t, map[string]any{"type": "t" + s("a", 64)}) }),
			`payload: field type: "t` + s("a", 63) + `…" is not a valid type name (1 to 64 bytes of a-z, 0-9, '.', '_', '-', starting with a letter)`},
	}
}

func TestLimits(t *testing.T) {
	for _, c := range limitCases() {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Decode(c.at(t)); err != nil {
				t.Fatalf("at the limit: %v", err)
			}
			_, err := Decode(c.over(t))
			wantErr(t, err, c.want)
		})
	}
	// Encode enforces the same field limits with the same messages.
	_, err := Encode(&Post{Text: strings.Repeat("t", 10001)})
	wantErr(t, err, "post: field text: 10001 bytes exceeds the limit of 10000")
	_, err = Encode(&Post{Images: images(17)})
	wantErr(t, err, "post: field images: 17 elements exceed the limit of 16")
	_, err = Encode(&Profile{About: strings.Repeat("a", 2001)})
	wantErr(t, err, "profile: field about: 2001 bytes exceeds the limit of 2000")
	if _, err := Encode(&Post{Text: strings.Repeat("t", 10000), Images: images(16), ReplyTo: eid("a"), Root: eid("b")}); err != nil {
		t.Fatalf("largest post: %v", err)
	}
}

// rejectCase is a payload Decode must refuse, with its exact message.
type rejectCase struct {
	name string
	hex  string
	want string
	not  bool // the error wraps ErrNotCBORMap
}

func rejectCases() []rejectCase {
	post := "a2" + hText + hEmpty + hType + hPost // {"text": "", "type": "post"}
	return []rejectCase{
		{"empty", "", `payload: not a CBOR map with a text "type": empty`, true},
		{"not a map", "80", `payload: not a CBOR map with a text "type": starts with CBOR major type 4 (array), not a map`, true},
		{"text not a map", "6474797065", `payload: not a CBOR map with a text "type": starts with CBOR major type 3 (text string), not a map`, true},
		{"missing type", "a1" + hText + hEmpty, `payload: not a CBOR map with a text "type": no "type" key`, true},
		{"type not text", "a1" + hType + "01", `payload: not a CBOR map with a text "type": the "type" value is an unsigned integer, not a text string`, true},
		{"type is bytes", "a1" + hType + "44706f7374", `payload: not a CBOR map with a text "type": the "type" value is a byte string, not a text string`, true},
		{"type is null", "a1" + hType + "f6", `payload: not a CBOR map with a text "type": the "type" value is null, not a text string`, true},
		{"truncated key", "a2" + hText, `payload: not a CBOR map with a text "type": truncated at byte 6`, true},
		{"bad type name", "a1" + hType + "64506f7374", `payload: field type: "Post" is not a valid type name (1 to 64 bytes of a-z, 0-9, '.', '_', '-', starting with a letter)`, false},
		{"empty type name", "a1" + hType + "60", `payload: field type: "" is not a valid type name (1 to 64 bytes of a-z, 0-9, '.', '_', '-', starting with a letter)`, false},
		{"trailing bytes", post + "00", "post: invalid encoding: trailing bytes after the payload map, from byte 17 of 18", false},
		{"two maps", post + post, "post: invalid encoding: trailing bytes after the payload map, from byte 17 of 34", false},
		{"duplicate key", "a3" + hText + hEmpty + hText + hEmpty + hType + hPost, `post: invalid encoding: duplicate map key "text" at byte 7`, false},
		{"duplicate type", "a2" + hType + hPost + hType + hPost, `post: invalid encoding: duplicate map key "type" at byte 11`, false},
		{"keys out of order", "a2" + hType + hPost + hText + hEmpty, `post: invalid encoding: map key "text" at byte 11 is out of order (keys are sorted by their encoded bytes)`, false},
		{"length-first order", "a2" + hType + hX + hA + "00", `x: invalid encoding: map key "a" at byte 8 is out of order (keys are sorted by their encoded bytes)`, false},
		{"non-canonical int", "a2" + hN + "1801" + hType + hX, "x: invalid encoding: integer at byte 3 is not in its shortest form", false},
		{"non-canonical int 64", "a2" + hN + "1b00000000ffffffff" + hType + hX, "x: invalid encoding: integer at byte 3 is not in its shortest form", false},
		{"non-canonical negative", "a2" + hN + "3800" + hType + hX, "x: invalid encoding: integer at byte 3 is not in its shortest form", false},
		{"non-canonical text length", "a2" + hText + "7800" + hType + hPost, "post: invalid encoding: text string length at byte 6 is not in its shortest form", false},
		{"non-canonical map length", "b90002" + hText + hEmpty + hType + hPost, "post: invalid encoding: map length at byte 0 is not in its shortest form", false},
		{"indefinite map", "bf" + hText + hEmpty + hType + hPost + "ff", "post: invalid encoding: indefinite-length map at byte 0 is not allowed", false},
		{"indefinite text", "a2" + hText + "7f6161ff" + hType + hPost, "post: invalid encoding: indefinite-length text string at byte 6 is not allowed", false},
		{"short key after long", "a2" + hType + hX + "6178" + "9fff", `x: invalid encoding: map key "x" at byte 8 is out of order (keys are sorted by their encoded bytes)`, false},
		{"indefinite array value", "a2" + hA + "9fff" + hType + hX, "x: invalid encoding: indefinite-length array at byte 3 is not allowed", false},
		{"float", "a2" + hA + "f93c00" + hType + hX, "x: invalid encoding: floating-point number at byte 3 is not allowed", false},
		{"float64", "a2" + hA + "fb3ff0000000000000" + hType + hX, "x: invalid encoding: floating-point number at byte 3 is not allowed", false},
		{"tag", "a2" + hA + "c100" + hType + hX, "x: invalid encoding: tag at byte 3 is not allowed", false},
		{"undefined", "a2" + hA + "f7" + hType + hX, "x: invalid encoding: undefined (0xf7) at byte 3 is not allowed", false},
		{"simple value", "a2" + hA + "f0" + hType + hX, "x: invalid encoding: simple value at byte 3 is not allowed (only false, true and null)", false},
		{"simple value 2-byte", "a2" + hA + "f820" + hType + hX, "x: invalid encoding: simple value at byte 3 is not allowed (only false, true and null)", false},
		{"break outside", "a2" + hA + "ff" + hType + hX, `payload: not a CBOR map with a text "type": malformed initial byte 0xff at byte 3`, true},
		{"reserved ai", "a2" + hA + "1c" + hType + hX, `payload: not a CBOR map with a text "type": malformed initial byte 0x1c at byte 3`, true},
		{"invalid utf-8 text", "a2" + hText + "61ff" + hType + hPost, "post: invalid encoding: text string at byte 6 is not valid UTF-8", false},
		{"revoke keep without keep_at", "a3646b656570815820222222222222222222222222222222222222222222222222222222222222222264747970656d6465766963652e7265766f6b656664657669636558201111111111111111111111111111111111111111111111111111111111111111", "device.revoke: field keep_at: 0 elements for 1 kept heads: it gives the log and seq of each element of keep, in the same order", false},
		{"revoke keep_at of 32 bytes", "a4646b656570815820222222222222222222222222222222222222222222222222222222222222222264747970656d6465766963652e7265766f6b656664657669636558201111111111111111111111111111111111111111111111111111111111111111676b6565705f61748158203333333333333333333333333333333333333333333333333333333333333333", "device.revoke: field keep_at: element 0: want a 40-byte string, got 32 bytes", false},
		{"invalid utf-8 type", "a1" + hType + "62c328", `payload: not a CBOR map with a text "type": the "type" value is not valid UTF-8`, true},
		{"int top-level key", "a2" + "01" + "00" + hType + hX, "x: invalid encoding: key at byte 1 is an unsigned integer; payload map keys are text strings", false},
		{"bytes top-level key", "a2" + "4161" + "00" + hType + hX, "x: invalid encoding: key at byte 1 is a byte string; payload map keys are text strings", false},
		{"array nested key", "a2" + hA + "a1" + "80" + "00" + hType + hX, "x: invalid encoding: key at byte 4 is an array; map keys are integers, byte strings or text strings", false},
		{"truncated value", "a2" + hType + hPost + "66696d61676573" + "5820616263", `post: invalid encoding: truncated byte string at byte 18`, false},
		{"truncated before type", "a2" + hText + "65616263", `payload: not a CBOR map with a text "type": truncated string at byte 6`, true},
		{"truncated map", "a3" + hText + hEmpty + hType + hPost, "post: invalid encoding: truncated map at byte 0", false},
		// field rules
		{"wrong field type", "a2" + hText + "05" + hType + hPost, "post: field text: want a text string, got an unsigned integer", false},
		{"text as bytes", "a2" + hText + "40" + hType + hPost, "post: field text: want a text string, got a byte string", false},
		{"missing text", "a1" + hType + hPost, "post: field text: missing", false},
		{"missing following", "a2" + hType + "66666f6c6c6f77" + "676163636f756e74" + "5820" + strings.Repeat("11", 32), "follow: field following: missing", false},
		{"following not bool", "a3" + hType + "66666f6c6c6f77" + "676163636f756e74" + "5820" + strings.Repeat("11", 32) + "69666f6c6c6f77696e67" + "01", "follow: field following: want a boolean, got an unsigned integer", false},
		{"custody missing account_key", "a1" + hType + "6e6465766963652e637573746f6479", "device.custody: field account_key: missing", false},
		{"custody account_key null", "a2" + hType + "6e6465766963652e637573746f6479" + "6b6163636f756e745f6b6579" + "f6", "device.custody: field account_key: want a boolean, got null", false},
		{"short account", "a3" + hType + "66666f6c6c6f77" + "676163636f756e74" + "581f" + strings.Repeat("11", 31) + "69666f6c6c6f77696e67" + "f5", "follow: field account: want a 32-byte string, got 31 bytes", false},
		{"zero target", "a2" + hType + "6664656c657465" + hTgt + "5820" + strings.Repeat("00", 32), "delete: field target: all-zero id is not allowed", false},
		{"target as text", "a2" + hType + "6664656c657465" + hTgt + "6161", "delete: field target: want a 32-byte string, got a text string", false},
	}
}

func TestReject(t *testing.T) {
	for _, c := range rejectCases() {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(unhex(t, c.hex))
			wantErr(t, err, c.want)
			if got := errors.Is(err, ErrNotCBORMap); got != c.not {
				t.Fatalf("errors.Is(err, ErrNotCBORMap) = %v", got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is %T, want *Error", err)
			}
		})
	}
}

// fieldRejectCase is a field rule easiest to state with Go values.
type fieldRejectCase struct {
	name string
	m    map[string]any
	want string
}

func fieldRejectCases() []fieldRejectCase {
	id := func(e entry.ID) []byte { return e[:] }
	return []fieldRejectCase{
		{"root without reply_to", map[string]any{"type": "post", "text": "", "root": id(eid("r"))}, "post: field root: set without reply_to"},
		{"root equals reply_to", map[string]any{"type": "post", "text": "", "root": id(eid("r")), "reply_to": id(eid("r"))}, "post: field root: must be omitted when it equals reply_to"},
		{"empty images", map[string]any{"type": "post", "text": "", "images": []any{}}, "post: field images: empty array must be omitted"},
		{"images not array", map[string]any{"type": "post", "text": "", "images": id(eid("r"))}, "post: field images: want an array, got a byte string"},
		{"image wrong length", map[string]any{"type": "post", "text": "", "images": []any{id(eid("r")), []byte{1}}}, "post: field images: element 1: want a 32-byte string, got 1 bytes"},
		{"image wrong type", map[string]any{"type": "post", "text": "", "images": []any{"blob_x"}}, "post: field images: element 0: want a 32-byte string, got a text string"},
		{"zero image", map[string]any{"type": "post", "text": "", "images": []any{make([]byte, 32)}}, "post: field images: element 0: all-zero id is not allowed"},
		{"zero reply_to", map[string]any{"type": "post", "text": "", "reply_to": make([]byte, 32)}, "post: field reply_to: all-zero id is not allowed"},
		{"profile zero image", map[string]any{"type": "profile", "name": "", "about": "", "image": make([]byte, 32)}, "profile: field image: all-zero id is not allowed"},
		{"profile missing about", map[string]any{"type": "profile", "name": "a"}, "profile: field about: missing"},
		{"profile null image", map[string]any{"type": "profile", "name": "", "about": "", "image": nil}, "profile: field image: want a 32-byte string, got null"},
		{"block missing", map[string]any{"type": "block", "account": id(eid("a"))}, "block: field blocking: missing"},
		{"device.add empty name", map[string]any{"type": "device.add", "account": id(eid("a")), "device": id(eid("d")), "name": "", "device_sig": make([]byte, 64)}, "device.add: field name: empty text must be omitted"},
		{"device.add short sig", map[string]any{"type": "device.add", "account": id(eid("a")), "device": id(eid("d")), "device_sig": make([]byte, 63)}, "device.add: field device_sig: want a 64-byte string, got 63 bytes"},
		{"device.add missing sig", map[string]any{"type": "device.add", "account": id(eid("a")), "device": id(eid("d"))}, "device.add: field device_sig: missing"},
		{"device.add device is account", map[string]any{"type": "device.add", "account": id(eid("a")), "device": id(eid("a")), "device_sig": make([]byte, 64)}, "device.add: field device: equals the account key; a device needs a key of its own"},
		{"device.revoke empty reason", map[string]any{"type": "device.revoke", "device": id(eid("d")), "reason": ""}, "device.revoke: field reason: empty text must be omitted"},
		{"device.revoke missing device", map[string]any{"type": "device.revoke"}, "device.revoke: field device: missing"},
		// Names that could pass for another name (issue 11, item 14).
		{"name right-to-left override", profileNamed("\u202elaroC"), "profile: field name: U+202E at byte 0 is a bidi control, which can make a name read as another; remove it"},
		{"name right-to-left isolate", profileNamed("Ca\u2067lor"), "profile: field name: U+2067 at byte 2 is a bidi control, which can make a name read as another; remove it"},
		{"name left-to-right mark", profileNamed("Carol\u200e"), "profile: field name: U+200E at byte 5 is a bidi control, which can make a name read as another; remove it"},
		{"name zero-width space", profileNamed("Bob\u200b"), "profile: field name: U+200B at byte 3 is an invisible formatting character; remove it"},
		{"name word joiner", profileNamed("B\u2060ob"), "profile: field name: U+2060 at byte 1 is an invisible formatting character; remove it"},
		{"name byte order mark", profileNamed("\ufeffBob"), "profile: field name: U+FEFF at byte 0 is an invisible formatting character; remove it"},
		{"name soft hyphen", profileNamed("Bo\u00adb"), "profile: field name: U+00AD at byte 2 is an invisible formatting character; remove it"},
		{"name tag character", profileNamed("Bob\U000E0041"), "profile: field name: U+E0041 at byte 3 is an invisible formatting character; remove it"},
		{"name trailing joiner", profileNamed("Bob\u200d"), "profile: field name: U+200D at byte 3 is an invisible joiner, allowed only between two characters that are neither ASCII nor spaces (as in emoji sequences); remove it"},
		{"name joiner in latin", profileNamed("Bo\u200cb"), "profile: field name: U+200C at byte 2 is an invisible joiner, allowed only between two characters that are neither ASCII nor spaces (as in emoji sequences); remove it"},
		{"name variation selector after letter", profileNamed("Bob\ufe0f"), "profile: field name: U+FE0F at byte 3 is a variation selector, allowed only after a character that is neither an ASCII letter nor a space (as in emoji); remove it"},
		{"name escape sequence", profileNamed("Carol\x1b[8m"), "profile: field name: U+001B at byte 5 is a control character; remove it"},
		{"name newline", profileNamed("Carol\nkith: fake"), "profile: field name: U+000A at byte 5 is a control character; remove it"},
		{"name C1 control", profileNamed("Carol\u009b2J"), "profile: field name: U+009B at byte 5 is a control character; remove it"},
		{"name leading space", profileNamed(" Carol"), "profile: field name: starts with a space; remove it"},
		{"name trailing space", profileNamed("Carol "), "profile: field name: ends with a space; remove it"},
		{"name double space", profileNamed("Mary  Ann"), "profile: field name: has two spaces in a row at byte 4; keep one"},
		{"name no-break space", profileNamed("Mary\u00a0Ann"), "profile: field name: U+00A0 at byte 4 is a space other than U+0020; use a plain space"},
		{"name ideographic space", profileNamed("Carol\u3000"), "profile: field name: U+3000 at byte 5 is a space other than U+0020; use a plain space"},
		{"name hangul filler", profileNamed("\u3164"), "profile: field name: U+3164 at byte 0 is a blank filler character; remove it"},
		{"name braille blank", profileNamed("Bob\u2800"), "profile: field name: U+2800 at byte 3 is a blank filler character; remove it"},
		{"device name bidi control", map[string]any{"type": "device.add", "account": id(eid("a")), "device": id(eid("d")), "name": "laptop\u202e", "device_sig": make([]byte, 64)}, "device.add: field name: U+202E at byte 6 is a bidi control, which can make a name read as another; remove it"},
	}
}

// profileNamed is a profile payload with the given name.
func profileNamed(name string) map[string]any {
	return map[string]any{"type": "profile", "name": name, "about": ""}
}

func TestRejectFields(t *testing.T) {
	cases := fieldRejectCases()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(cborOf(t, c.m))
			wantErr(t, err, c.want)
		})
	}
}

func TestUnknownType(t *testing.T) {
	m := map[string]any{
		"type":    "village.found",
		"charter": []byte{0xca, 0xfe},
		"n":       uint64(3),
		"neg":     int64(-7),
		"nested":  map[any]any{uint64(1): "a", "k": []any{true, nil}},
	}
	b := cborOf(t, m)
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := p.(*Unknown)
	if !ok || u.Type() != "village.found" || !bytes.Equal(u.Raw, b) {
		t.Fatalf("got %#v", p)
	}
	b[len(b)-1] ^= 1 // Raw is a copy
	if bytes.Equal(u.Raw, b) {
		t.Fatal("Raw aliases the input")
	}
	got, _ := json.Marshal(ToJSON(p))
	want := `{"fields":{"charter":"h'cafe'","n":3,"neg":-7,"nested":{"1":"a","k":[true,null]}},"type":"village.found"}`
	if string(got) != want {
		t.Fatalf("ToJSON\n got: %s\nwant: %s", got, want)
	}
	if j := ToJSON(&Unknown{TypeName: "junk", Raw: []byte{0xff}}); !reflect.DeepEqual(j, map[string]any{"type": "junk"}) {
		t.Fatalf("ToJSON of undecodable Unknown = %v", j)
	}
	if Known("village.found") || !Known(TypeDeviceRevoke) {
		t.Fatal("Known")
	}
}

func TestExtraKeysIgnored(t *testing.T) {
	b := cborOf(t, map[string]any{"type": "post", "text": "hi", "lang": "en", "z": map[any]any{uint64(1): []byte{1}}})
	p, extra, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if extra != 2 || !reflect.DeepEqual(p, &Post{Text: "hi"}) {
		t.Fatalf("got %#v, extra %d", p, extra)
	}
	// A known field of the wrong type is not "extra": it is an error.
	_, err = Decode(cborOf(t, map[string]any{"type": "post", "text": "hi", "reply_to": "ent_x"}))
	wantErr(t, err, "post: field reply_to: want a 32-byte string, got a text string")
}

func TestPeekType(t *testing.T) {
	cipher := unhex(t, "8d1f0e2a9b7c5d3e4f60718293a4b5c6d7e8f9")
	if _, err := PeekType(cipher); !errors.Is(err, ErrNotCBORMap) {
		t.Fatalf("ciphertext: %v", err)
	}
	// PeekType only classifies: a typed payload that Decode rejects still
	// has a type.
	dup := unhex(t, "a2"+hType+hPost+hType+hPost)
	if typ, err := PeekType(dup); err != nil || typ != "post" {
		t.Fatalf("dup: %q %v", typ, err)
	}
	indef := unhex(t, "bf"+"4100"+"5f4101ff"+hType+hPost+"ff")
	if typ, err := PeekType(indef); err != nil || typ != "post" {
		t.Fatalf("indefinite: %q %v", typ, err)
	}
	big := make([]byte, MaxPayloadSize+1)
	_, err := PeekType(big)
	wantErr(t, err, "payload: 16385 bytes exceeds the limit of 16384")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatal("not ErrTooLarge")
	}
	// skip over every kind of item before "type"
	skips := unhex(t, "a9"+
		"00"+"3903e7"+ // 0: -1000
		"4100"+"5f4101ff"+ // h'00': indefinite bytes
		"6161"+"9f01ff"+ // "a": indefinite array
		"6162"+"bf0102ff"+ // "b": indefinite map
		"6163"+"c100"+ // "c": tag
		"6164"+"f93c00"+ // "d": float
		"6165"+"f820"+ // "e": simple(32)
		"6166"+"7f6161ff"+ // "f": indefinite text
		hType+hPost)
	if typ, err := PeekType(skips); err != nil || typ != "post" {
		t.Fatalf("skips: %q %v", typ, err)
	}
	for _, bad := range []string{"a1" + "7f6161" + hType, "a1" + "5f61", "a1" + "f818" + hType, "a1" + "9f" + hType, "a1" + "c1"} {
		if _, err := PeekType(unhex(t, bad)); !errors.Is(err, ErrNotCBORMap) {
			t.Fatalf("%s: %v", bad, err)
		}
	}
}

func TestToJSON(t *testing.T) {
	p := &Post{Text: "hi", Images: []blob.ID{bid("a")}, ReplyTo: eid("p")}
	got := ToJSON(p)
	want := map[string]any{"type": "post", "text": "hi", "images": []any{bid("a").String()}, "reply_to": eid("p").String(), "root": eid("p").String()}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	if ToJSON(nil) != nil || ToJSON((*Post)(nil)) != nil {
		t.Fatal("nil")
	}
	for _, c := range typedCases() {
		j := ToJSON(c.p)
		if j["type"] != c.p.Type() {
			t.Fatalf("%s: %v", c.name, j)
		}
		for k, v := range j {
			if s, ok := v.(string); ok && k != "type" && k != "text" && k != "name" && k != "about" && k != "reason" && k != "device_sig" {
				if !strings.Contains(s, "_") {
					t.Fatalf("%s: %s = %q, want a text id", c.name, k, s)
				}
			}
		}
	}
}
