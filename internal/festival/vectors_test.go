package festival

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

type vector struct {
	Name  string `json:"name"`
	Type  string `json:"type,omitempty"`
	Hex   string `json:"hex"`
	Error string `json:"error,omitempty"`
}

// seeds are one payload of every type, with every optional key used
// somewhere.
func seeds() []Payload {
	f, res, ev := entry.ID{1}, entry.ID{2}, entry.ID{3}
	return []Payload{
		&Create{Name: "Summer camp", Text: "Three days by the lake", Home: entry.ID{9}},
		&Create{Name: "Kids' corner", Parent: f, Causal: Causal{Refs: []entry.ID{{5}, {6}}}},
		&Resource{Festival: f, Kind: KindLocation, Name: "Lake stage", Text: "Open air", Capacity: 300,
			Windows: []Window{hours(10, 22), hours(34, 46)}, Geo: &Geo{Lat: 142520000, Lon: 193404950},
			Address: "Seeweg 1, Berlin", Policy: PolicyFirstCome},
		&Resource{Festival: f, Kind: "room", Name: "Online room", URL: "https://meet.example/room", Policy: PolicyHoursPerDay, Params: []uint64{4}},
		&Event{Festival: f, Name: "Opening concert", Text: "Bring a blanket", Span: hours(20, 22), Needs: []entry.ID{{2}, {4}}},
		&Request{Festival: f, Event: ev, Resource: res, Window: hours(18, 20)},
		&Authorize{Festival: f, Request: ev, Resource: res, Decision: DecisionDeny, Policy: PolicyManual, Reason: "closed for repairs"},
		&Withdraw{Festival: f, Target: ev, Reason: "rain"},
	}
}

// invalid are payloads that break a rule, each with a name.
func invalid() []struct {
	name string
	b    []byte
} {
	enc := raw
	good, _ := Encode(seeds()[5])
	f := entry.ID{1}
	return []struct {
		name string
		b    []byte
	}{
		{"trailing byte", append(append([]byte{}, good...), 0)},
		{"a pair too many", append([]byte{good[0] + 1}, good[1:]...)},
		{"unknown key", enc(&Create{Name: "x"}, "color", []byte{0})},
		{"span ends before it starts", enc(&Event{Festival: f, Name: "x", Span: Window{20, 10}})},
		{"span longer than 31 days", enc(&Event{Festival: f, Name: "x", Span: Window{0, MaxSpan + 1}})},
		{"time past year 9999", enc(&Request{Festival: f, Event: f, Resource: f, Window: Window{1, MaxTime + 1}})},
		{"windows overlapping", enc(&Resource{Festival: f, Kind: "room", Name: "x", Policy: "manual", Windows: []Window{{10, 20}, {15, 30}}})},
		{"windows touching", enc(&Resource{Festival: f, Kind: "room", Name: "x", Policy: "manual", Windows: []Window{{10, 20}, {20, 30}}})},
		{"65 windows", enc(&Resource{Festival: f, Kind: "room", Name: "x", Policy: "manual", Windows: manyWindows(65)})},
		{"location without a place", enc(&Resource{Festival: f, Kind: KindLocation, Name: "x", Policy: "manual"})},
		{"latitude out of range", enc(&Resource{Festival: f, Kind: KindLocation, Name: "x", Policy: "manual", Geo: &Geo{Lat: MaxLat + 1}})},
		{"relative url", enc(&Resource{Festival: f, Kind: "room", Name: "x", Policy: "manual", URL: "room/7"})},
		{"policy not a token", enc(&Resource{Festival: f, Kind: "room", Name: "x", Policy: "First"})},
		{"name with a bidi control", enc(&Create{Name: "\u202elaroC"})},
		{"needs unsorted", enc(&Event{Festival: f, Name: "x", Span: Window{1, 2}, Needs: []entry.ID{{4}, {2}}})},
		{"33 needs", enc(&Event{Festival: f, Name: "x", Span: Window{1, 2}, Needs: manyIDs(33)})},
		{"decision maybe", enc(&Authorize{Festival: f, Request: f, Resource: f, Decision: "maybe", Policy: "manual"})},
		{"all-zero target", enc(&Withdraw{Festival: f}, "target", cborwire.AppendBytes(nil, make([]byte, 32)))},
		{"capacity zero written", enc(&Resource{Festival: f, Kind: "room", Name: "x", Policy: "manual"}, "capacity", cborwire.AppendUint(nil, 0))},
	}
}

func manyWindows(n int) []Window {
	ws := make([]Window, n)
	for i := range ws {
		ws[i] = Window{uint64(10 * i), uint64(10*i + 5)}
	}
	return ws
}

func manyIDs(n int) []entry.ID {
	ids := make([]entry.ID, n)
	for i := range ids {
		ids[i] = entry.ID{byte(i + 1)}
	}
	return ids
}

// TestVectors checks testdata/vectors.json: the canonical encodings of
// festival.md's payloads and the errors of invalid ones.
func TestVectors(t *testing.T) {
	var got []vector
	for i, p := range seeds() {
		b, err := Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, vector{Name: "valid " + string(rune('a'+i)), Type: p.Type(), Hex: hex.EncodeToString(b)})
	}
	for _, c := range invalid() {
		_, err := Decode(c.b)
		if err == nil {
			t.Fatalf("%s: %x decoded", c.name, c.b)
		}
		got = append(got, vector{Name: c.name, Hex: hex.EncodeToString(c.b), Error: err.Error()})
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
		t.Fatalf("%d vectors, file has %d (run with -update after changing festival.md)", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("vector %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
		b, _ := hex.DecodeString(want[i].Hex)
		p, err := Decode(b)
		if (err == nil) != (want[i].Error == "") {
			t.Errorf("vector %d (%s): decode error %v", i, want[i].Name, err)
		}
		if err == nil {
			again, _ := Encode(p)
			if hex.EncodeToString(again) != want[i].Hex {
				t.Errorf("vector %d (%s) re-encodes as %x", i, want[i].Name, again)
			}
		}
	}
}
