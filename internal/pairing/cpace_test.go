package pairing

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/gtank/ristretto255"
)

// cpaceVectors are the ristretto255/SHA-512 test vectors of
// draft-irtf-cfrg-cpace (testdata/cpace-ristretto255-sha512.json).
type cpaceVectors map[string]string

func loadCPaceVectors(t *testing.T) cpaceVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/cpace-ristretto255-sha512.json")
	if err != nil {
		t.Fatal(err)
	}
	var v cpaceVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func (v cpaceVectors) bytes(t *testing.T, k string) []byte {
	t.Helper()
	s, ok := v[k]
	if !ok {
		t.Fatalf("vector %q missing", k)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("vector %q: %v", k, err)
	}
	return b
}

func (v cpaceVectors) scalar(t *testing.T, k string) *ristretto255.Scalar {
	t.Helper()
	s := ristretto255.NewScalar()
	if err := s.Decode(v.bytes(t, k)); err != nil {
		t.Fatalf("scalar %q: %v", k, err)
	}
	return s
}

func eqHex(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %x\nwant %x", what, got, want)
	}
}

func TestCPaceDraftVectors(t *testing.T) {
	v := loadCPaceVectors(t)
	prs, ci, sid := v.bytes(t, "PRS"), v.bytes(t, "CI"), v.bytes(t, "sid")
	eqHex(t, "generator_string", generatorString(prs, ci, sid), v.bytes(t, "generator_string"))
	g := generator(prs, ci, sid)
	eqHex(t, "g", g.Encode(nil), v.bytes(t, "g"))

	ya, yb := v.scalar(t, "ya"), v.scalar(t, "yb")
	Ya, Yb := scalarMult(ya, g), scalarMult(yb, g)
	eqHex(t, "Ya", Ya, v.bytes(t, "Ya"))
	eqHex(t, "Yb", Yb, v.bytes(t, "Yb"))
	ka, err := scalarMultVfy(ya, Yb)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := scalarMultVfy(yb, Ya)
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "K (A)", ka, v.bytes(t, "K"))
	eqHex(t, "K (B)", kb, v.bytes(t, "K"))
	ada, adb := v.bytes(t, "ADa"), v.bytes(t, "ADb")
	eqHex(t, "transcript_ir", transcriptIR(Ya, ada, Yb, adb), v.bytes(t, "transcript_ir"))
	got := isk(sid, ka, Ya, ada, Yb, adb)
	eqHex(t, "ISK_IR", got[:], v.bytes(t, "ISK_IR"))
}

func TestCPaceScalarMultVfy(t *testing.T) {
	v := loadCPaceVectors(t)
	s := v.scalar(t, "valid_s")
	got, err := scalarMultVfy(s, v.bytes(t, "valid_X"))
	if err != nil {
		t.Fatal(err)
	}
	eqHex(t, "s·X", got, v.bytes(t, "valid_sX"))
	for _, k := range []string{"invalid_Y1", "invalid_Y2"} {
		if _, err := scalarMultVfy(s, v.bytes(t, k)); !errors.Is(err, ErrIdentity) {
			t.Errorf("%s: err %v, want ErrIdentity", k, err)
		}
	}
	if _, err := scalarMultVfy(s, make([]byte, 31)); !errors.Is(err, ErrIdentity) {
		t.Errorf("31 bytes: err %v, want ErrIdentity", err)
	}
}

func TestPrependLen(t *testing.T) {
	for _, c := range []struct {
		n    int
		head string
	}{{0, "00"}, {1, "01"}, {127, "7f"}, {128, "8001"}, {300, "ac02"}} {
		got := prependLen(make([]byte, c.n))
		if h := hex.EncodeToString(got[:len(got)-c.n]); h != c.head {
			t.Errorf("length %d: head %s, want %s", c.n, h, c.head)
		}
	}
}
