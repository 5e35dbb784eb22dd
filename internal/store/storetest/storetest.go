// Package storetest is the conformance suite every store.Store backend
// runs: a backend is correct when Run passes. The suite checks exact
// outcomes, exact contents and exact error kinds; what an error message must
// mention is checked by substring.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call, which stamps arrivals with clock; Run closes the stores it
// opens (open may also register its own cleanup, and Close must tolerate
// being called twice).
func Run(t *testing.T, openClocked func(t *testing.T, clock store.Clock) store.Store) {
	open := func(t *testing.T) store.Store { return openClocked(t, store.SystemClock) }
	tests := []struct {
		name string
		fn   func(t *testing.T, x h)
	}{
		{"AppendAndRead", testAppendAndRead},
		{"HeadsOrder", testHeadsOrder},
		{"HeadsOf", testHeadsOf},
		{"HeadsWithLogID", testHeadsWithLogID},
		{"HeadsVersion", testHeadsVersion},
		{"HeadsDigest", testHeadsDigest},
		{"Idempotent", testIdempotent},
		{"InvalidSignature", testInvalidSignature},
		{"ChainRules", testChainRules},
		{"Malformed", testMalformed},
		{"Fork", testFork},
		{"ForkInvalidSignature", testForkInvalidSignature},
		{"ForkOnePerSeq", testForkOnePerSeq},
		{"ForkLimit", testForkLimit},
		{"ForkBatch", testForkBatch},
		{"ForkBatchNewLog", testForkBatchNewLog},
		{"BatchMixed", testBatchMixed},
		{"BatchDependencies", testBatchDependencies},
		{"HeaderOnlyThenPayload", testHeaderOnlyThenPayload},
		{"Delete", testDelete},
		{"DeleteBeforeTarget", testDeleteBeforeTarget},
		{"DeleteOtherAuthor", testDeleteOtherAuthor},
		{"DeleteRules", testDeleteRules},
		{"Devices", testDevices},
		{"DeviceCertHeaderOnly", testDeviceCertHeaderOnly},
		{"LatestProfile", testLatestProfile},
		{"Find", testFind},
		{"FindNewestFirst", testFindNewestFirst},
		{"Threads", testThreads},
		{"ThreadsHeaderOnlyAndDeletes", testThreadsHeaderOnlyAndDeletes},
		{"PayloadTypes", testPayloadTypes},
		{"ConcurrentAppends", testConcurrentAppends},
		{"Cancelled", testCancelled},
		{"Closed", testClosed},
		{"DropLog", testDropLog},
		{"CursorsAfterDropLog", testCursorsAfterDropLog},
		{"RevokeKeepsNothing", testRevokeKeepsNothing},
		{"RevokeKeepsHeads", testRevokeKeepsHeads},
		{"RevokeBeforeEntries", testRevokeBeforeEntries},
		{"RevokeInBatch", testRevokeInBatch},
		{"RevokeCertPayloadLate", testRevokeCertPayloadLate},
		{"RevokeBadInput", testRevokeBadInput},
		{"RevokeTwice", testRevokeTwice},
		{"RevokeDropsTombstones", testRevokeDropsTombstones},
		{"RevokeKeepUnknown", testRevokeKeepUnknown},
		{"CursorsAfterRevocation", testCursorsAfterRevocation},
		{"RevokeRace", func(t *testing.T, x h) { testRevokeRace(t, x, open) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			x := h{t: t, s: s, ctx: context.Background()}
			tc.fn(t, x)
			if !t.Failed() && !t.Skipped() {
				checkDigest(t, x)
				checkCount(t, x)
			}
		})
	}
	t.Run("ArrivalOrder", func(t *testing.T) { testArrivalOrder(t, open) })
	t.Run("EntryTimes", func(t *testing.T) { testEntryTimes(t, openClocked) })
	t.Run("ReplyTimes", func(t *testing.T) { testReplyTimes(t, openClocked) })
	t.Run("TimeOrderAfterFollow", func(t *testing.T) { testTimeOrderAfterFollow(t, openClocked) })
	t.Run("TimePagesWhileArriving", func(t *testing.T) { testTimePagesWhileArriving(t, openClocked) })
	t.Run("TimeOrderAnyArrival", func(t *testing.T) { testTimeOrderAnyArrival(t, openClocked) })
	t.Run("Convergence", func(t *testing.T) { CrossCheck(t, 5, open) })
}

func testAppendAndRead(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 5)
	for i, e := range es {
		x.mustAdd(e)
		if got := x.head(c.logKey()); got != (store.Head{Log: c.logKey(), Seq: uint64(i + 1), ID: e.ID}) {
			t.Fatalf("after seq %d: head %+v", i+1, got)
		}
	}
	if hs := x.heads(); len(hs) != 1 || hs[0] != c.head() {
		t.Fatalf("Heads = %+v, want [%+v]", hs, c.head())
	}
	all := x.log(c.logKey(), 1, 0)
	equalIDs(t, "Log(1, 0)", storedIDs(all), ids(es))
	var last int64
	for i, s := range all {
		sameEntry(t, s, es[i], true)
		if s.Type != content.TypePost || s.Deleted {
			t.Fatalf("seq %d: type %q deleted %v", i+1, s.Type, s.Deleted)
		}
		if s.Cursor <= last {
			t.Fatalf("seq %d: cursor %d after %d", i+1, s.Cursor, last)
		}
		last = s.Cursor
		g := x.get(es[i].ID)
		sameEntry(t, g, es[i], true)
		if g.Cursor != s.Cursor || g.Type != content.TypePost {
			t.Fatalf("Get(seq %d): cursor %d type %q, Log said %d %q", i+1, g.Cursor, g.Type, s.Cursor, s.Type)
		}
	}
	equalIDs(t, "Log(3, 2)", storedIDs(x.log(c.logKey(), 3, 2)), ids(es[2:4]))
	equalIDs(t, "Log(0, 10)", storedIDs(x.log(c.logKey(), 0, 10)), ids(es))
	equalIDs(t, "Log(5, 10)", storedIDs(x.log(c.logKey(), 5, 10)), ids(es[4:]))
	equalIDs(t, "Log(6, 10)", storedIDs(x.log(c.logKey(), 6, 10)), nil)
	other := store.LogKey{Author: c.author(), LogID: entry.LogID{1}}
	equalIDs(t, "Log(unknown log)", storedIDs(x.log(other, 1, 10)), nil)
	if _, err := x.s.Head(x.ctx, other); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Head(unknown) error %v, want ErrNotFound", err)
	}
	x.notFound(entry.ID{1, 2, 3})
}

