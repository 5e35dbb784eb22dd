package services

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

const vectorPath = "testdata/vectors.json"

// vectorFile is testdata/vectors.json, doc/protocol/services.md §5.
type vectorFile struct {
	Comment string          `json:"comment"`
	Valid   []validVector   `json:"valid"`
	Invalid []invalidVector `json:"invalid"`
}

type validVector struct {
	Name         string       `json:"name"`
	Announcement Announcement `json:"announcement"`
	Hex          string       `json:"hex"`
}

type invalidVector struct {
	Name    string `json:"name"`
	Hex     string `json:"hex"`
	Version bool   `json:"unknown_version,omitempty"` // ErrVersion, not ErrMalformed
	Error   string `json:"error"`                     // a part of the error text
}

// validCases are the announcements of the valid vectors.
var validCases = []struct {
	name string
	a    Announcement
}{
	{"nothing offered", Announcement{}},
	{"a hub's relay", Announcement{Services: []Service{{Name: Relay, Limits: []Limit{
		{LimitBytes, 1 << 30}, {LimitSeconds, 3600}, {LimitConnections, 16},
	}}}}},
	{"relay and an unknown service", Announcement{Services: []Service{
		{Name: "maps-v2", Limits: []Limit{{9, 1}}},
		{Name: Relay, Limits: []Limit{{LimitSeconds, 120}}},
	}}},
}

// invalidCases are the bodies of the invalid vectors.
var invalidCases = []invalidVector{
	{Name: "version 2", Hex: "820280", Version: true, Error: "version 2"},
	{Name: "not an array", Hex: "01", Error: "announcement: want array"},
	{Name: "trailing byte", Hex: "82018000", Error: "trailing bytes"},
	{Name: "services out of order", Hex: "820182826572656c617980826764726f70626f7880", Error: `service "dropbox" follows "relay"`},
	{Name: "service named twice", Hex: "820182826572656c617980826572656c617980", Error: `service "relay" follows "relay"`},
	{Name: "upper-case name", Hex: "820181826552454c415980", Error: "byte 0 is not a–z"},
	{Name: "empty name", Hex: "8201818260" + "80", Error: "service name"},
	{Name: "limits out of order", Hex: "820181826572656c6179828202187882010a", Error: "limit key 1 of \"relay\" follows 2"},
	{Name: "integer not shortest", Hex: "820181826572656c61798182021800", Error: "not in its shortest encoding"},
	{Name: "too many services", Hex: "820191", Error: "services"},
}

func buildVectors(t *testing.T) vectorFile {
	t.Helper()
	f := vectorFile{Comment: "doc/protocol/services.md §5: valid announcements with their canonical encoding, and bodies every reader must refuse"}
	for _, c := range validCases {
		b, err := c.a.Encode()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f.Valid = append(f.Valid, validVector{Name: c.name, Announcement: c.a, Hex: hex.EncodeToString(b)})
	}
	f.Invalid = invalidCases
	return f
}

// TestVectors checks testdata/vectors.json against this implementation:
// every valid vector encodes to its bytes and decodes back; every invalid
// one is refused with its error. -update rewrites the file.
func TestVectors(t *testing.T) {
	want := buildVectors(t)
	if *update {
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	var got vectorFile
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s differs from what this code builds: run go test -update and review the diff", vectorPath)
	}
	for _, v := range got.Valid {
		body, _ := hex.DecodeString(v.Hex)
		a, err := Decode(body)
		if err != nil {
			t.Fatalf("%s: Decode: %v", v.Name, err)
		}
		if !reflect.DeepEqual(a, v.Announcement) {
			t.Fatalf("%s: decoded %+v, want %+v", v.Name, a, v.Announcement)
		}
	}
	for _, v := range got.Invalid {
		body, err := hex.DecodeString(v.Hex)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		_, err = Decode(body)
		wantKind := ErrMalformed
		if v.Version {
			wantKind = ErrVersion
		}
		if !errors.Is(err, wantKind) || !strings.Contains(err.Error(), v.Error) {
			t.Errorf("%s: Decode(%s) = %v, want %v saying %q", v.Name, v.Hex, err, wantKind, v.Error)
		}
	}
}
