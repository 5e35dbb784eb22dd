package content

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Hex of common CBOR pieces, for hand-built payloads.
const (
	hType  = "6474797065"     // "type"
	hText  = "6474657874"     // "text"
	hPost  = "64706f7374"     // "post"
	hEmpty = "60"             // ""
	hX     = "6178"           // "x"
	hN     = "616e"           // "n"
	hA     = "6161"           // "a"
	hTgt   = "66746172676574" // "target"
)

// unhex concatenates hex parts into bytes; spaces are ignored.
func unhex(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(strings.Join(parts, ""), " ", ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// cborOf encodes v canonically, without any payload rule.
func cborOf(t testing.TB, v any) []byte {
	t.Helper()
	b, err := encMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// key returns a fixed test key: seed = 32 bytes of b.
func key(t testing.TB, b byte) identity.PrivateKey {
	t.Helper()
	k, err := identity.KeyFromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func eid(s string) entry.ID { return entry.ID(blob.Sum([]byte("entry " + s))) }
func bid(s string) blob.ID  { return blob.Sum([]byte(s)) }
func acc(s string) identity.AccountID {
	return identity.AccountID(blob.Sum([]byte("account " + s)))
}

func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if err.Error() != want {
		t.Fatalf("error\n got: %s\nwant: %s", err, want)
	}
}
