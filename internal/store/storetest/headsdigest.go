package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// checkDigest checks, after a test of the suite, that a store.HeadsDigester
// keeps the digest of exactly the heads it lists: every test's writes
// (forks, batches, deletes, revocations' cuts, DropLog) move it.
func checkDigest(t *testing.T, x h) {
	t.Helper()
	hd, ok := x.s.(store.HeadsDigester)
	if !ok {
		return
	}
	got, err := hd.HeadsDigest(x.ctx)
	if errors.Is(err, store.ErrClosed) {
		return
	}
	if err != nil {
		t.Fatalf("HeadsDigest: %v", err)
	}
	heads, err := x.s.Heads(x.ctx)
	if err != nil {
		t.Fatalf("Heads: %v", err)
	}
	if want := store.DigestOf(heads); got != want {
		t.Fatalf("HeadsDigest = %x (%d heads), want %x, the digest of the %d heads held", got.Sum, got.Count, want.Sum, want.Count)
	}
}

// testHeadsDigest writes at random (new logs, next entries, batches,
// forks, header-only entries and payloads, DropLog) and checks after each
// step that HeadsDigest equals the digest computed from Heads, and that
// HeadsWithLogID lists exactly the heads of each log id.
func testHeadsDigest(t *testing.T, x h) {
	hd, ok := x.s.(store.HeadsDigester)
	if !ok {
		t.Skipf("%T does not implement store.HeadsDigester", x.s)
	}
	if d, err := hd.HeadsDigest(x.ctx); err != nil || d != (store.HeadsDigest{}) {
		t.Fatalf("HeadsDigest of an empty store = %+v, %v; want zero", d, err)
	}
	rng := rand.New(rand.NewPCG(18, 7))
	logIDs := []entry.LogID{entry.PublicLog, {7}, {8}}
	var chains []*chain
	for a := range 4 {
		for _, id := range logIDs {
			chains = append(chains, newChain(key(t, 60+a), id))
		}
	}
	dropper, _ := x.s.(store.LogDropper)
	forked := map[*chain]bool{} // a forked log no longer grows
	pick := func() *chain {
		for {
			if c := chains[rng.IntN(len(chains))]; !forked[c] {
				return c
			}
		}
	}
	for step := range 160 {
		c := chains[rng.IntN(len(chains))]
		op := rng.IntN(10)
		if forked[c] && (op < 8 || dropper == nil) {
			c = pick()
		}
		what := ""
		switch {
		case op < 5 || len(c.es) == 0:
			what = "append"
			x.mustAdd(c.posts(t, 1+rng.IntN(2))...)
		case op < 6:
			what = "batch of two logs"
			other := pick()
			es := append(c.posts(t, 1), other.posts(t, 1)...)
			for i, r := range x.ingest(es...) {
				if r.Outcome != store.Added {
					t.Fatalf("step %d: Ingest: entry %d: %s, want added", step, i, r.Outcome)
				}
			}
		case op < 7:
			what = "fork"
			seq := uint64(1 + rng.IntN(len(c.es)))
			x.expect(c.signAt(t, seq, post(t, fmt.Sprintf("the other story %d", step)), 0, uint64(step)), store.Forked)
			forked[c] = true
		case op < 8:
			what = "header only, then its payload"
			e := c.add(t, post(t, fmt.Sprintf("later %d", step)), 0)
			x.append(headerOnly(t, e))
			x.append(e)
		case dropper != nil:
			what = "DropLog"
			if _, _, err := dropper.DropLog(x.ctx, c.logKey()); err != nil {
				t.Fatalf("step %d: DropLog: %v", step, err)
			}
			c.es = nil
			delete(forked, c)
		default:
			what = "append"
			x.mustAdd(c.posts(t, 1)...)
		}
		got, err := hd.HeadsDigest(x.ctx)
		if err != nil {
			t.Fatalf("step %d (%s): HeadsDigest: %v", step, what, err)
		}
		heads := x.heads()
		if want := store.DigestOf(heads); got != want {
			t.Fatalf("step %d (%s): HeadsDigest = %x (%d), want %x (%d) from Heads", step, what, got.Sum, got.Count, want.Sum, want.Count)
		}
		checkCount(t, x)
		var fromChains []store.Head
		for _, c := range chains {
			if len(c.es) > 0 {
				fromChains = append(fromChains, store.Head{Log: c.logKey(), Seq: uint64(len(c.es)), ID: c.es[len(c.es)-1].ID})
			}
		}
		if want := store.DigestOf(fromChains); got != want {
			t.Fatalf("step %d (%s): HeadsDigest = %x (%d), want %x (%d) from the chains written", step, what, got.Sum, got.Count, want.Sum, want.Count)
		}
		lh, ok := x.s.(store.LogIDHeads)
		if !ok {
			continue
		}
		for _, id := range logIDs {
			hs, err := lh.HeadsWithLogID(x.ctx, id)
			if err != nil {
				t.Fatalf("HeadsWithLogID: %v", err)
			}
			var want []store.Head
			for _, h := range heads {
				if h.Log.LogID == id {
					want = append(want, h)
				}
			}
			if !slices.Equal(hs, want) {
				t.Fatalf("step %d: HeadsWithLogID(%s) = %+v, want %+v", step, id, hs, want)
			}
		}
	}
}

// checkCount checks, after a test of the suite, that a
// store.HeadsCounter counts exactly the heads it lists and their entries.
func checkCount(t *testing.T, x h) {
	t.Helper()
	hc, ok := x.s.(store.HeadsCounter)
	if !ok {
		return
	}
	logs, entries, err := hc.CountHeads(x.ctx)
	if errors.Is(err, store.ErrClosed) {
		return
	}
	if err != nil {
		t.Fatalf("CountHeads: %v", err)
	}
	heads, err := x.s.Heads(x.ctx)
	if err != nil {
		t.Fatalf("Heads: %v", err)
	}
	var want uint64
	for _, h := range heads {
		want += h.Seq
	}
	if logs != uint64(len(heads)) || entries != want {
		t.Fatalf("CountHeads = %d logs, %d entries; want %d, %d from the heads held", logs, entries, len(heads), want)
	}
}