func testHeadsOrder(t *testing.T, x h) {
	var want []store.Head
	for i := range 4 {
		for _, lid := range []entry.LogID{{9}, entry.PublicLog, {3}} {
			c := newChain(key(t, 10+i), lid)
			x.mustAdd(c.posts(t, i+1)...)
			want = append(want, c.head())
		}
	}
	slices.SortFunc(want, func(a, b store.Head) int {
		if c := bytes.Compare(a.Log.Author[:], b.Log.Author[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.Log.LogID[:], b.Log.LogID[:])
	})
	if got := x.heads(); !slices.Equal(got, want) {
		t.Fatalf("Heads:\n got %+v\nwant %+v", got, want)
	}
}

func testIdempotent(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 3)
	x.mustAdd(es...)
	before := x.heads()
	cur := x.get(es[1].ID).Cursor
	for _, e := range es {
		x.expect(fresh(t, e), store.Known)
		x.expect(headerOnly(t, e), store.Known)
	}
	rs := x.ingest(fresh(t, es[0]), fresh(t, es[1]), fresh(t, es[2]))
	for i, r := range rs {
		checkResult(t, r, es[i], store.Known)
	}
	if after := x.heads(); !slices.Equal(before, after) {
		t.Fatalf("heads changed: %+v → %+v", before, after)
	}
	if n := len(x.log(c.logKey(), 1, 100)); n != 3 {
		t.Fatalf("log holds %d entries, want 3", n)
	}
	if got := x.get(es[1].ID); got.Cursor != cur {
		t.Fatalf("cursor changed from %d to %d", cur, got.Cursor)
	}
	if n := len(x.find(store.Query{})); n != 3 {
		t.Fatalf("Find{} = %d entries, want 3", n)
	}
}

func testInvalidSignature(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	// At seq 1 of an unknown log.
	bad := forge(t, c.next(t, post(t, "forged"), 0))
	x.expect(bad, store.Rejected, "signature")
	if _, err := x.s.Head(x.ctx, c.logKey()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Head after a rejected first entry: %v, want ErrNotFound", err)
	}
	x.notFound(bad.ID)
	if hs := x.heads(); len(hs) != 0 {
		t.Fatalf("Heads = %+v, want none", hs)
	}
	// Extending a held log.
	x.mustAdd(c.posts(t, 2)...)
	before := x.heads()
	bad = forge(t, c.next(t, post(t, "forged"), 0))
	x.expect(bad, store.Rejected, "signature")
	if after := x.heads(); !slices.Equal(before, after) {
		t.Fatalf("heads changed: %+v → %+v", before, after)
	}
	x.notFound(bad.ID)
	// The genuine entry at that seq is still welcome.
	x.mustAdd(c.add(t, post(t, "genuine"), 0))
	if got := x.head(c.logKey()); got.Seq != 3 || got.Forked {
		t.Fatalf("head %+v, want seq 3, not forked", got)
	}
}

func testChainRules(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	x.mustAdd(c.posts(t, 2)...)
	before := x.heads()
	k := c.key

	// Seq 1 missing: a log that starts at seq 2.
	other := newChain(k, entry.LogID{7})
	x.expect(other.signAt(t, 2, post(t, "x"), 0, 5), store.Rejected, "entry 1 must come first")

	// Gap: seq 4 after head 2.
	x.expect(c.signAt(t, 4, post(t, "gap"), 0, 5), store.Rejected, "entry 3 is missing before it")

	// Wrong backlink at seq 3.
	wrong, err := entry.Sign(k, entry.Draft{LogID: c.log, Seq: 3, Backlink: c.es[0].ID, Timestamp: 9, Payload: post(t, "wrong")})
	if err != nil {
		t.Fatal(err)
	}
	x.expect(fresh(t, wrong), store.Rejected, "backlink")

	if after := x.heads(); !slices.Equal(before, after) {
		t.Fatalf("heads changed: %+v → %+v", before, after)
	}

	// End of log, then more.
	end := c.add(t, post(t, "the end"), entry.FlagEndOfLog)
	x.mustAdd(end)
	if got := x.head(c.logKey()); !got.Ended || got.Seq != 3 || got.ID != end.ID {
		t.Fatalf("head after end-of-log: %+v", got)
	}
	x.expect(c.next(t, post(t, "after the end"), 0), store.Rejected, "ended")
	if got := x.head(c.logKey()); got.Seq != 3 {
		t.Fatalf("head after a rejected entry past the end: %+v", got)
	}
}

func testMalformed(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	x.mustAdd(c.posts(t, 1)...)
	before := x.heads()

	// Payload of the right size with the wrong hash.
	e := c.next(t, post(t, "abcd"), 0)
	e.Payload = post(t, "abce")
	x.expect(e, store.Rejected, "payload_hash")
	// Payload of the wrong size.
	e = c.next(t, post(t, "abcd"), 0)
	e.Payload = post(t, "abcde")
	x.expect(e, store.Rejected, "header says")
	// Header fields that are not the raw bytes.
	e = c.next(t, post(t, "abcd"), 0)
	e.Header.Timestamp++
	x.expect(e, store.Rejected, "header fields do not match")
	// An id that is not the hash of the raw bytes.
	e = c.next(t, post(t, "abcd"), 0)
	e.ID[0] ^= 1
	x.expect(e, store.Rejected, "SHA-256")
	// Raw bytes that do not decode.
	e = c.next(t, post(t, "abcd"), 0)
	e.Raw = append(bytes.Clone(e.Raw), 0)
	x.expect(e, store.Rejected)

	if after := x.heads(); !slices.Equal(before, after) {
		t.Fatalf("heads changed: %+v → %+v", before, after)
	}
	x.mustAdd(c.add(t, post(t, "abcd"), 0))
}

func testFork(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 3)
	x.mustAdd(es...)
	conflict := c.signAt(t, 2, post(t, "the other story"), 0, 42)
	if conflict.Header.Backlink != es[0].ID {
		t.Fatal("test setup: conflict must link to seq 1")
	}
	x.expect(conflict, store.Forked)

	hd := x.head(c.logKey())
	if want := (store.Head{Log: c.logKey(), Seq: 3, ID: es[2].ID, Forked: true}); hd != want {
		t.Fatalf("head %+v, want %+v", hd, want)
	}
	fs := x.forks()
	if len(fs) != 1 {
		t.Fatalf("Forks = %d, want 1", len(fs))
	}
	f := fs[0]
	if f.Log != c.logKey() || f.Seq != 2 || f.Kept != es[1].ID || f.Conflict == nil || f.Conflict.ID != conflict.ID ||
		!bytes.Equal(f.Conflict.Raw, conflict.Raw) || f.Conflict.Header != conflict.Header || f.Conflict.Payload != nil {
		t.Fatalf("fork evidence %+v does not match kept %s / conflict %s", f, es[1].ID, conflict.ID)
	}
	// Both are retrievable: the kept one in its log, the other as evidence
	// (its signed header; its payload was never checked and is not kept).
	sameEntry(t, x.get(es[1].ID), es[1], true)
	// The log no longer grows.
	x.expect(c.next(t, post(t, "more"), 0), store.Rejected, "forked")
	if hd2 := x.head(c.logKey()); hd2 != hd {
		t.Fatalf("head changed: %+v → %+v", hd, hd2)
	}
	// The same evidence again changes nothing; the kept entries are known.
	x.expect(fresh(t, conflict), store.Forked)
	x.expect(fresh(t, es[2]), store.Known)
	if n := len(x.forks()); n != 1 {
		t.Fatalf("Forks = %d after re-sending the evidence, want 1", n)
	}
	// A second, different conflict at seq 1 is more evidence.
	conflict1 := c.signAt(t, 1, post(t, "another beginning"), 0, 43)
	x.expect(conflict1, store.Forked)
	fs = x.forks()
	if len(fs) != 2 || fs[0].Conflict.ID != conflict.ID || fs[1].Conflict.ID != conflict1.ID || fs[1].Kept != es[0].ID || fs[1].Seq != 1 {
		t.Fatalf("Forks after a second conflict: %+v", fs)
	}
	// Other logs are unaffected.
	o := newChain(key(t, 2), entry.PublicLog)
	x.mustAdd(o.posts(t, 2)...)
	if hd := x.head(o.logKey()); hd.Forked || hd.Seq != 2 {
		t.Fatalf("other log: %+v", hd)
	}
}

