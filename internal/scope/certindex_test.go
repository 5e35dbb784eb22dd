package scope

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// The certificates a village member's recomputation reads from the index
// kept between recomputations (certindex.go) are exactly what reading
// every certificate held gives, across random histories of certificates,
// revocations, follows and deletes, in batches noted or not (stored by a
// way that does not tell the scope), with more changes
// between two recomputations than the relations cache keeps (maxEdits)
// and Refreshes between them. Both ways (brought up to date, built again)
// must be taken many times.
func TestCertIndexMatchesCertificates(t *testing.T) {
	ctx := context.Background()
	defer func(m int) { maxEdits = m }(maxEdits)
	maxEdits = 6
	var updated, rebuilt int
	for seed := int64(1); seed <= 16; seed++ {
		w := newWorld(t, seed, 10)
		s, err := New(ctx, w.st, Config{Account: w.accounts[0].Public(), Device: w.devices[0][0].key.Public()})
		if err != nil {
			t.Fatal(err)
		}
		var batch []*entry.Entry
		for i := range 150 {
			if w.rng.Intn(2) == 0 {
				batch = append(batch, w.addDevice(w.rng.Intn(len(w.accounts)))...)
			} else {
				batch = append(batch, w.step()...)
			}
			if w.rng.Intn(3) == 0 {
				continue // several entries in one batch
			}
			// Some batches are stored without Note (by a way that does
			// not tell the scope): the index finds them by cursor.
			if w.rng.Intn(4) != 0 {
				if _, err := s.Note(ctx, batch); err != nil {
					t.Fatal(err)
				}
			}
			batch = nil
			if w.rng.Intn(25) == 0 {
				s.rel.reset() // what Refresh does first
			}
			before := s.certs
			devices, byLog, err := s.certificates(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if before != nil && s.certs == before {
				updated++
			} else {
				rebuilt++
			}
			wantDevices, wantByLog, err := Certificates(ctx, w.st)
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("seed %d, step %d", seed, i)
			if !reflect.DeepEqual(devices, wantDevices) {
				t.Fatalf("%s: devices %v, want %v", what, devices, wantDevices)
			}
			if len(byLog) != len(wantByLog) {
				t.Fatalf("%s: %d certificate logs, want %d", what, len(byLog), len(wantByLog))
			}
			for lid, want := range wantByLog {
				if got := sortedIDs(byLog[lid]); !slices.Equal(got, sortedIDs(want)) {
					t.Fatalf("%s: log %s holds %v, want %v", what, lid, got, sortedIDs(want))
				}
			}
		}
	}
	t.Logf("brought up to date %d times, built again %d times", updated, rebuilt)
	if updated < 1000 || rebuilt < 100 {
		t.Fatalf("brought up to date %d times, built again %d times: want at least 1000 and 100", updated, rebuilt)
	}
}

func sortedIDs(es []*entry.Entry) []entry.ID {
	var ids []entry.ID
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	slices.SortFunc(ids, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}
