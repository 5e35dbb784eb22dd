package entry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// vector is one valid entry in testdata/entry-vectors.json.
type vector struct {
	Description  string `json:"description"`
	SeedHex      string `json:"author_seed_hex"`
	AuthorHex    string `json:"author_public_key_hex"`
	LogIDHex     string `json:"log_id_hex"`
	Seq          uint64 `json:"seq"`
	BacklinkHex  string `json:"backlink_hex,omitempty"`
	Timestamp    uint64 `json:"timestamp"`
	Flags        uint64 `json:"flags"`
	PayloadHex   string `json:"payload_hex"`
	PayloadHash  string `json:"payload_hash_hex"`
	SigningInput string `json:"signing_input_hex"`
	HeaderHex    string `json:"header_hex"`
	IDHex        string `json:"id_hex"`
	IDText       string `json:"id_text"`
}

// invalidVector is an encoded header every implementation must reject.
type invalidVector struct {
	Description string `json:"description"`
	HeaderHex   string `json:"header_hex"`
	Error       string `json:"error"`
}

type vectorFile struct {
	Comment string          `json:"comment"`
	Valid   []vector        `json:"valid"`
	Invalid []invalidVector `json:"invalid"`
}

func testKey(t testing.TB, n byte) identity.PrivateKey {
	seed := sha256.Sum256([]byte{'k', 'i', 't', 'h', '-', 't', 'e', 's', 't', '-', 'k', 'e', 'y', n})
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustSign(t testing.TB, k identity.PrivateKey, d Draft) *Entry {
	t.Helper()
	e, err := Sign(k, d)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// buildVectors makes the golden entries from fixed keys and inputs.
func buildVectors(t *testing.T) vectorFile {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	post := []byte("\xa2dtextkhello, kithdtypedpost") // {"text":"hello, kith","type":"post"}
	e1 := mustSign(t, k1, Draft{Seq: 1, Timestamp: 1_700_000_000_000, Payload: post})
	e2 := mustSign(t, k1, Draft{Seq: 2, Backlink: e1.ID, Timestamp: 1_700_000_000_001, Payload: []byte("opaque \x00\xff bytes")})
	var ctx LogID
	for i := range ctx {
		ctx[i] = byte(i)
	}
	e3 := mustSign(t, k2, Draft{LogID: ctx, Seq: 1 << 40, Backlink: sha256.Sum256([]byte("previous")), Timestamp: MaxTimestamp, Flags: FlagEndOfLog | FlagPruneBefore, Payload: []byte{}})
	e4 := mustSign(t, k2, Draft{Seq: 24, Backlink: sha256.Sum256([]byte("x")), Timestamp: 23, Payload: bytes.Repeat([]byte{0xab}, MaxPayloadSize)})
	mk := func(desc string, k identity.PrivateKey, e *Entry) vector {
		v := vector{
			Description:  desc,
			SeedHex:      hex.EncodeToString(k.Seed()),
			AuthorHex:    hex.EncodeToString(e.Header.Author[:]),
			LogIDHex:     hex.EncodeToString(e.Header.LogID[:]),
			Seq:          e.Header.Seq,
			Timestamp:    e.Header.Timestamp,
			Flags:        uint64(e.Header.Flags),
			PayloadHex:   hex.EncodeToString(e.Payload),
			PayloadHash:  hex.EncodeToString(e.Header.PayloadHash[:]),
			SigningInput: hex.EncodeToString(e.Header.SigningInput()),
			HeaderHex:    hex.EncodeToString(e.Raw),
			IDHex:        hex.EncodeToString(e.ID[:]),
			IDText:       e.ID.String(),
		}
		if e.Header.Seq > 1 {
			v.BacklinkHex = hex.EncodeToString(e.Header.Backlink[:])
		}
		return v
	}
	valid := []vector{
		mk("seq 1 of a public log with a small CBOR post payload", k1, e1),
		mk("seq 2 of the same log, backlink to the first, non-CBOR payload", k1, e2),
		mk("context log, seq 2^40, maximum timestamp, both flags, empty payload", k2, e3),
		mk("public log, seq 24 (first two-byte seq), payload of exactly 16384 bytes", k2, e4),
	}
	raw := e1.Raw
	mutate := func(f func(b []byte) []byte) string {
		return hex.EncodeToString(f(append([]byte(nil), raw...)))
	}
	invalid := []invalidVector{
		{"trailing byte", mutate(func(b []byte) []byte { return append(b, 0) }), "trailing"},
		{"truncated signature", mutate(func(b []byte) []byte { return b[:len(b)-1] }), "truncated"},
		{"array of 9", mutate(func(b []byte) []byte { b[0] = 0x89; return b }), "array of 10"},
		{"version 2", mutate(func(b []byte) []byte { b[1] = 2; return b }), "version"},
		{"version as non-shortest integer 0x18 0x01", mutate(func(b []byte) []byte {
			return append([]byte{0x8a, 0x18, 0x01}, b[2:]...)
		}), "non-canonical"},
		{"seq 0", mutate(func(b []byte) []byte { b[70] = 0; return b }), "seq starts at 1"},
		{"byte-string backlink at seq 1", mutate(func(b []byte) []byte {
			return append(append(append([]byte(nil), b[:71]...), append([]byte{0x58, 0x20}, make([]byte, 32)...)...), b[72:]...)
		}), "backlink must be null"},
		{"null backlink at seq 2", hex.EncodeToString(func() []byte {
			b := append([]byte(nil), e2.Raw[:70]...)
			b = append(b, 0x02, 0xf6)
			return append(b, e2.Raw[71+34:]...)
		}()), "needs a backlink"},
		{"unknown flag bit 4", hex.EncodeToString(func() []byte {
			b := append([]byte(nil), raw...)
			b[len(b)-67] = 0x04
			return b
		}()), "unknown flag"},
		{"author of 31 bytes", mutate(func(b []byte) []byte { b[3] = 31; return b }), "length 31"},
		{"indefinite-length array", mutate(func(b []byte) []byte { b[0] = 0x9f; return b }), "array of 10"},
	}
	return vectorFile{
		Comment: "kith entry format v1 test vectors; see doc/protocol/entry.md. author_seed_hex is the RFC 8032 32-byte private key.",
		Valid:   valid,
		Invalid: invalid,
	}
}

func TestVectors(t *testing.T) {
	path := filepath.Join("testdata", "entry-vectors.json")
	got := buildVectors(t)
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	var want vectorFile
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Valid) != 4 || len(want.Invalid) != 11 {
		t.Fatalf("vector file has %d valid and %d invalid vectors, want 4 and 11", len(want.Valid), len(want.Invalid))
	}
	// The golden file, not the code, is the reference: check each vector
	// from its inputs, independently of buildVectors.
	for _, v := range want.Valid {
		t.Run(v.Description, func(t *testing.T) {
			seed, _ := hex.DecodeString(v.SeedHex)
			key, err := identity.KeyFromSeed(seed)
			if err != nil {
				t.Fatal(err)
			}
			if pk := key.Public(); hex.EncodeToString(pk[:]) != v.AuthorHex {
				t.Fatalf("public key %x, want %s", pk, v.AuthorHex)
			}
			var d Draft
			lid, _ := hex.DecodeString(v.LogIDHex)
			copy(d.LogID[:], lid)
			d.Seq, d.Timestamp, d.Flags = v.Seq, v.Timestamp, Flags(v.Flags)
			bl, _ := hex.DecodeString(v.BacklinkHex)
			copy(d.Backlink[:], bl)
			d.Payload, _ = hex.DecodeString(v.PayloadHex)
			if d.Payload == nil {
				d.Payload = []byte{}
			}
			e := mustSign(t, key, d)
			check := func(name, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s:\n got %s\nwant %s", name, got, want)
				}
			}
			check("payload hash", hex.EncodeToString(e.Header.PayloadHash[:]), v.PayloadHash)
			check("signing input", hex.EncodeToString(e.Header.SigningInput()), v.SigningInput)
			check("header", hex.EncodeToString(e.Raw), v.HeaderHex)
			check("id", hex.EncodeToString(e.ID[:]), v.IDHex)
			check("id text", e.ID.String(), v.IDText)
			raw, _ := hex.DecodeString(v.HeaderHex)
			parsed, err := Parse(raw, d.Payload)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !parsed.Verify() {
				t.Fatal("signature does not verify")
			}
			if parsed.Header != e.Header {
				t.Fatalf("decoded header differs:\n got %+v\nwant %+v", parsed.Header, e.Header)
			}
		})
	}
	for _, v := range want.Invalid {
		t.Run("invalid/"+v.Description, func(t *testing.T) {
			raw, _ := hex.DecodeString(v.HeaderHex)
			_, err := DecodeHeader(raw)
			if err == nil {
				t.Fatal("accepted")
			}
			if !bytes.Contains([]byte(err.Error()), []byte(v.Error)) {
				t.Fatalf("error %q does not mention %q", err, v.Error)
			}
		})
	}
	if !*update {
		gb, _ := json.MarshalIndent(got, "", "  ")
		if !bytes.Equal(append(gb, '\n'), b) {
			t.Fatal("testdata/entry-vectors.json differs from what the code produces; if the format changed on purpose, update doc/protocol/entry.md and run with -update")
		}
	}
}
