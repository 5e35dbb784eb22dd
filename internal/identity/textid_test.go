package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

var allKinds = []Kind{KindAccount, KindDevice, KindEntry, KindBlob, KindLog}

// sampleBytes returns 32 distinct-looking bytes for a test case.
func sampleBytes(label string) [32]byte { return sha256.Sum256([]byte(label)) }

func TestTextIDRoundTrip(t *testing.T) {
	inputs := map[string][32]byte{
		"zero":  {},
		"ones":  [32]byte(bytesRepeat(0xff)),
		"hash":  sampleBytes("round trip"),
		"count": counting(),
	}
	for _, kind := range allKinds {
		for name, b := range inputs {
			s := Encode(kind, b)
			if !strings.HasPrefix(s, string(kind)+"_") || len(s) != len(kind)+1+textIDChars {
				t.Errorf("%s %s: malformed %q", kind, name, s)
			}
			if s != strings.ToLower(s) {
				t.Errorf("%s %s: %q is not lower case", kind, name, s)
			}
			for _, in := range []string{s, strings.ToUpper(s), "  " + s + "\n", "\t" + strings.ToUpper(s[:10]) + s[10:]} {
				got, err := Decode(kind, in)
				if err != nil {
					t.Errorf("%s %s: Decode(%q): %v", kind, name, in, err)
				} else if got != b {
					t.Errorf("%s %s: Decode(%q) = %x, want %x", kind, name, in, got, b)
				}
			}
		}
	}
	b := sampleBytes("typed")
	acc, err := ParseAccount(Encode(KindAccount, b))
	if err != nil || acc != AccountID(b) || acc.String() != Encode(KindAccount, b) || acc.Key() != PublicKey(b) {
		t.Errorf("ParseAccount: %v", err)
	}
	dev, err := ParseDevice(Encode(KindDevice, b))
	if err != nil || dev != DeviceID(b) || dev.String() != Encode(KindDevice, b) || dev.Key() != PublicKey(b) {
		t.Errorf("ParseDevice: %v", err)
	}
}

func bytesRepeat(c byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = c
	}
	return b
}

func counting() [32]byte {
	var b [32]byte
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestTextIDWrongKind(t *testing.T) {
	// The article agrees with the kind: "an account", "an entry", "a device".
	names := map[Kind]string{KindAccount: "an account", KindDevice: "a device", KindEntry: "an entry", KindBlob: "a blob", KindLog: "a log"}
	b := sampleBytes("kind")
	for _, have := range allKinds {
		s := Encode(have, b)
		for _, want := range allKinds {
			if want == have {
				continue
			}
			_, err := Decode(want, s)
			if err == nil {
				t.Fatalf("Decode(%s, %q) accepted a %s id", want, s, have)
			}
			msg := err.Error()
			exp := "expected " + names[want] + " id (" + string(want) + "_…), got " + names[have] + " id (" + string(have) + "_…)"
			if msg != exp {
				t.Errorf("Decode(%s, %s id):\n got %q\nwant %q", want, have, msg, exp)
			}
		}
		// Same bytes, other kind's prefix, own checksum: the checksum binds
		// the kind, so swapping only the prefix is caught too.
		for _, other := range allKinds {
			if other == have {
				continue
			}
			forged := string(other) + s[len(have):]
			if _, err := Decode(other, forged); err == nil || !strings.Contains(err.Error(), "checksum") {
				t.Errorf("prefix swapped %s→%s: %v, want a checksum error", have, other, err)
			}
		}
	}
}

func TestTextIDEveryTypoRejected(t *testing.T) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	for _, kind := range allKinds {
		s := Encode(kind, sampleBytes("typo "+string(kind)))
		for i := 0; i < len(s); i++ {
			for _, c := range []byte(alphabet + "_018") {
				if c == s[i] {
					continue
				}
				typo := s[:i] + string(c) + s[i+1:]
				got, err := Decode(kind, typo)
				if err == nil {
					t.Fatalf("%s: typo at %d (%q) accepted as %x", kind, i, typo, got)
				}
				if got != ([32]byte{}) {
					t.Fatalf("%s: typo at %d returned non-zero bytes with error %v", kind, i, err)
				}
			}
		}
		// Adjacent transpositions in the body.
		body := len(kind) + 1
		for i := body; i+1 < len(s); i++ {
			if s[i] == s[i+1] {
				continue
			}
			swapped := s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:]
			if _, err := Decode(kind, swapped); err == nil {
				t.Fatalf("%s: transposition at %d accepted", kind, i)
			}
		}
	}
}

