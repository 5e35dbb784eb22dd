package festival

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// TestHomes (festival.md §3, "Homes"): a festival lives where its create
// says; a festival nested in it lives there too; every entry of it is
// read from its home. Entries read elsewhere are ignored, saying where.
func TestHomes(t *testing.T) {
	w := newWorld(t, 3)
	space := entry.ID{0x51}
	f := w.add(0, &Create{Name: "Crew camp", Home: space}).ID
	res := w.resource(0, f, "Van", PolicyFirstCome, nil)
	stray := w.resource(1, f, "Leaked", PolicyFirstCome, nil)          // read from the public logs
	sub := w.add(1, &Create{Name: "Night", Parent: f, Home: space}).ID // nested, same home
	bad := w.add(2, &Create{Name: "Elsewhere", Parent: f}).ID          // nested, says no home
	pub := w.add(2, &Create{Name: "Claims", Home: space}).ID           // read from the public logs
	read := map[entry.ID]entry.ID{f: space, res: space, sub: space, bad: space}
	s := Reduce(Input{Entries: w.all, Home: func(e *entry.Entry) entry.ID { return read[e.ID] }})
	if s.Festivals[f] == nil || s.Resources[res] == nil || s.Festivals[sub] == nil {
		t.Fatalf("applied: festival %v, resource %v, nested %v", s.Festivals[f] != nil, s.Resources[res] != nil, s.Festivals[sub] != nil)
	}
	for id, want := range map[entry.ID]string{
		stray: "it was read from the public festival logs, not from the festival's home, the village or space 51000000",
		bad:   "it is nested in a festival living in the village or space 51000000 but says it lives in the public festival logs: a nested festival lives where the outer one does",
		pub:   "it was read from the public festival logs, not from the festival's home, the village or space 51000000",
	} {
		if got := s.Why(id); got != want {
			t.Errorf("%x: ignored for %q, want %q", id[:4], got, want)
		}
	}
}
