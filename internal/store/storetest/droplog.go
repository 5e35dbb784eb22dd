package storetest

import (
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// testDropLog: a dropped log is gone from every read (its fork evidence
// too), the other logs stay, the count and bytes reported are exact, and
// the log can be stored again from seq 1.
func testDropLog(t *testing.T, x h) {
	d, ok := x.s.(store.LogDropper)
	if !ok {
		t.Fatalf("%T does not implement store.LogDropper", x.s)
	}
	var log entry.LogID
	log[0] = 7
	c := newChain(key(t, 1), log)
	other := newChain(key(t, 2), log)
	es := c.posts(t, 3)
	x.mustAdd(es...)
	x.mustAdd(other.posts(t, 2)...)
	x.expect(c.signAt(t, 2, post(t, "the other story"), 0, 42), store.Forked)
	var want int64
	for _, e := range es {
		want += int64(len(e.Raw) + len(e.Payload))
	}
	n, size, err := d.DropLog(x.ctx, c.logKey())
	if err != nil || n != 3 || size != want {
		t.Fatalf("DropLog = %d entries, %d bytes, %v; want 3, %d, nil", n, size, err, want)
	}
	if _, err := x.s.Head(x.ctx, c.logKey()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Head of a dropped log: %v, want ErrNotFound", err)
	}
	if hs := x.heads(); len(hs) != 1 || hs[0] != other.head() {
		t.Fatalf("Heads = %+v, want only the other log", hs)
	}
	for _, e := range es {
		if _, err := x.s.Get(x.ctx, e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get of a dropped entry: %v, want ErrNotFound", err)
		}
	}
	if got, err := x.s.Log(x.ctx, c.logKey(), 1, 10); err != nil || len(got) != 0 {
		t.Fatalf("Log of a dropped log: %d entries, %v", len(got), err)
	}
	found, err := x.s.Find(x.ctx, store.Query{LogID: &log})
	if err != nil {
		t.Fatal(err)
	}
	equalIDs(t, "Find after the drop", storedIDs(found), ids(other.es))
	if fs := x.forks(); len(fs) != 0 {
		t.Fatalf("Forks = %d after the drop, want 0", len(fs))
	}
	// Not held: nothing to do.
	if n, size, err := d.DropLog(x.ctx, c.logKey()); n != 0 || size != 0 || err != nil {
		t.Fatalf("dropping again = %d, %d, %v", n, size, err)
	}
	// Stored again from seq 1, as new.
	for _, e := range es {
		x.expect(fresh(t, e), store.Added)
	}
	if hd := x.head(c.logKey()); hd != c.head() {
		t.Fatalf("head after storing again %+v, want %+v", hd, c.head())
	}
}