func testForkInvalidSignature(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 2)
	x.mustAdd(es...)
	bad := forge(t, c.signAt(t, 2, post(t, "forged conflict"), 0, 42))
	x.expect(bad, store.Rejected, "signature")
	if hd := x.head(c.logKey()); hd.Forked || hd != c.head() {
		t.Fatalf("head %+v, want %+v", hd, c.head())
	}
	if fs := x.forks(); len(fs) != 0 {
		t.Fatalf("Forks = %+v, want none", fs)
	}
	x.mustAdd(c.posts(t, 1)...)
}

// wantForks checks the fork evidence held, in order: for each conflict,
// evidence at its seq of its log with the entry of chain c at that seq as
// the one kept.
func wantForks(t *testing.T, x h, c *chain, conflicts ...*entry.Entry) {
	t.Helper()
	fs := x.forks()
	got := make([]entry.ID, len(fs))
	for i, f := range fs {
		got[i] = f.Conflict.ID
	}
	equalIDs(t, "Forks", got, ids(conflicts))
	for i, f := range fs {
		e := conflicts[i]
		if f.Log != c.logKey() || f.Seq != e.Header.Seq || f.Kept != c.es[e.Header.Seq-1].ID ||
			!bytes.Equal(f.Conflict.Raw, e.Raw) || f.Conflict.Payload != nil {
			t.Fatalf("fork evidence %d: log %s seq %d kept %s, want seq %d kept %s",
				i, f.Log, f.Seq, f.Kept, e.Header.Seq, c.es[e.Header.Seq-1].ID)
		}
	}
}

// conflicts signs, for each seq, an entry of c's log at seq that differs
// from the one c holds there.
func conflicts(t *testing.T, c *chain, tag string, seqs ...uint64) []*entry.Entry {
	t.Helper()
	out := make([]*entry.Entry, len(seqs))
	for i, seq := range seqs {
		out[i] = c.signAt(t, seq, post(t, fmt.Sprintf("%s at %d", tag, seq)), 0, 99)
	}
	return out
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// testForkOnePerSeq: one piece of evidence per (log, seq). Further validly
// signed conflicts at that seq are reported as forks but not stored.
func testForkOnePerSeq(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	x.mustAdd(c.posts(t, 3)...)
	first, second, third := conflicts(t, c, "one", 2)[0], conflicts(t, c, "two", 2)[0], conflicts(t, c, "three", 2)[0]
	x.expect(first, store.Forked)
	hd := x.head(c.logKey())
	if want := (store.Head{Log: c.logKey(), Seq: 3, ID: c.es[2].ID, Forked: true}); hd != want {
		t.Fatalf("head %+v, want %+v", hd, want)
	}
	x.expect(second, store.Forked)
	x.expect(third, store.Forked)
	wantForks(t, x, c, first)
	// Again, and the first again: still the one piece of evidence.
	x.expect(fresh(t, second), store.Forked)
	x.expect(fresh(t, first), store.Forked)
	wantForks(t, x, c, first)
	// A conflict with an invalid signature is no evidence at all.
	x.expect(forge(t, conflicts(t, c, "four", 2)[0]), store.Rejected, "signature")
	// The log stays forked; the entries it holds are known.
	if hd2 := x.head(c.logKey()); hd2 != hd {
		t.Fatalf("head changed: %+v → %+v", hd, hd2)
	}
	x.expect(fresh(t, c.es[1]), store.Known)
	x.expect(c.next(t, post(t, "more"), 0), store.Rejected, "forked")
	// Another seq is another position.
	at1 := conflicts(t, c, "one", 1)[0]
	x.expect(at1, store.Forked)
	x.expect(conflicts(t, c, "two", 1)[0], store.Forked)
	wantForks(t, x, c, first, at1)
}

// testForkLimit: evidence at most at store.MaxForksPerLog positions of one
// log; conflicts at further positions are reported as forks, not stored.
func testForkLimit(t *testing.T, x h) {
	if store.MaxForksPerLog != 16 {
		t.Fatalf("MaxForksPerLog = %d, the protocol says 16", store.MaxForksPerLog)
	}
	c := newChain(key(t, 1), entry.PublicLog)
	x.mustAdd(c.posts(t, 20)...)
	cs := conflicts(t, c, "conflict", seqRange(1, 20)...)
	for _, e := range cs {
		x.expect(e, store.Forked)
	}
	wantForks(t, x, c, cs[:16]...)
	// Nothing more at a position held or beyond the limit; the kept
	// evidence is the first 16 positions in arrival order.
	x.expect(fresh(t, cs[18]), store.Forked)
	x.expect(conflicts(t, c, "again", 5)[0], store.Forked)
	x.expect(conflicts(t, c, "again", 17)[0], store.Forked)
	wantForks(t, x, c, cs[:16]...)
	if hd := x.head(c.logKey()); !hd.Forked || hd.Seq != 20 || hd.ID != c.es[19].ID {
		t.Fatalf("head %+v", hd)
	}
	// The limit is per log: another log of the same author has its own.
	o := newChain(c.key, entry.LogID{7})
	x.mustAdd(o.posts(t, 2)...)
	oc := conflicts(t, o, "other log", 2)
	x.expect(oc[0], store.Forked)
	if fs := x.forks(); len(fs) != 17 || fs[16].Conflict.ID != oc[0].ID || fs[16].Log != o.logKey() {
		t.Fatalf("Forks after a conflict in another log: %d, last %+v", len(fs), fs[len(fs)-1])
	}
}

// testForkBatch: the same rules within one Ingest batch, with evidence
// earlier in the batch counting as held. The batch is long enough that a
// backend which plans it in chunks must carry the evidence across them.
func testForkBatch(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	x.mustAdd(c.posts(t, 20)...)
	cs := conflicts(t, c, "conflict", seqRange(1, 20)...)
	alt2, alt5 := conflicts(t, c, "alt", 2)[0], conflicts(t, c, "alt", 5)[0]
	forged := forge(t, conflicts(t, c, "forged", 9)[0])
	filler := newChain(key(t, 2), entry.PublicLog)
	batch := []*entry.Entry{cs[1], alt2, fresh(t, cs[1]), cs[0], cs[2], cs[3], cs[4]}
	batch = append(batch, filler.posts(t, 700)...)
	batch = append(batch, fresh(t, alt2), alt5, forged)
	batch = append(batch, cs[5:]...)
	batch = append(batch, fresh(t, cs[0]), fresh(t, cs[19]))
	for i, r := range x.ingest(batch...) {
		want := store.Forked
		switch e := batch[i]; {
		case e == forged:
			want = store.Rejected
		case e.Header.Author == filler.author():
			want = store.Added
		}
		checkResult(t, r, batch[i], want)
	}
	// Seq 2 first (its first conflict), then seqs 1 and 3..16.
	want := append([]*entry.Entry{cs[1], cs[0]}, cs[2:16]...)
	wantForks(t, x, c, want...)
	if hd := x.head(c.logKey()); !hd.Forked || hd.Seq != 20 {
		t.Fatalf("head %+v", hd)
	}
	if hd := x.head(filler.logKey()); hd != filler.head() {
		t.Fatalf("filler head %+v, want %+v", hd, filler.head())
	}
	// A later batch adds nothing either.
	rs := x.ingest(fresh(t, alt5), cs[17], conflicts(t, c, "late", 3)[0])
	for i, r := range rs {
		if r.Outcome != store.Forked {
			t.Fatalf("late conflict %d: %v (%v), want fork", i, r.Outcome, r.Err)
		}
	}
	wantForks(t, x, c, want...)
}

// testForkBatchNewLog: a batch that brings a log and conflicts with it
// keeps one piece of evidence per position.
func testForkBatchNewLog(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 3)
	a, b := conflicts(t, c, "a", 2)[0], conflicts(t, c, "b", 2)[0]
	batch := append(slices.Clone(es), a, b, fresh(t, a), c.next(t, post(t, "more"), 0))
	rs := x.ingest(batch...)
	for i, want := range []store.Outcome{store.Added, store.Added, store.Added, store.Forked, store.Forked, store.Forked, store.Rejected} {
		checkResult(t, rs[i], batch[i], want)
	}
	wantForks(t, x, c, a)
	if hd := x.head(c.logKey()); !hd.Forked || hd.Seq != 3 || hd.ID != es[2].ID {
		t.Fatalf("head %+v", hd)
	}
}

