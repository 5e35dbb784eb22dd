package conversation

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

type vector struct {
	Type  string `json:"type,omitempty"`
	Hex   string `json:"hex"`
	Error string `json:"error,omitempty"`
}

// TestVectors checks testdata/vectors.json: the canonical encodings of
// conversation.md's payloads and the errors of invalid ones.
func TestVectors(t *testing.T) {
	var got []vector
	for _, p := range seeds() {
		b, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, vector{Type: p.Type(), Hex: hex.EncodeToString(b)})
	}
	bad := [][]byte{}
	for _, p := range seeds()[4:] {
		b, _ := Encode(p)
		bad = append(bad, append(b, 0))                       // trailing byte
		bad = append(bad, append([]byte{b[0] + 1}, b[1:]...)) // a pair too many
	}
	for _, b := range bad {
		_, err := Decode(b)
		if err == nil {
			t.Fatalf("%x decoded", b)
		}
		got = append(got, vector{Hex: hex.EncodeToString(b), Error: err.Error()})
	}
	path := "testdata/vectors.json"
	if *update {
		out, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []vector
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%d vectors, file has %d (run with -update after changing conversation.md)", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("vector %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
		if want[i].Error == "" {
			b, _ := hex.DecodeString(want[i].Hex)
			if _, err := Decode(b); err != nil {
				t.Errorf("vector %d does not decode: %v", i, err)
			}
		}
	}
}