func TestTextIDTypoMessages(t *testing.T) {
	s := Encode(KindDevice, sampleBytes("messages"))
	body := s[4:]
	// flip changes the top bit of character i, always a data bit.
	flip := func(i int) string {
		const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
		c := alphabet[strings.IndexByte(alphabet, body[i])^16]
		return "dev_" + body[:i] + string(c) + body[i+1:]
	}
	// The last character carries 3 data bits and 2 padding bits (36 bytes =
	// 288 bits in 58×5 = 290); a change of padding bits only is caught as
	// non-canonical, any other change by the checksum.
	last := body[len(body)-1]
	padOnly := "dev_" + body[:len(body)-1] + string(alphabetNext(last))
	tests := []struct{ in, want string }{
		{flip(0), "device id checksum does not match: a character was mistyped"},
		{flip(31), "device id checksum does not match: a character was mistyped"},
		{flip(57), "device id checksum does not match: a character was mistyped"},
		{padOnly, "device id is not in canonical form"},
		{s[:len(s)-1], `device id has 57 characters after "dev_", want 58 (was it cut off?)`},
		{s + "a", `device id has 59 characters after "dev_", want 58 (was it cut off?)`},
		{"dev_", `device id has 0 characters after "dev_", want 58 (was it cut off?)`},
		{"", `not a kith device id: "" has no "dev_" prefix`},
		{body, `not a kith device id: "` + body[:20] + `…" has no "dev_" prefix`},
		{"dev-" + body, `not a kith device id: "dev-` + body[:16] + `…" has no "dev_" prefix`},
		{"xyz_" + body, `not a kith device id: unknown prefix "xyz_"`},
		{"dev_" + body[:57] + "1", "device id contains characters outside a-z and 2-7"},
		{"dev_" + body[:57] + "=", "device id contains characters outside a-z and 2-7"},
		{"dev_" + body[:10] + "\u212a" + body[11:], "not a kith device id: it contains the non-ASCII character '\u212a'"},
		{"dev_" + body[:10] + "ａ" + body[11:], "not a kith device id: it contains the non-ASCII character '\uff41'"},
		{"dev__" + body, `device id has 59 characters after "dev_", want 58 (was it cut off?)`},
		{"dev_ " + body, `device id has 59 characters after "dev_", want 58 (was it cut off?)`},
	}
	for _, tt := range tests {
		_, err := Decode(KindDevice, tt.in)
		if err == nil {
			t.Errorf("%q accepted", tt.in)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Decode(%q):\n got %q\nwant %q", tt.in, err, tt.want)
		}
	}
}

// alphabetNext returns the base32 character whose value differs from c's in
// the lowest bit only.
func alphabetNext(c byte) byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	i := strings.IndexByte(alphabet, c)
	return alphabet[i^1]
}

func TestTextIDTruncatedRejected(t *testing.T) {
	for _, kind := range allKinds {
		s := Encode(kind, sampleBytes("truncate"))
		for n := 0; n < len(s); n++ {
			if _, err := Decode(kind, s[:n]); err == nil {
				t.Fatalf("%s: prefix of length %d accepted: %q", kind, n, s[:n])
			}
			if _, err := Decode(kind, s[n+1:]); n < len(s)-1 && err == nil {
				t.Fatalf("%s: suffix %q accepted", kind, s[n+1:])
			}
		}
	}
}

// textIDVectors is testdata/textid-vectors.json: one worked example per kind.
type textIDVectors struct {
	Comment string         `json:"comment"`
	Vectors []textIDVector `json:"vectors"`
}

type textIDVector struct {
	Kind          string `json:"kind"`
	Bytes         string `json:"bytes"`
	ChecksumInput string `json:"checksum_input"`
	Checksum      string `json:"checksum"`
	Text          string `json:"text"`
}

func computeTextIDVector(kind Kind, b [32]byte) textIDVector {
	in := append([]byte("kith-textid-v1\x00"+string(kind)+"\x00"), b[:]...)
	sum := sha256.Sum256(in)
	return textIDVector{
		Kind:          string(kind),
		Bytes:         hex.EncodeToString(b[:]),
		ChecksumInput: hex.EncodeToString(in),
		Checksum:      hex.EncodeToString(sum[:4]),
		Text:          Encode(kind, b),
	}
}