func testBatchMixed(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 4)
	batch := []*entry.Entry{
		es[0],
		forge(t, es[1]),
		es[1],
		c.signAt(t, 7, post(t, "gap"), 0, 1),
		es[2],
		fresh(t, es[0]),
		func() *entry.Entry { e := fresh(t, es[3]); e.Payload = post(t, "not it"); return e }(),
		es[3],
	}
	want := []store.Outcome{store.Added, store.Rejected, store.Added, store.Rejected, store.Added, store.Known, store.Rejected, store.Added}
	rs := x.ingest(batch...)
	for i, r := range rs {
		checkResult(t, r, batch[i], want[i])
		var re *store.RejectError
		if errors.As(r.Err, &re) && re.Index != i {
			t.Fatalf("result %d: RejectError.Index = %d", i, re.Index)
		}
	}
	equalIDs(t, "log after a mixed batch", storedIDs(x.log(c.logKey(), 1, 100)), ids(es))
	if hs := x.heads(); len(hs) != 1 || hs[0] != c.head() {
		t.Fatalf("Heads = %+v, want [%+v]", hs, c.head())
	}
	x.notFound(batch[1].ID)
	x.notFound(batch[3].ID)
	// An empty batch is fine.
	if rs := x.ingest(); len(rs) != 0 {
		t.Fatalf("empty Ingest: %+v", rs)
	}
}

func testBatchDependencies(t *testing.T, x h) {
	a := newChain(key(t, 1), entry.PublicLog)
	b := newChain(key(t, 2), entry.LogID{5})
	aes, bes := a.posts(t, 10), b.posts(t, 6)
	// Interleave the two logs; each log in seq order.
	var batch []*entry.Entry
	for i := range 10 {
		batch = append(batch, aes[i])
		if i < 6 {
			batch = append(batch, bes[i])
		}
	}
	for i, r := range x.ingest(batch...) {
		checkResult(t, r, batch[i], store.Added)
	}
	want := []store.Head{a.head(), b.head()}
	if bytes.Compare(want[0].Log.Author[:], want[1].Log.Author[:]) > 0 {
		want[0], want[1] = want[1], want[0]
	}
	if got := x.heads(); !slices.Equal(got, want) {
		t.Fatalf("Heads = %+v, want %+v", got, want)
	}
	// Arrival order is batch order.
	equalIDs(t, "Find{} after a batch", storedIDs(x.find(store.Query{})), ids(batch))
	// A batch that extends a log, then ends it, then tries to go on.
	more := a.posts(t, 2)
	end := a.add(t, post(t, "end"), entry.FlagEndOfLog)
	after := a.next(t, post(t, "after"), 0)
	rs := x.ingest(more[0], more[1], end, after)
	for i, w := range []store.Outcome{store.Added, store.Added, store.Added, store.Rejected} {
		checkResult(t, rs[i], []*entry.Entry{more[0], more[1], end, after}[i], w)
	}
	if hd := x.head(a.logKey()); hd != a.head() || !hd.Ended {
		t.Fatalf("head %+v, want %+v", hd, a.head())
	}
}

func testHeaderOnlyThenPayload(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 3)
	var hdrs []*entry.Entry
	for _, e := range es {
		hdrs = append(hdrs, headerOnly(t, e))
	}
	for i, r := range x.ingest(hdrs...) {
		checkResult(t, r, es[i], store.Added)
	}
	for _, e := range es {
		g := x.get(e.ID)
		sameEntry(t, g, e, false)
		if g.Type != "" || g.Deleted {
			t.Fatalf("header-only entry: type %q deleted %v", g.Type, g.Deleted)
		}
	}
	if got := x.find(store.Query{Type: content.TypePost}); len(got) != 0 {
		t.Fatalf("Find(post) before payloads: %d entries", len(got))
	}
	if hd := x.head(c.logKey()); hd != c.head() {
		t.Fatalf("head %+v, want %+v", hd, c.head())
	}
	// A payload that does not match is refused, and does not fill.
	bad := headerOnly(t, es[1])
	bad.Payload = post(t, "post 3")
	x.expect(bad, store.Rejected, "payload")
	// The real payloads fill in; cursors do not move.
	cur := x.get(es[1].ID).Cursor
	x.expect(fresh(t, es[1]), store.Known)
	g := x.get(es[1].ID)
	sameEntry(t, g, es[1], true)
	if g.Type != content.TypePost || g.Cursor != cur {
		t.Fatalf("filled entry: type %q cursor %d (was %d)", g.Type, g.Cursor, cur)
	}
	for i, r := range x.ingest(fresh(t, es[0]), fresh(t, es[2])) {
		checkResult(t, r, []*entry.Entry{es[0], es[2]}[i], store.Known)
	}
	for _, e := range es {
		sameEntry(t, x.get(e.ID), e, true)
	}
	equalIDs(t, "Find(post) after payloads", storedIDs(x.find(store.Query{Type: content.TypePost})), ids(es))
	// Header only again does not drop the payload.
	x.expect(headerOnly(t, es[0]), store.Known)
	sameEntry(t, x.get(es[0].ID), es[0], true)
	// A header-only entry and its payload in one batch.
	e4 := c.add(t, post(t, "four"), 0)
	for _, r := range x.ingest(headerOnly(t, e4), fresh(t, e4)) {
		if r.ID != e4.ID {
			t.Fatal("wrong id")
		}
	}
	sameEntry(t, x.get(e4.ID), e4, true)
}

