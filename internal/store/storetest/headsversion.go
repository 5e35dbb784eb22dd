package storetest

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// testHeadsVersion checks store.HeadsVersioner, when the store implements
// it: reads leave the version as it is, and every write that changes a
// head (Append, Ingest, DropLog) changes it.
func testHeadsVersion(t *testing.T, x h) {
	hv, ok := x.s.(store.HeadsVersioner)
	if !ok {
		t.Skipf("%T does not implement store.HeadsVersioner", x.s)
	}
	a := newChain(key(t, 40), entry.PublicLog)
	b := newChain(key(t, 41), entry.LogID{7})
	as, bs := a.posts(t, 3), b.posts(t, 2)
	x.mustAdd(as[0])
	v := hv.HeadsVersion()
	x.heads()
	x.head(a.logKey())
	if got := hv.HeadsVersion(); got != v {
		t.Fatalf("HeadsVersion changed from %d to %d on reads alone", v, got)
	}
	step := func(what string, write func()) {
		t.Helper()
		before := hv.HeadsVersion()
		write()
		if got := hv.HeadsVersion(); got == before {
			t.Fatalf("HeadsVersion is still %d after %s", got, what)
		}
	}
	step("Append of seq 2", func() { x.mustAdd(as[1]) })
	step("Ingest of a new log and seq 3", func() {
		for i, r := range x.ingest(bs[0], as[2]) {
			if r.Outcome != store.Added {
				t.Fatalf("Ingest: entry %d: %s, want added", i, r.Outcome)
			}
		}
	})
	if d, ok := x.s.(store.LogDropper); ok {
		step("DropLog", func() {
			if n, _, err := d.DropLog(x.ctx, b.logKey()); err != nil || n != 1 {
				t.Fatalf("DropLog = %d entries, %v; want 1", n, err)
			}
		})
	}
	if hs := x.heads(); len(hs) != 1 || hs[0].Log != a.logKey() || hs[0].Seq != 3 {
		t.Fatalf("Heads after the writes = %+v, want log a at seq 3 only", hs)
	}
}
