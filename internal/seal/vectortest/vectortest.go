// Package vectortest is the scaffolding of the test vectors of the sealed
// formats (internal/seal's keyring-vectors.json, internal/message's
// message-vectors.json): byte strings written as hex in JSON, and Golden,
// which checks a vectors file from its bytes as a second implementation
// would and that the code still writes exactly it (-update rewrites it).
// Only tests import it.
package vectortest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the test vectors file (testdata/*-vectors.json)")

// Hex is a byte string that JSON writes as lower-case hex.
type Hex []byte

// MarshalJSON writes h as a hex string.
func (h Hex) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

// UnmarshalJSON reads a hex string.
func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	*h = d
	return err
}

// Golden compares the vectors file at path with fresh, the vectors the
// code makes now (with fixed randomness). With -update it first writes
// fresh there. It reads the file into a new V and gives it to check, which
// verifies it from its bytes alone; then the file must equal fresh, as
// indented JSON ending in a newline, byte for byte. doc names the protocol
// document to update when the format changes on purpose.
func Golden[V any](t *testing.T, path string, fresh *V, doc string, check func(*testing.T, *V)) {
	t.Helper()
	b, err := json.MarshalIndent(fresh, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	var v V
	if err := json.Unmarshal(stored, &v); err != nil {
		t.Fatal(err)
	}
	check(t, &v)
	if !bytes.Equal(stored, b) {
		t.Error(path + " differs from what the code writes with the fixed randomness; if the format changed on purpose, update " + doc + " and run with -update (a new Go release may also draw randomness differently: then check the stored vectors still pass and regenerate)")
	}
}
