package services

import (
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

const vectorPath = "testdata/vectors.json"

// vectorFile is testdata/vectors.json, doc/protocol/services.md §5.
type vectorFile struct {
	Comment string        `json:"comment"`
	Valid   []validVector `json:"valid"`
	Invalid []invalidBody `json:"invalid"`
}

type validVector struct {
	Name         string       `json:"name"`
	Announcement Announcement `json:"announcement"`
	Hex          string       `json:"hex"`
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
var invalidCases = []invalidBody{
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
		f.Valid = append(f.Valid, validVector{Name: c.name, Announcement: c.a, Hex: encodedHex(t, c.name, c.a.Encode)})
	}
	f.Invalid = invalidCases
	return f
}

// TestVectors checks testdata/vectors.json against this implementation:
// every valid vector encodes to its bytes and decodes back; every invalid
// one is refused with its error. -update rewrites the file.
func TestVectors(t *testing.T) {
	got := goldenVectors(t, vectorPath, buildVectors(t))
	for _, v := range got.Valid {
		decodesTo(t, v.Name, v.Hex, v.Announcement, Decode)
	}
	refusesAll(t, "announcement", got.Invalid, ErrMalformed, func(b []byte) error { _, err := Decode(b); return err })
}
