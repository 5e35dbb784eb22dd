package services

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// invalidBody is a body every reader must refuse: with ErrVersion when
// Version is set, else with the message's own malformed error; either way
// saying Error.
type invalidBody struct {
	Name    string `json:"name"`
	Hex     string `json:"hex"`
	Version bool   `json:"unknown_version,omitempty"` // ErrVersion, not the malformed error
	Error   string `json:"error"`                     // a part of the error text
}

// goldenVectors checks a vector file against want, what this code builds:
// under -update it writes want to path first. It answers the file as read,
// for the decoding checks.
func goldenVectors[F any](t *testing.T, path string, want F) F {
	t.Helper()
	if *update {
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	var got F
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s differs from what this code builds: run go test -update and review the diff", path)
	}
	return got
}

// encodedHex is a case's encoding in hex, failing the test with the case's
// name when it does not encode.
func encodedHex(t *testing.T, name string, encode func() ([]byte, error)) string {
	t.Helper()
	b, err := encode()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return hex.EncodeToString(b)
}

// decodesTo checks that a valid vector's bytes decode to its message, and
// answers the decoded message.
func decodesTo[M any](t *testing.T, name, hexBody string, want M, decode func([]byte) (M, error)) M {
	t.Helper()
	body, err := hex.DecodeString(hexBody)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	m, err := decode(body)
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Fatalf("%s: decoded %+v, %v; want %+v", name, m, err, want)
	}
	return m
}

// refusesAll checks that decode refuses every invalid body as it says.
func refusesAll(t *testing.T, kind string, vs []invalidBody, malformed error, decode func([]byte) error) {
	t.Helper()
	for _, v := range vs {
		body, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatalf("%s %s: %v", kind, v.Name, err)
		}
		err = decode(body)
		wantKind := malformed
		if v.Version {
			wantKind = ErrVersion
		}
		if !errors.Is(err, wantKind) || !strings.Contains(err.Error(), v.Error) {
			t.Errorf("%s %s: decoding %s = %v, want %v saying %q", kind, v.Name, v.Hex, err, wantKind, v.Error)
		}
	}
}
