package store_test

import (
	"strconv"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// emptyView is a store.View that holds nothing.
type emptyView struct{}

func (emptyView) Head(store.LogKey) (store.Head, bool, error)       { return store.Head{}, false, nil }
func (emptyView) IDAt(store.LogKey, uint64) (entry.ID, bool, error) { return entry.ID{}, false, nil }
func (emptyView) Meta(entry.ID) (store.Meta, bool, error)           { return store.Meta{}, false, nil }
func (emptyView) Tombstone(entry.ID, identity.PublicKey) (store.Tombstone, bool, error) {
	return store.Tombstone{}, false, nil
}
func (emptyView) ForkSeqs(store.LogKey) (map[uint64]bool, error) { return nil, nil }

func trustAll(es []*entry.Entry) []bool {
	ok := make([]bool, len(es))
	for i := range ok {
		ok[i] = true
	}
	return ok
}

// BenchmarkPlan plans a batch of 2000 new posts, 1000 in each of two public
// logs, against an empty store, with signatures taken as valid: Plan's own
// per-entry work (header and payload checks, payload decoding, the batch's
// bookkeeping). One op is one batch.
func BenchmarkPlan(b *testing.B) {
	const logs, perLog = 2, 1000
	var batch []*entry.Entry
	for l := range logs {
		seed := make([]byte, 32)
		copy(seed, "plan bench log "+strconv.Itoa(l))
		k, err := identity.KeyFromSeed(seed)
		if err != nil {
			b.Fatal(err)
		}
		var prev entry.ID
		for i := range perLog {
			p, err := content.Encode(&content.Post{Text: "benchmark post number " + strconv.Itoa(i) + " of log " + strconv.Itoa(l)})
			if err != nil {
				b.Fatal(err)
			}
			e, err := entry.Sign(k, entry.Draft{Seq: uint64(i + 1), Backlink: prev, Timestamp: 1_700_000_000_000 + uint64(i), Payload: p})
			if err != nil {
				b.Fatal(err)
			}
			batch = append(batch, e)
			prev = e.ID
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		rs, cs, err := store.Plan(emptyView{}, batch, trustAll)
		if err != nil {
			b.Fatal(err)
		}
		if len(rs) != len(batch) || len(cs) != len(batch) || rs[len(rs)-1].Outcome != store.Added {
			b.Fatalf("%d results, %d changes, last %v", len(rs), len(cs), rs[len(rs)-1].Outcome)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/entry")
}

func (emptyView) Revoked(identity.PublicKey) (*store.Revoked, error) { return nil, nil }
func (emptyView) Revocations(store.LogKey) ([]*entry.Entry, error)   { return nil, nil }
