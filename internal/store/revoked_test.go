package store_test

import (
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

func randRevoked(r *rand.Rand) *store.Revoked {
	rv := &store.Revoked{By: entry.ID{byte(r.IntN(256)), 1}, Logs: map[entry.LogID]store.KeptPos{}}
	for range r.IntN(4) {
		kp := store.KeptPos{Seq: uint64(1 + r.IntN(3))}
		if r.IntN(4) > 0 {
			kp.ID = entry.ID{byte(1 + r.IntN(2))}
		}
		rv.Logs[entry.LogID{byte(r.IntN(3))}] = kp
	}
	return rv
}

// keeps lists, over a small space of (log, seq, id), what r keeps.
func keeps(r *store.Revoked) map[[3]int]bool {
	out := map[[3]int]bool{}
	for l := range 3 {
		for seq := 1; seq <= 4; seq++ {
			for id := 1; id <= 2; id++ {
				out[[3]int{l, seq, id}] = r.Keeps(entry.LogID{byte(l)}, uint64(seq), entry.ID{byte(id)})
			}
		}
	}
	return out
}

// Several revocations keep what every one keeps (payloads.md §6.1), in
// whatever order they arrive: Add is the intersection, commutative and
// associative.
func TestRevokedAddIsIntersection(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a, b, c := randRevoked(r), randRevoked(r), randRevoked(r)
		ka, kb, ab := keeps(a), keeps(b), keeps(a.Add(b))
		for k, v := range ab {
			if v != (ka[k] && kb[k]) {
				t.Fatalf("a %+v b %+v: a.Add(b) keeps %v = %v, want %v", a.Logs, b.Logs, k, v, ka[k] && kb[k])
			}
		}
		if !maps.Equal(a.Add(b).Logs, b.Add(a).Logs) || a.Add(b).By != b.Add(a).By {
			t.Fatalf("not commutative: %+v %+v", a.Logs, b.Logs)
		}
		if !maps.Equal(a.Add(b).Add(c).Logs, a.Add(b.Add(c)).Logs) {
			t.Fatalf("not associative: %+v %+v %+v", a.Logs, b.Logs, c.Logs)
		}
	}
}