func testDelete(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	target := c.add(t, post(t, "regrettable"), 0)
	keep := c.add(t, post(t, "fine"), 0)
	d := c.add(t, del(t, target.ID), 0)
	x.mustAdd(target, keep, d)

	g := x.get(target.ID)
	sameEntry(t, g, target, false)
	if !g.Deleted || g.Type != "" {
		t.Fatalf("deleted entry: deleted %v type %q", g.Deleted, g.Type)
	}
	if gd := x.get(d.ID); gd.Type != content.TypeDelete || gd.Deleted {
		t.Fatalf("the delete itself: type %q deleted %v", gd.Type, gd.Deleted)
	}
	sameEntry(t, x.get(keep.ID), keep, true)
	// The log is still valid and still grows.
	if hd := x.head(c.logKey()); hd != c.head() {
		t.Fatalf("head %+v, want %+v", hd, c.head())
	}
	equalIDs(t, "log after a delete", storedIDs(x.log(c.logKey(), 1, 10)), ids(c.es))
	next := c.add(t, post(t, "next"), 0)
	x.mustAdd(next)
	// Re-sending the deleted payload does not bring it back.
	x.expect(fresh(t, target), store.Known)
	if g := x.get(target.ID); g.Payload != nil || !g.Deleted {
		t.Fatalf("payload came back after a delete: %x", g.Payload)
	}
	// Deleted entries are not found by type.
	equalIDs(t, "Find(post)", storedIDs(x.find(store.Query{Type: content.TypePost})), ids([]*entry.Entry{keep, next}))
	// Deleting twice is harmless.
	d2 := c.add(t, del(t, target.ID), 0)
	x.mustAdd(d2)
	if g := x.get(target.ID); !g.Deleted || g.Payload != nil {
		t.Fatal("second delete changed the target")
	}
}

func testDeleteBeforeTarget(t *testing.T, x h) {
	k := key(t, 1)
	ctxLog := newChain(k, entry.LogID{0x42})
	pub := newChain(k, entry.PublicLog)
	target := ctxLog.add(t, post(t, "in a context"), 0)
	sibling := ctxLog.add(t, post(t, "stays"), 0)
	d := pub.add(t, del(t, target.ID), 0)
	x.mustAdd(d)
	x.notFound(target.ID)
	x.mustAdd(target, sibling)
	g := x.get(target.ID)
	sameEntry(t, g, target, false)
	if !g.Deleted || g.Type != "" {
		t.Fatalf("target that arrived after its delete: deleted %v type %q", g.Deleted, g.Type)
	}
	sameEntry(t, x.get(sibling.ID), sibling, true)
	if hd := x.head(ctxLog.logKey()); hd != ctxLog.head() {
		t.Fatalf("head %+v, want %+v", hd, ctxLog.head())
	}

	// The same, with the delete and the target in one batch, delete first.
	target2 := ctxLog.add(t, post(t, "second"), 0)
	d2 := pub.add(t, del(t, target2.ID), 0)
	for i, r := range x.ingest(d2, target2) {
		checkResult(t, r, []*entry.Entry{d2, target2}[i], store.Added)
	}
	if g := x.get(target2.ID); !g.Deleted || g.Payload != nil {
		t.Fatalf("target after its delete in one batch: deleted %v payload %x", g.Deleted, g.Payload)
	}
	// And target first, then delete, in one batch.
	target3 := ctxLog.add(t, post(t, "third"), 0)
	d3 := pub.add(t, del(t, target3.ID), 0)
	x.ingest(target3, d3)
	if g := x.get(target3.ID); !g.Deleted || g.Payload != nil {
		t.Fatalf("target before its delete in one batch: deleted %v payload %x", g.Deleted, g.Payload)
	}
}

func testDeleteOtherAuthor(t *testing.T, x h) {
	alice := newChain(key(t, 1), entry.PublicLog)
	bob := newChain(key(t, 2), entry.PublicLog)
	bobPost := bob.add(t, post(t, "bob's"), 0)
	x.mustAdd(bobPost)
	// Alice's delete of Bob's post is a valid entry of Alice's log (its
	// validity must not depend on whether the target arrived first), but
	// it has no effect on Bob's post.
	bad := alice.add(t, del(t, bobPost.ID), 0)
	x.mustAdd(bad)
	sameEntry(t, x.get(bobPost.ID), bobPost, true)
	if g := x.get(bobPost.ID); g.Deleted {
		t.Fatal("another author's delete applied")
	}
	if h, err := x.s.Head(x.ctx, alice.logKey()); err != nil || h.Seq != 1 || h.ID != bad.ID {
		t.Fatalf("alice's log after her delete: %+v %v", h, err)
	}

	// A delete of an entry not held yet is kept; if the target turns out
	// to be another author's, it does not apply.
	bobLater := bob.add(t, post(t, "bob's later"), 0)
	early := alice.add(t, del(t, bobLater.ID), 0)
	x.mustAdd(early, bobLater)
	g := x.get(bobLater.ID)
	sameEntry(t, g, bobLater, true)
	if g.Deleted {
		t.Fatal("another author's delete applied")
	}
	// Bob can still delete it himself.
	x.mustAdd(bob.add(t, del(t, bobLater.ID), 0))
	if g := x.get(bobLater.ID); !g.Deleted {
		t.Fatal("the author's own delete did not apply")
	}
}

func testDeleteRules(t *testing.T, x h) {
	acc, dev := key(t, 1), key(t, 2)
	cert, err := content.NewDeviceCert(acc, dev, "phone", 1000)
	if err != nil {
		t.Fatal(err)
	}
	cert = fresh(t, cert)
	x.mustAdd(cert)
	pub := newChain(acc, entry.PublicLog)
	// Deletes of a certificate or of a delete are stored without effect.
	x.mustAdd(pub.add(t, del(t, cert.ID), 0))
	p := pub.add(t, post(t, "p"), 0)
	d := pub.add(t, del(t, p.ID), 0)
	x.mustAdd(p, d)
	x.mustAdd(pub.add(t, del(t, d.ID), 0))
	if g := x.get(d.ID); g.Deleted || g.Type != content.TypeDelete {
		t.Fatalf("a delete was deleted: deleted %v type %q", g.Deleted, g.Type)
	}
	if g := x.get(cert.ID); g.Deleted || g.Type != content.TypeDeviceAdd {
		t.Fatalf("certificate: deleted %v type %q", g.Deleted, g.Type)
	}
	if ds := x.devices(acc.Public()); len(ds) != 1 {
		t.Fatalf("Devices = %+v", ds)
	}
	// A delete of a delete that arrived before its target does not apply
	// to it either.
	q := pub.add(t, post(t, "q"), 0)
	dq := pub.add(t, del(t, q.ID), 0)
	other := newChain(acc, entry.LogID{0x77})
	ddq := other.add(t, del(t, dq.ID), 0)
	x.mustAdd(ddq, q, dq)
	if g := x.get(dq.ID); g.Deleted || g.Type != content.TypeDelete {
		t.Fatalf("a delete was deleted: deleted %v type %q", g.Deleted, g.Type)
	}
	if g := x.get(q.ID); !g.Deleted {
		t.Fatal("the delete did not apply")
	}
}

