package space

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

const vectorPath = "testdata/vectors.json"

type vEntry struct {
	Header  string `json:"header"`
	Payload string `json:"payload"`
}

type vPayload struct {
	Name  string `json:"name"`
	Hex   string `json:"hex"`
	Error string `json:"error,omitempty"`
}

type vMember struct {
	Account string `json:"account"`
	Role    string `json:"role"`
}

type vIgnored struct {
	Entry  string `json:"entry"`
	Reason string `json:"reason"`
}

type vBoundary struct {
	Entry   string `json:"entry"`
	Kind    string `json:"kind"`
	Account string `json:"account"`
	Device  string `json:"device,omitempty"`
}

type vectors struct {
	Payloads []vPayload `json:"payloads"`
	Invalid  []vPayload `json:"invalid"`
	// Scenario: signed entries (sorted by id) and the state the reducer
	// derives (space-membership.md §3, §5).
	Scenario struct {
		Space      string      `json:"space"`
		Entries    []vEntry    `json:"entries"`
		Members    []vMember   `json:"members"`
		Applied    []string    `json:"applied"`
		Ignored    []vIgnored  `json:"ignored"`
		Boundaries []vBoundary `json:"boundaries"`
	} `json:"scenario"`
}

// vectorWorld is the scenario of the vectors: A, B, X admins and C, D
// members; A removes B while B removes A (mutual); B adds E concurrently
// (filtered); C leaves; F, no member, writes an add; D's account revokes
// D's device.
func vectorWorld(t testing.TB) *world {
	w := newSpace(t, 'A', founders("ABX", "CD"))
	w.remove('A', 'B')
	w.remove('B', 'A')
	w.add('B', 'E', Member)
	w.do('C', &Leave{})
	w.add('F', 'G', Admin)
	w.certify('D')
	rev, err := content.NewDeviceRevoke(accKey(t, 'D'), w.certs[dev(t, 'D').Public()], "", nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	w.all = append(w.all, rev)
	return w
}

// outcome renders s as the vectors hold it.
func outcome(s *State) (ms []vMember, applied []string, ign []vIgnored, bs []vBoundary) {
	for _, k := range s.Accounts() {
		ms = append(ms, vMember{hex.EncodeToString(k[:]), s.Members[k].String()})
	}
	for _, id := range s.Applied {
		applied = append(applied, id.Hex())
	}
	ids := slices.SortedFunc(maps.Keys(s.Ignored), func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	for _, id := range ids {
		ign = append(ign, vIgnored{id.Hex(), s.Ignored[id]})
	}
	for _, b := range s.Boundaries {
		d := ""
		if b.Kind == BoundaryRevoke {
			d = hex.EncodeToString(b.Device[:])
		}
		bs = append(bs, vBoundary{b.Entry.Hex(), string(b.Kind), hex.EncodeToString(b.Account[:]), d})
	}
	return
}

// TestVectors checks testdata/vectors.json against this implementation,
// then reads the file's entries back as a second implementation would and
// checks the outcome the file states.
func TestVectors(t *testing.T) {
	var v vectors
	for _, c := range validPayloads() {
		v.Payloads = append(v.Payloads, vPayload{Name: c.name, Hex: hex.EncodeToString(MustEncode(c.p))})
	}
	for _, c := range rejectCases() {
		_, err := Decode(c.raw)
		if err == nil {
			t.Fatalf("%s: decoded", c.name)
		}
		v.Invalid = append(v.Invalid, vPayload{c.name, hex.EncodeToString(c.raw), err.Error()})
	}
	w := vectorWorld(t)
	s := w.reduce(w.all)
	sc := &v.Scenario
	sc.Space = w.space.Hex()
	es := slices.Clone(w.all)
	slices.SortFunc(es, func(a, b *entry.Entry) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	for _, e := range es {
		sc.Entries = append(sc.Entries, vEntry{hex.EncodeToString(e.Header.AppendSigned(nil)), hex.EncodeToString(e.Payload)})
	}
	sc.Members, sc.Applied, sc.Ignored, sc.Boundaries = outcome(s)
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(vectorPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from this implementation (run with -update only if space-membership.md changed)", vectorPath)
	}

	var file vectors
	if err := json.Unmarshal(want, &file); err != nil {
		t.Fatal(err)
	}
	for _, p := range file.Payloads {
		raw, _ := hex.DecodeString(p.Hex)
		d, err := Decode(raw)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if re := MustEncode(d); !bytes.Equal(re, raw) {
			t.Fatalf("%s: re-encodes to %x", p.Name, re)
		}
	}
	for _, p := range file.Invalid {
		raw, _ := hex.DecodeString(p.Hex)
		if _, err := Decode(raw); err == nil || err.Error() != p.Error {
			t.Fatalf("%s: error %v, the file says %q", p.Name, err, p.Error)
		}
	}
	var parsed []*entry.Entry
	for _, x := range file.Scenario.Entries {
		h, _ := hex.DecodeString(x.Header)
		p, _ := hex.DecodeString(x.Payload)
		e, err := entry.Parse(h, p)
		if err != nil || !e.Verify() {
			t.Fatalf("entry from the vectors: %v", err)
		}
		parsed = append(parsed, e)
	}
	var spaceID entry.ID
	b, _ := hex.DecodeString(file.Scenario.Space)
	copy(spaceID[:], b)
	s2, err := Reduce(spaceID, parsed)
	if err != nil {
		t.Fatal(err)
	}
	ms, ap, ig, bd := outcome(s2)
	if !slices.Equal(ms, file.Scenario.Members) || !slices.Equal(ap, file.Scenario.Applied) || !slices.Equal(ig, file.Scenario.Ignored) || !slices.Equal(bd, file.Scenario.Boundaries) {
		t.Fatalf("reducing the file's entries gives another outcome than the file states")
	}
}