func TestTextIDVectors(t *testing.T) {
	const file = "textid-vectors.json"
	if *update {
		v := textIDVectors{Comment: "kith text ids: one worked example per kind, all of the bytes 00 01 … 1f. Generated by go test ./internal/identity -run TestTextIDVectors -update."}
		for _, k := range allKinds {
			v.Vectors = append(v.Vectors, computeTextIDVector(k, counting()))
		}
		writeGolden(t, file, v)
	}
	var v textIDVectors
	readGolden(t, file, &v)
	if len(v.Vectors) != len(allKinds) {
		t.Fatalf("%d vectors, want one per kind (%d)", len(v.Vectors), len(allKinds))
	}
	for i, want := range v.Vectors {
		if want.Kind != string(allKinds[i]) {
			t.Fatalf("vector %d has kind %q, want %q", i, want.Kind, allKinds[i])
		}
		raw, err := hex.DecodeString(want.Bytes)
		if err != nil || len(raw) != 32 {
			t.Fatalf("vector %d: bad bytes %q", i, want.Bytes)
		}
		got := computeTextIDVector(Kind(want.Kind), [32]byte(raw))
		if got != want {
			t.Errorf("vector %d:\n got %+v\nwant %+v", i, got, want)
		}
		b, err := Decode(Kind(want.Kind), want.Text)
		if err != nil || b != [32]byte(raw) {
			t.Errorf("vector %d: Decode = %x, %v", i, b, err)
		}
		// The checksum is the last 4 bytes of the base32 body.
		body, err := b32.DecodeString(want.Text[len(want.Kind)+1:])
		if err != nil || hex.EncodeToString(body[32:]) != want.Checksum {
			t.Errorf("vector %d: body does not end in the checksum", i)
		}
	}
}

// FuzzDecodeTextID checks that Decode never panics, and that whatever it
// accepts is the canonical spelling up to ASCII case and surrounding space.
func FuzzDecodeTextID(f *testing.F) {
	for _, k := range allKinds {
		s := Encode(k, sampleBytes("fuzz"))
		f.Add(s)
		f.Add(strings.ToUpper(s))
		f.Add(" " + s + "\n")
		f.Add(s[:len(s)-1])
		f.Add(s[:10] + "\u212a" + s[11:])
		f.Add(string(k) + "_")
	}
	f.Add("")
	f.Add("_")
	f.Add("acc__")
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range allKinds {
			b, err := Decode(k, s)
			if err != nil {
				if b != ([32]byte{}) {
					t.Fatalf("Decode(%s, %q) returned bytes with error %v", k, s, err)
				}
				continue
			}
			if enc, want := Encode(k, b), strings.ToLower(strings.TrimSpace(s)); enc != want {
				t.Fatalf("Decode(%s, %q) accepted it, but it re-encodes to %q", k, s, enc)
			}
		}
	})
}

func TestParseAny(t *testing.T) {
	b := sampleBytes("any")
	for _, k := range []Kind{KindAccount, KindDevice} {
		got, gb, err := ParseAny(strings.ToUpper(Encode(k, b)), KindAccount, KindDevice)
		if err != nil || got != k || gb != b {
			t.Errorf("ParseAny(%s id) = %s, %x, %v", k, got, gb, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{Encode(KindEntry, b), "expected an account or device id (acc_… or dev_…), got an entry id (ent_…)"},
		{Encode(KindBlob, b), "expected an account or device id (acc_… or dev_…), got a blob id (blob_…)"},
		{"hello", `expected an account or device id (acc_… or dev_…), got "hello"`},
		{"ünïcødé-ünïcødé-ünïcødé", `expected an account or device id (acc_… or dev_…), got "ünïcødé-ünïcødé-ünïc…"`},
	} {
		if _, _, err := ParseAny(tc.in, KindAccount, KindDevice); err == nil || err.Error() != tc.want {
			t.Errorf("ParseAny(%q) error\n %v\nwant\n %s", tc.in, err, tc.want)
		}
	}
	// A typo in an id of an expected kind gets that kind's own message.
	s := Encode(KindDevice, b)
	if _, _, err := ParseAny(s[:len(s)-1], KindAccount, KindDevice); err == nil || !strings.Contains(err.Error(), "device id has 57 characters") {
		t.Errorf("cut-off device id: %v", err)
	}
}
