package storetest

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// Cursors only grow: a store never hands out a cursor twice, also after
// DropLog deleted the entries that held the largest ones, and also across
// a close and an open of the same data (RunDurable). Consumers resume
// with Query.After at the last cursor they saw and would never see an
// entry given a cursor they have already passed.

// cursorWatch follows a store the way a consumer does: it remembers every
// cursor handed out and the last one it scanned up to.
type cursorWatch struct {
	seen    map[int64]entry.ID
	highest int64 // the largest cursor ever handed out
	scanned int64 // Query.After of the next scan
}

func newCursorWatch() *cursorWatch { return &cursorWatch{seen: map[int64]entry.ID{}} }

// scan reads what arrived after the last scan and requires exactly want,
// each with a cursor greater than any handed out before, and none reused.
func (w *cursorWatch) scan(x h, what string, want ...*entry.Entry) {
	x.t.Helper()
	got := x.find(store.Query{After: w.scanned})
	equalIDs(x.t, what+": Find{After: last scanned}", storedIDs(got), ids(want))
	for _, s := range got {
		if prev, ok := w.seen[s.Cursor]; ok {
			x.t.Fatalf("%s: entry %s got cursor %d, already handed out to %s", what, s.ID, s.Cursor, prev)
		}
		if s.Cursor <= w.highest {
			x.t.Fatalf("%s: entry %s got cursor %d, not above %d, the largest handed out before", what, s.ID, s.Cursor, w.highest)
		}
		w.seen[s.Cursor] = s.ID
		w.highest = s.Cursor
		w.scanned = s.Cursor
	}
}

// drop drops the log k, which must hold n entries.
func (w *cursorWatch) drop(x h, k store.LogKey, n int) {
	x.t.Helper()
	d, ok := x.s.(store.LogDropper)
	if !ok {
		x.t.Fatalf("%T does not implement store.LogDropper", x.s)
	}
	if got, _, err := d.DropLog(x.ctx, k); err != nil || got != n {
		x.t.Fatalf("DropLog(%s) = %d entries, %v; want %d, nil", k, got, err, n)
	}
}

// testCursorsAfterDropLog: dropping the log that holds the newest entries
// does not let the next entries take their cursors, whether they arrive
// one by one (Append) or in a batch (Ingest), in a log still held or in
// the dropped log stored again.
func testCursorsAfterDropLog(t *testing.T, x h) {
	a, b, w := twoLogsScanned(t, x)

	// b holds the three newest cursors.
	w.drop(x, b.logKey(), 3)
	next := a.add(t, post(t, "after the drop"), 0)
	x.mustAdd(next)
	w.scan(x, "appended after dropping the newest log", next)

	// Now a holds the newest; drop it and store b again, in one batch.
	w.drop(x, a.logKey(), 3)
	for _, r := range x.ingest(fresh(t, b.es[0]), fresh(t, b.es[1]), fresh(t, b.es[2])) {
		if r.Outcome != store.Added {
			t.Fatalf("ingest of the dropped log again: %v (%v), want added", r.Outcome, r.Err)
		}
	}
	w.scan(x, "ingested after dropping the newest log", b.es...)

	// Two drops in a row, each of the newest log: the store is empty,
	// and still nothing is reused.
	c := newChain(key(t, 3), a.es[0].Header.LogID)
	x.mustAdd(c.posts(t, 2)...)
	w.scan(x, "a third log", c.es...)
	w.drop(x, c.logKey(), 2)
	w.drop(x, b.logKey(), 3)
	if got := x.find(store.Query{}); len(got) != 0 {
		t.Fatalf("Find{} = %d entries after dropping every log, want none", len(got))
	}
	x.mustAdd(fresh(t, a.es[0]))
	w.scan(x, "appended to an emptied store", a.es[0])
}

// testCursorsAfterRevocation: a revocation that drops the newest entries
// (those of a log the revoked device wrote after the revocation arrived,
// while the certificate's payload, which puts it in effect, was missing)
// does not let the next entry take their cursors.
func testCursorsAfterRevocation(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	cw := newCursorWatch()
	x.mustAdd(headerOnly(t, w.cert))
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, kept(w.pub.es[0])...)
	x.mustAdd(rev)
	x.mustAdd(w.pub.es...)
	cw.scan(x, "before the revocation is in effect", append([]*entry.Entry{w.cert, rev}, w.pub.es...)...)
	// The certificate's payload puts the revocation in effect: seq 2..4,
	// the three newest entries, go.
	x.expect(fresh(t, w.cert), store.Known)
	x.gone(w.pub.es[1:]...)
	other := newChain(key(t, 5), entry.PublicLog)
	x.mustAdd(other.posts(t, 1)...)
	cw.scan(x, "appended after the revocation dropped the newest entries", other.es...)
}

// Reopen opens a new, empty store, and returns it with reopen, which
// opens the same data again once the store it last returned is closed.
type Reopen func(t *testing.T) (s store.Store, reopen func(t *testing.T) store.Store)

// RunDurable runs the cases about what a store keeps across a close and
// an open of the same data. Backends that keep their data beyond a
// process (SQLite, PostgreSQL) run it besides Run.
func RunDurable(t *testing.T, open Reopen) {
	t.Run("CursorsAfterDropLogAndReopen", func(t *testing.T) { testCursorsAfterReopen(t, open) })
}

// testCursorsAfterReopen: the cursors DropLog freed stay taken after the
// store is closed and opened again, whether the drop was the last thing
// done before the close or entries arrived in between.
func testCursorsAfterReopen(t *testing.T, open Reopen) {
	s, reopen := open(t)
	t.Cleanup(func() { _ = s.Close() })
	x := h{t: t, s: s, ctx: t.Context()}
	a, b, w := twoLogsScanned(t, x)
	w.drop(x, b.logKey(), 3)

	again := func() {
		t.Helper()
		if err := x.s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		x.s = reopen(t)
		t.Cleanup(func() { _ = x.s.Close() })
	}
	again()
	next := a.add(t, post(t, "after the drop and a reopen"), 0)
	x.mustAdd(next)
	w.scan(x, "appended after the drop and a reopen", next)

	// Entries arrive after the drop, then the newest log is dropped
	// again, and the store closed and opened twice.
	w.drop(x, a.logKey(), 3)
	again()
	again()
	x.mustAdd(fresh(t, b.es[0]), fresh(t, b.es[1]))
	w.scan(x, "appended after a second drop and two reopens", b.es[:2]...)
	again()
	x.mustAdd(fresh(t, b.es[2]))
	w.scan(x, "appended after a plain reopen", b.es[2])
}

// twoLogsScanned stores two posts in a log of one device and then three
// in a log of another (which so holds the newest cursors), and returns the
// two chains and a watch that has scanned them all.
func twoLogsScanned(t *testing.T, x h) (a, b *chain, w *cursorWatch) {
	t.Helper()
	var log entry.LogID
	log[0] = 7
	a = newChain(key(t, 1), log)
	b = newChain(key(t, 2), log)
	w = newCursorWatch()
	x.mustAdd(a.posts(t, 2)...)
	x.mustAdd(b.posts(t, 3)...)
	w.scan(x, "before the drop", append(append([]*entry.Entry{}, a.es...), b.es...)...)
	return a, b, w
}