func newCert(t *testing.T, acc, dev identity.PrivateKey, name string, ts uint64) *entry.Entry {
	t.Helper()
	e, err := content.NewDeviceCert(acc, dev, name, ts)
	if err != nil {
		t.Fatal(err)
	}
	return fresh(t, e)
}

func newRevoke(t *testing.T, acc identity.PrivateKey, cert *entry.Entry, ts uint64) *entry.Entry {
	t.Helper()
	e, err := content.NewDeviceRevoke(acc, cert, "lost", nil, ts)
	if err != nil {
		t.Fatal(err)
	}
	return fresh(t, e)
}

func testDevices(t *testing.T, x h) {
	acc, d1, d2, other := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	c1 := newCert(t, acc, d1, "laptop", 1000)
	c2 := newCert(t, acc, d2, "phone", 1001)
	// Asked before the certificates arrive, then after: a store that
	// keeps answers (sqlite's devicesCache) must not keep this one.
	if ds := x.devices(acc.Public()); len(ds) != 0 {
		t.Fatalf("Devices before any certificate = %+v", ds)
	}
	x.mustAdd(c1, c2)
	if g := x.get(c1.ID); g.Type != content.TypeDeviceAdd {
		t.Fatalf("certificate type %q", g.Type)
	}
	want := []store.Device{
		{Account: acc.Public(), Device: d1.Public(), Name: "laptop", Cert: c1.ID},
		{Account: acc.Public(), Device: d2.Public(), Name: "phone", Cert: c2.ID},
	}
	slices.SortFunc(want, func(a, b store.Device) int { return bytes.Compare(a.Device[:], b.Device[:]) })
	if got := x.devices(acc.Public()); !slices.Equal(got, want) {
		t.Fatalf("Devices:\n got %+v\nwant %+v", got, want)
	}
	for _, w := range want {
		got, err := x.s.AccountOf(x.ctx, w.Device)
		if err != nil || got != w {
			t.Fatalf("AccountOf(%s) = %+v, %v; want %+v", w.Device.Device(), got, err, w)
		}
	}
	if _, err := x.s.AccountOf(x.ctx, other.Public()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AccountOf(uncertified) error %v, want ErrNotFound", err)
	}
	if ds := x.devices(other.Public()); len(ds) != 0 {
		t.Fatalf("Devices(no devices) = %+v", ds)
	}
	rev := newRevoke(t, acc, c1, 2000)
	x.mustAdd(rev)
	got, err := x.s.AccountOf(x.ctx, d1.Public())
	if err != nil {
		t.Fatal(err)
	}
	if w := (store.Device{Account: acc.Public(), Device: d1.Public(), Name: "laptop", Cert: c1.ID, Revoked: true, RevokedBy: rev.ID}); got != w {
		t.Fatalf("AccountOf(revoked) = %+v, want %+v", got, w)
	}
	for _, d := range x.devices(acc.Public()) {
		if d.Revoked != (d.Device == d1.Public()) {
			t.Fatalf("Devices after a revocation: %+v", d)
		}
	}
	// The revocation ended the certificate log.
	if hd := x.head(store.LogKey{Author: acc.Public(), LogID: content.DeviceCertLog(d1.Public())}); !hd.Ended || hd.Seq != 2 {
		t.Fatalf("certificate log head %+v", hd)
	}

	// A certificate without a valid device counter-signature is refused.
	add := &content.DeviceAdd{Account: acc.Public().Account(), Device: other.Public().Device(), Name: "stolen"}
	add.DeviceSig = d1.Sign(content.DeviceCertInput(acc.Public(), other.Public()))
	forged := newChain(acc, content.DeviceCertLog(other.Public())).next(t, encode(t, add), 0)
	// The entry is validly signed by the account, so its header is kept;
	// the payload is refused and certifies nothing.
	x.expectPayloadRefused(forged, "device_sig")
	if _, err := x.s.AccountOf(x.ctx, other.Public()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AccountOf after a forged certificate: %v", err)
	}

	// A device that agreed to belong to two accounts: AccountOf prefers a
	// certification that is not revoked, then the smaller certificate id.
	acc2 := key(t, 5)
	c2b := newCert(t, acc2, d2, "shared", 3000)
	x.mustAdd(c2b)
	first, second := c2, c2b
	firstAcc, secondAcc := acc, acc2
	if bytes.Compare(c2b.ID[:], c2.ID[:]) < 0 {
		first, second, firstAcc, secondAcc = c2b, c2, acc2, acc
	}
	if got, err := x.s.AccountOf(x.ctx, d2.Public()); err != nil || got.Cert != first.ID || got.Account != firstAcc.Public() {
		t.Fatalf("AccountOf(device of two accounts) = %+v, %v; want the certificate %s", got, err, first.ID)
	}
	x.mustAdd(newRevoke(t, firstAcc, first, 4000))
	if got, err := x.s.AccountOf(x.ctx, d2.Public()); err != nil || got.Cert != second.ID || got.Account != secondAcc.Public() || got.Revoked {
		t.Fatalf("AccountOf after revoking one of two = %+v, %v; want the certificate %s", got, err, second.ID)
	}
	x.mustAdd(newRevoke(t, secondAcc, second, 4001))
	if got, err := x.s.AccountOf(x.ctx, d2.Public()); err != nil || got.Cert != first.ID || !got.Revoked {
		t.Fatalf("AccountOf after revoking both = %+v, %v; want the revoked certificate %s", got, err, first.ID)
	}
	if ds := x.devices(acc2.Public()); len(ds) != 1 || ds[0].Name != "shared" || !ds[0].Revoked {
		t.Fatalf("Devices(second account) = %+v", ds)
	}
}

func testDeviceCertHeaderOnly(t *testing.T, x h) {
	acc, d1 := key(t, 1), key(t, 2)
	c1 := newCert(t, acc, d1, "laptop", 1000)
	rev := newRevoke(t, acc, c1, 2000)
	x.mustAdd(headerOnly(t, c1))
	if _, err := x.s.AccountOf(x.ctx, d1.Public()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AccountOf before the certificate's payload: %v", err)
	}
	// The revocation arrives before the certificate's payload: it is
	// remembered, and applies once the certificate is known.
	x.mustAdd(rev)
	if ds := x.devices(acc.Public()); len(ds) != 0 {
		t.Fatalf("Devices before the certificate's payload: %+v", ds)
	}
	x.expect(fresh(t, c1), store.Known)
	want := store.Device{Account: acc.Public(), Device: d1.Public(), Name: "laptop", Cert: c1.ID, Revoked: true, RevokedBy: rev.ID}
	if ds := x.devices(acc.Public()); len(ds) != 1 || ds[0] != want {
		t.Fatalf("Devices = %+v, want [%+v]", ds, want)
	}
}

