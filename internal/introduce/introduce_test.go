package introduce

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

type vectors struct {
	Valid []struct {
		Name  string   `json:"name"`
		Keys  []string `json:"keys"`
		Bytes string   `json:"bytes"`
	} `json:"valid"`
	Invalid []struct {
		Name  string `json:"name"`
		Bytes string `json:"bytes"`
		Error string `json:"error"`
	} `json:"invalid"`
}

func readVectors(t testing.TB) vectors {
	b, err := os.ReadFile("testdata/introduce-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectors: the valid vectors encode to their bytes, from keys in any
// order, and decode back; the invalid ones are refused with their error.
func TestVectors(t *testing.T) {
	v := readVectors(t)
	if len(v.Valid) != 4 || len(v.Invalid) != 7 {
		t.Fatalf("%d valid and %d invalid vectors, want 4 and 7", len(v.Valid), len(v.Invalid))
	}
	for _, c := range v.Valid {
		var keys []identity.PublicKey
		for _, h := range c.Keys {
			keys = append(keys, identity.PublicKey(unhex(t, h)))
		}
		want := unhex(t, c.Bytes)
		rev := make([]identity.PublicKey, len(keys))
		for i, k := range keys {
			rev[len(keys)-1-i] = k
		}
		got, err := Encode(rev)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: Encode = %x, %v; want %x", c.Name, got, err, want)
		}
		dec, err := Read(bytes.NewReader(want))
		if err != nil || len(dec) != len(keys) {
			t.Fatalf("%s: Read = %d keys, %v; want %d", c.Name, len(dec), err, len(keys))
		}
		for i := range dec {
			if dec[i] != keys[i] {
				t.Fatalf("%s: key %d is %x, want %x", c.Name, i, dec[i], keys[i])
			}
		}
	}
	for _, c := range v.Invalid {
		_, err := Decode(unhex(t, c.Bytes))
		if err == nil || !strings.Contains(err.Error(), c.Error) {
			t.Fatalf("%s: Decode error %v, want one saying %q", c.Name, err, c.Error)
		}
	}
}

// TestEncodeRefuses: more than 64 keys, or a key twice, is not encoded;
// an answer longer than the largest is refused by Read unread.
func TestEncodeRefuses(t *testing.T) {
	keys := make([]identity.PublicKey, MaxPeers+1)
	for i := range keys {
		keys[i][0] = byte(i)
	}
	if _, err := Encode(keys); err == nil || !strings.Contains(err.Error(), "65 peers, at most 64") {
		t.Fatalf("65 keys: %v", err)
	}
	if _, err := Encode([]identity.PublicKey{keys[1], keys[1]}); err == nil || !strings.Contains(err.Error(), "named twice") {
		t.Fatalf("a key twice: %v", err)
	}
	if _, err := Read(bytes.NewReader(make([]byte, MaxSize+100))); err == nil || !strings.Contains(err.Error(), "longer than its largest size") {
		t.Fatalf("an answer of %d bytes: %v", MaxSize+100, err)
	}
}

// FuzzDecode: no input panics, and what decodes encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	v := readVectors(f)
	for _, c := range v.Valid {
		f.Add(unhex(f, c.Bytes))
	}
	for _, c := range v.Invalid {
		f.Add(unhex(f, c.Bytes))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(keys)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%x decodes to %d keys that encode to %x, %v", b, len(keys), again, err)
		}
	})
}