func testLatestProfile(t *testing.T, x h) {
	acc, d1, d2, d3 := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	acc2, d4 := key(t, 5), key(t, 6)
	ap := acc.Public()
	if _, err := x.s.LatestProfile(x.ctx, ap); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LatestProfile(empty store) error %v, want ErrNotFound", err)
	}
	c3 := newCert(t, acc, d3, "old", 1)
	x.mustAdd(newCert(t, acc, d1, "one", 1), newCert(t, acc, d2, "two", 1), c3, newCert(t, acc2, d4, "four", 1))

	prof := func(k identity.PrivateKey, log *chain, name string, ts uint64) *entry.Entry {
		e := log.signAt(t, uint64(len(log.es)+1), profile(t, name), 0, ts)
		log.es = append(log.es, e)
		x.mustAdd(e)
		return e
	}
	l1, l2, l3, l4 := newChain(d1, entry.PublicLog), newChain(d2, entry.PublicLog), newChain(d3, entry.PublicLog), newChain(d4, entry.PublicLog)
	la := newChain(acc, entry.PublicLog)
	prof(d1, l1, "from one", 100)
	p2 := prof(d2, l2, "from two", 200)
	prof(d3, l3, "from the revoked", 300)
	x.mustAdd(newRevoke(t, acc, c3, 2)) // keeps nothing: the profile is dropped
	prof(d4, l4, "from another account", 400)
	prof(acc, la, "from the account", 150)
	// A newer post is not a profile.
	x.mustAdd(l1.add(t, post(t, "not a profile"), 0))

	if got := x.latestProfile(ap); got.ID != p2.ID {
		t.Fatalf("LatestProfile = %s (seq %d by %x), want %s", got.ID, got.Header.Seq, got.Header.Author[:4], p2.ID)
	}
	sameEntry(t, x.latestProfile(ap), p2, true)
	if got := x.latestProfile(ap); got.Type != content.TypeProfile {
		t.Fatalf("type %q", got.Type)
	}
	pa := prof(acc, la, "from the account, later", 250)
	if got := x.latestProfile(ap); got.ID != pa.ID {
		t.Fatalf("LatestProfile = %s, want the account's own %s", got.ID, pa.ID)
	}
	// Same timestamp: the greater id wins.
	t1 := prof(d1, l1, "tie a", 900)
	t2 := prof(d2, l2, "tie b", 900)
	want := t1
	if bytes.Compare(t2.ID[:], t1.ID[:]) > 0 {
		want = t2
	}
	if got := x.latestProfile(ap); got.ID != want.ID {
		t.Fatalf("LatestProfile on a timestamp tie = %s, want %s", got.ID, want.ID)
	}
	// A deleted profile no longer counts.
	loser := t1
	if want == t1 {
		loser = t2
	}
	logOf := map[*entry.Entry]*chain{t1: l1, t2: l2}
	x.mustAdd(logOf[want].add(t, del(t, want.ID), 0))
	if got := x.latestProfile(ap); got.ID != loser.ID {
		t.Fatalf("LatestProfile after deleting the newest = %s, want %s", got.ID, loser.ID)
	}
	// A profile in a context log (a village, a space) is not the account's
	// public profile, however new.
	inContext := newChain(d1, entry.LogID{0x42})
	prof(d1, inContext, "only for one village", 5000)
	if got := x.latestProfile(ap); got.ID != loser.ID {
		t.Fatalf("LatestProfile after a profile in a context log = %s, want %s", got.ID, loser.ID)
	}
	// The other account sees its own device only.
	if got := x.latestProfile(acc2.Public()); got.Header.Author != d4.Public() {
		t.Fatal("LatestProfile of the other account is not its device's")
	}
	// A device's own key is not an account.
	if _, err := x.s.LatestProfile(x.ctx, key(t, 99).Public()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LatestProfile(unknown) error %v, want ErrNotFound", err)
	}
}

func testFind(t *testing.T, x h) {
	a, b := key(t, 1), key(t, 2)
	ctxA := entry.LogID{0x10}
	apub, actx, bpub, bctx := newChain(a, entry.PublicLog), newChain(a, ctxA), newChain(b, entry.PublicLog), newChain(b, ctxA)
	var all, posts, profiles, inCtx, byA, byB []*entry.Entry
	add := func(c *chain, payload []byte, isPost bool) {
		e := c.add(t, payload, 0)
		x.mustAdd(e)
		all = append(all, e)
		if isPost {
			posts = append(posts, e)
		} else {
			profiles = append(profiles, e)
		}
		if c.log == ctxA {
			inCtx = append(inCtx, e)
		}
		if c.author() == a.Public() {
			byA = append(byA, e)
		} else {
			byB = append(byB, e)
		}
	}
	for i := range 5 {
		add(apub, post(t, fmt.Sprint("a", i)), true)
		add(bctx, post(t, fmt.Sprint("b ctx", i)), true)
		if i%2 == 0 {
			add(actx, profile(t, fmt.Sprint("a ctx", i)), false)
			add(bpub, profile(t, fmt.Sprint("b", i)), false)
		}
	}
	equalIDs(t, "Find{}", storedIDs(x.find(store.Query{})), ids(all))
	equalIDs(t, "Find(post)", storedIDs(x.find(store.Query{Type: content.TypePost})), ids(posts))
	equalIDs(t, "Find(profile)", storedIDs(x.find(store.Query{Type: content.TypeProfile})), ids(profiles))
	equalIDs(t, "Find(log)", storedIDs(x.find(store.Query{LogID: &ctxA})), ids(inCtx))
	pl := entry.PublicLog
	equalIDs(t, "Find(public log, profile)", storedIDs(x.find(store.Query{LogID: &pl, Type: content.TypeProfile})), ids(bpub.es))
	equalIDs(t, "Find(authors a)", storedIDs(x.find(store.Query{Authors: []identity.PublicKey{a.Public()}})), ids(byA))
	equalIDs(t, "Find(authors b)", storedIDs(x.find(store.Query{Authors: []identity.PublicKey{b.Public()}})), ids(byB))
	equalIDs(t, "Find(authors a, b)", storedIDs(x.find(store.Query{Authors: []identity.PublicKey{b.Public(), a.Public()}})), ids(all))
	equalIDs(t, "Find(authors a, post, ctx)", storedIDs(x.find(store.Query{Authors: []identity.PublicKey{a.Public()}, Type: content.TypePost, LogID: &ctxA})), nil)
	equalIDs(t, "Find(authors b, post, ctx)", storedIDs(x.find(store.Query{Authors: []identity.PublicKey{b.Public()}, Type: content.TypePost, LogID: &ctxA})), ids(bctx.es))
	equalIDs(t, "Find(unknown author)", storedIDs(x.find(store.Query{Authors: []identity.PublicKey{key(t, 3).Public()}})), nil)
	equalIDs(t, "Find(unknown type)", storedIDs(x.find(store.Query{Type: "nothing"})), nil)

	// Paging with After and Limit, unfiltered and filtered.
	for _, q := range []store.Query{{}, {Type: content.TypePost}, {Authors: []identity.PublicKey{a.Public()}}, {LogID: &ctxA}} {
		want := storedIDs(x.find(q))
		for _, limit := range []int{1, 2, 3, 7} {
			var got []entry.ID
			q := q
			q.Limit = limit
			for range 100 {
				page := x.find(q)
				if len(page) > limit {
					t.Fatalf("page of %d entries, limit %d", len(page), limit)
				}
				if len(page) == 0 {
					break
				}
				got = append(got, storedIDs(page)...)
				q.After = page[len(page)-1].Cursor
			}
			equalIDs(t, fmt.Sprintf("paged Find(%+v)", q), got, want)
		}
	}
	// After the last cursor: nothing.
	last := x.find(store.Query{})
	equalIDs(t, "Find(after the end)", storedIDs(x.find(store.Query{After: last[len(last)-1].Cursor})), nil)
	// After a cursor in the middle.
	equalIDs(t, "Find(after 3rd)", storedIDs(x.find(store.Query{After: last[2].Cursor})), ids(all[3:]))
}

func testPayloadTypes(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.LogID{0x33})
	unknown := c.add(t, cborMap(map[string]any{"type": "recipe", "dish": "soup", "serves": 4}), 0)
	opaque := c.add(t, []byte("\x00\x01 sealed ciphertext, not CBOR"), 0)
	empty := c.add(t, []byte{}, 0)
	x.mustAdd(unknown, opaque, empty)
	for _, tc := range []struct {
		e   *entry.Entry
		typ string
	}{{unknown, "recipe"}, {opaque, ""}, {empty, ""}} {
		g := x.get(tc.e.ID)
		sameEntry(t, g, tc.e, true)
		if g.Type != tc.typ {
			t.Fatalf("type %q, want %q", g.Type, tc.typ)
		}
	}
	equalIDs(t, "Find(recipe)", storedIDs(x.find(store.Query{Type: "recipe"})), ids([]*entry.Entry{unknown}))

	// A known type that is malformed: the entry is kept as a header, the
	// payload is refused (payloads.md §3), whether it came with the header
	// or later.
	x.expectPayloadRefused(c.add(t, cborMap(map[string]any{"type": "post", "text": 5}), 0), "post", "text")
	// So is a type name that breaks the naming rule.
	x.expectPayloadRefused(c.add(t, cborMap(map[string]any{"type": "Post", "text": "x"}), 0), "type")
	// And non-canonical CBOR that claims a type (definite map, but the keys
	// in the wrong order).
	nonCanon := append([]byte{0xa2}, append(append(cborText("type"), cborText("post")...), append(cborText("text"), cborText("x")...)...)...)
	bad := c.add(t, nonCanon, 0)
	headerOnly := *bad
	headerOnly.Payload = nil
	x.mustAdd(&headerOnly)
	r := x.append(bad)
	if r.Outcome != store.Known || r.PayloadErr == nil || !strings.Contains(r.PayloadErr.Error(), "post") {
		t.Fatalf("late invalid payload: outcome %v payload error %v", r.Outcome, r.PayloadErr)
	}
	if g := x.get(bad.ID); g.Payload != nil || g.Type != "" {
		t.Fatalf("late invalid payload kept: type %q payload %x", g.Type, g.Payload)
	}
	// The log goes on after an entry whose payload was refused.
	x.mustAdd(c.add(t, encode(t, &content.Post{Text: "after"}), 0))
}

func testConcurrentAppends(t *testing.T, x h) {
	const writers, each = 8, 25
	chains := make([]*chain, writers)
	for i := range chains {
		chains[i] = newChain(key(t, 100+i), entry.LogID{byte(i)})
		chains[i].posts(t, each)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for _, c := range chains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, e := range c.es {
				var r store.Result
				var err error
				if i%5 == 4 {
					var rs []store.Result
					rs, err = x.s.Ingest(x.ctx, []*entry.Entry{e})
					if err == nil {
						r = rs[0]
					}
				} else {
					r, err = x.s.Append(x.ctx, e)
				}
				if err != nil || r.Outcome != store.Added {
					errs <- fmt.Errorf("log %s seq %d: %v %v %v", c.logKey(), e.Header.Seq, err, r.Outcome, r.Err)
					return
				}
				if _, err := x.s.Head(x.ctx, c.logKey()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	// Readers run alongside.
	stop := make(chan struct{})
	var rwg sync.WaitGroup
	for range 2 {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := x.s.Heads(x.ctx); err != nil {
					errs <- err
					return
				}
				if _, err := x.s.Find(x.ctx, store.Query{Type: content.TypePost, Limit: 10}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	hs := x.heads()
	if len(hs) != writers {
		t.Fatalf("%d heads, want %d", len(hs), writers)
	}
	for _, c := range chains {
		if hd := x.head(c.logKey()); hd != c.head() {
			t.Fatalf("head %+v, want %+v", hd, c.head())
		}
	}
	all := x.find(store.Query{})
	if len(all) != writers*each {
		t.Fatalf("%d entries, want %d", len(all), writers*each)
	}
	seen := map[int64]bool{}
	for _, s := range all {
		if seen[s.Cursor] {
			t.Fatalf("cursor %d used twice", s.Cursor)
		}
		seen[s.Cursor] = true
	}
}

func testCancelled(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 3)
	ctx, cancel := context.WithCancel(x.ctx)
	cancel()
	if _, err := x.s.Ingest(ctx, es); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ingest with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := x.s.Append(ctx, es[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append with a cancelled context: %v, want context.Canceled", err)
	}
	if hs := x.heads(); len(hs) != 0 {
		t.Fatalf("cancelled Ingest stored something: %+v", hs)
	}
	if _, err := x.s.Heads(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Heads with a cancelled context: %v, want context.Canceled", err)
	}
	x.mustAdd(es...)
}

func testClosed(t *testing.T, x h) {
	c := newChain(key(t, 1), entry.PublicLog)
	es := c.posts(t, 2)
	x.mustAdd(es[0])
	if err := x.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := x.s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ctx := x.ctx
	k := c.logKey()
	acc := key(t, 2).Public()
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrClosed) {
			t.Fatalf("%s after Close: %v, want ErrClosed", what, err)
		}
	}
	_, err := x.s.Append(ctx, es[1])
	check("Append", err)
	_, err = x.s.Ingest(ctx, es[1:])
	check("Ingest", err)
	_, err = x.s.Heads(ctx)
	check("Heads", err)
	_, err = x.s.Head(ctx, k)
	check("Head", err)
	_, err = x.s.Log(ctx, k, 1, 10)
	check("Log", err)
	_, err = x.s.LogRaw(ctx, k, 1, 10)
	check("LogRaw", err)
	_, err = x.s.Get(ctx, es[0].ID)
	check("Get", err)
	_, err = x.s.Find(ctx, store.Query{})
	check("Find", err)
	_, err = x.s.Forks(ctx)
	check("Forks", err)
	_, err = x.s.Devices(ctx, acc)
	check("Devices", err)
	_, err = x.s.AccountOf(ctx, acc)
	check("AccountOf", err)
	_, err = x.s.LatestProfile(ctx, acc)
	check("LatestProfile", err)
}
