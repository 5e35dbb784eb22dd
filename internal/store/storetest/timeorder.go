package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// The time order of feeds (store.EntryTime): each entry's arrival and
// time, Find with ByTime, and paging by TimeKey.

// testClock is a clock a test sets.
type testClock struct{ ms atomic.Int64 }

func (c *testClock) now() int64    { return c.ms.Load() }
func (c *testClock) set(ms int64)  { c.ms.Store(ms) }
func (c *testClock) step(ms int64) { c.ms.Add(ms) }

const timeBase = int64(1_800_000_000_000)

var skewMS = store.ClockSkew.Milliseconds()

// addAt signs the chain's next post, claiming the time claim, and keeps it.
func (c *chain) addAt(t testing.TB, claim int64) *entry.Entry {
	t.Helper()
	e := c.signAt(t, uint64(len(c.es)+1), post(t, fmt.Sprint("post ", len(c.es)+1)), 0, uint64(claim))
	c.es = append(c.es, e)
	return e
}

// byTime lists the posts newest first in time order.
func (x h) byTime() []*store.Stored {
	return x.find(store.Query{Type: content.TypePost, ByTime: true, Desc: true})
}

func testEntryTimes(t *testing.T, open func(*testing.T, store.Clock) store.Store) {
	clk := &testClock{}
	clk.set(timeBase)
	x := h{t: t, s: open(t, clk.now), ctx: context.Background()}
	defer x.s.Close()
	a, b, c, d := newChain(key(t, 1), entry.PublicLog), newChain(key(t, 2), entry.PublicLog),
		newChain(key(t, 3), entry.PublicLog), newChain(key(t, 4), entry.PublicLog)
	type want = timeWant
	var wants []want
	at := func(arrival int64, es ...*entry.Entry) {
		clk.set(arrival)
		x.mustAdd(es...)
	}
	// a: a claim in the past counts; one before its predecessor's time
	// (the author's clock stepped back) sorts at that time.
	a1 := a.addAt(t, timeBase-5000)
	at(timeBase, a1)
	a2 := a.addAt(t, timeBase-9000)
	at(timeBase+10, a2)
	// b: a claim ClockSkew ahead of the arrival still counts.
	b1 := b.addAt(t, timeBase+20+skewMS)
	at(timeBase+20, b1)
	// c: one millisecond more does not: the entry sorts by its arrival;
	// the next one, claiming a time after it, by its claim.
	c1 := c.addAt(t, timeBase+30+skewMS+1)
	c2 := c.addAt(t, timeBase+31)
	at(timeBase+30, c1, c2) // one batch: one arrival
	// d: the greatest timestamp there is, then one before the arrival
	// of the first: it may not sort above it.
	d1 := d.addAt(t, int64(entry.MaxTimestamp))
	d2 := d.addAt(t, timeBase+35)
	at(timeBase+40, d1)
	at(timeBase+50, d2)
	wants = append(wants,
		want{a1, timeBase, timeBase - 5000}, want{a2, timeBase + 10, timeBase - 5000},
		want{b1, timeBase + 20, timeBase + 20 + skewMS},
		want{c1, timeBase + 30, timeBase + 30}, want{c2, timeBase + 30, timeBase + 31},
		want{d1, timeBase + 40, timeBase + 40}, want{d2, timeBase + 50, timeBase + 40},
	)
	for _, w := range wants {
		if got := x.get(w.e.ID); got.Arrived != w.arrived || got.Time != w.time {
			t.Errorf("seq %d of %s (claim %d): Get says arrived %d time %d, want %d %d",
				w.e.Header.Seq, w.e.Header.Author.Device(), w.e.Header.Timestamp, got.Arrived, got.Time, w.arrived, w.time)
		}
		if w.time != store.EntryTime(w.e.Header.Timestamp, w.arrived, prevTime(wants, w.e)) {
			t.Errorf("seq %d of %s: EntryTime disagrees with the test", w.e.Header.Seq, w.e.Header.Author.Device())
		}
	}
	for _, l := range x.log(d.logKey(), 1, 0) {
		if w := wants[5+l.Header.Seq-1]; l.Arrived != w.arrived || l.Time != w.time {
			t.Errorf("Log: seq %d of d: arrived %d time %d, want %d %d", l.Header.Seq, l.Arrived, l.Time, w.arrived, w.time)
		}
	}
	// Newest first: b1 (claim ahead, in the skew), d2 (after d1, same
	// time), d1, c2, c1, a2 (after a1, same time), a1.
	equalIDs(t, "Find(post, ByTime, Desc)", storedIDs(x.byTime()), ids([]*entry.Entry{b1, d2, d1, c2, c1, a2, a1}))
	equalIDs(t, "Find(post, ByTime)", storedIDs(x.find(store.Query{Type: content.TypePost, ByTime: true})), ids([]*entry.Entry{a1, a2, c1, c2, d1, d2, b1}))
	equalIDs(t, "Find(ByTime, Desc, limit 2)", storedIDs(x.find(store.Query{ByTime: true, Desc: true, Limit: 2})), ids([]*entry.Entry{b1, d2}))
	// Keys bound a query on either side; Before/After (cursors) still
	// filter.
	d2k, c1k := x.get(d2.ID).Key(), x.get(c1.ID).Key()
	equalIDs(t, "Find(ByTime, Desc, before d2)", storedIDs(x.find(store.Query{ByTime: true, Desc: true, BeforeKey: d2k})), ids([]*entry.Entry{d1, c2, c1, a2, a1}))
	equalIDs(t, "Find(ByTime, after c1, before d2)", storedIDs(x.find(store.Query{ByTime: true, AfterKey: c1k, BeforeKey: d2k})), ids([]*entry.Entry{c2, d1}))
	equalIDs(t, "Find(ByTime, Desc, cursor before c1)", storedIDs(x.find(store.Query{ByTime: true, Desc: true, Before: c1k.Cursor})), ids([]*entry.Entry{b1, a2, a1}))
}

// timeWant is an entry's expected arrival and time.
type timeWant struct {
	e             *entry.Entry
	arrived, time int64
}

// prevTime is the time wants gives the entry before e in its log, 0 at
// seq 1.
func prevTime(wants []timeWant, e *entry.Entry) int64 {
	for _, w := range wants {
		if w.e.Header.Author == e.Header.Author && w.e.Header.LogID == e.Header.LogID && w.e.Header.Seq+1 == e.Header.Seq {
			return w.time
		}
	}
	return 0
}

// testReplyTimes: a reply's time is not before the time of the post it
// answers, when that is held when the reply arrives (in the store or
// earlier in the same batch); else it is the reply's own.
func testReplyTimes(t *testing.T, open func(*testing.T, store.Clock) store.Store) {
	clk := &testClock{}
	clk.set(timeBase)
	x := h{t: t, s: open(t, clk.now), ctx: context.Background()}
	defer x.s.Close()
	a, b, c := newChain(key(t, 1), entry.PublicLog), newChain(key(t, 2), entry.PublicLog), newChain(key(t, 3), entry.PublicLog)
	root := a.addAt(t, timeBase)
	x.mustAdd(root)
	replyAt := func(c *chain, to *entry.Entry, claim int64) *entry.Entry {
		e := c.signAt(t, uint64(len(c.es)+1), reply(t, "re", to.ID, entry.ID{}), 0, uint64(claim))
		c.es = append(c.es, e)
		return e
	}
	clk.step(10)
	behind := replyAt(b, root, timeBase-5) // b's clock is 5 ms behind a's
	x.mustAdd(behind)
	// Both in one batch: the answer to a post of the same batch.
	clk.step(10)
	p2 := a.addAt(t, timeBase+100)
	r2 := replyAt(c, p2, timeBase+50)
	x.mustAdd(p2, r2)
	// The answer arrives before the post it answers: its own claim.
	orphanTo := newChain(key(t, 4), entry.PublicLog).addAt(t, timeBase+200)
	early := replyAt(b, orphanTo, timeBase+30)
	x.mustAdd(early)
	for _, w := range []struct {
		e    *entry.Entry
		time int64
	}{{behind, timeBase}, {r2, timeBase + 100}, {early, timeBase + 30}} {
		if got := x.get(w.e.ID).Time; got != w.time {
			t.Errorf("reply seq %d of %s (claim %d): time %d, want %d", w.e.Header.Seq, w.e.Header.Author.Device(), w.e.Header.Timestamp, got, w.time)
		}
	}
	// Oldest first, each answer after the post it answers.
	equalIDs(t, "by time", storedIDs(x.find(store.Query{Type: content.TypePost, ByTime: true})), ids([]*entry.Entry{root, behind, early, p2, r2}))
}

// testTimeOrderAfterFollow is the case of issue 15: following a friend
// brings the friend's old posts after your new one; they sort below it.
// A post claiming the far future sorts by its arrival.
func testTimeOrderAfterFollow(t *testing.T, open func(*testing.T, store.Clock) store.Store) {
	clk := &testClock{}
	clk.set(timeBase)
	x := h{t: t, s: open(t, clk.now), ctx: context.Background()}
	defer x.s.Close()
	me, friend := newChain(key(t, 1), entry.PublicLog), newChain(key(t, 2), entry.PublicLog)
	const day = int64(24 * 3600 * 1000)
	mine := me.addAt(t, timeBase)
	x.mustAdd(mine)
	old := []*entry.Entry{friend.addAt(t, timeBase-3*day), friend.addAt(t, timeBase-2*day), friend.addAt(t, timeBase-day)}
	clk.step(60_000) // a minute later, the follow brings them
	x.mustAdd(old...)
	equalIDs(t, "by arrival", storedIDs(x.find(store.Query{Type: content.TypePost, Desc: true})), ids([]*entry.Entry{old[2], old[1], old[0], mine}))
	equalIDs(t, "by time", storedIDs(x.byTime()), ids([]*entry.Entry{mine, old[2], old[1], old[0]}))

	clk.step(60_000)
	future := friend.addAt(t, timeBase+365*day)
	x.mustAdd(future)
	clk.step(60_000)
	next := me.addAt(t, clk.now())
	x.mustAdd(next)
	equalIDs(t, "by time, with a claim of next year", storedIDs(x.byTime()), ids([]*entry.Entry{next, future, mine, old[2], old[1], old[0]}))
	if got := x.get(future.ID); got.Time != timeBase+120_000 || got.Arrived != timeBase+120_000 {
		t.Fatalf("the post of next year: time %d arrived %d, want both %d", got.Time, got.Arrived, timeBase+120_000)
	}
}

// pageByTime reads posts newest first in time order, limit at a time,
// calling between(page) after each page; it returns what it read.
func (x h) pageByTime(limit int, between func(page int)) []*store.Stored {
	var out []*store.Stored
	q := store.Query{Type: content.TypePost, ByTime: true, Desc: true, Limit: limit}
	for page := 0; ; page++ {
		if page > 1000 {
			x.t.Fatal("more than 1000 pages")
		}
		got := x.find(q)
		out = append(out, got...)
		if len(got) < limit {
			return out
		}
		q.BeforeKey = got[len(got)-1].Key()
		if between != nil {
			between(page)
		}
	}
}

// testTimePagesWhileArriving pages through a feed while posts arrive
// between the pages, old ones (below the page read last) and new ones:
// every post held at the start is read exactly once, in time order, and
// the old ones that arrive are read too (they come after the place the
// reader has reached).
func testTimePagesWhileArriving(t *testing.T, open func(*testing.T, store.Clock) store.Store) {
	clk := &testClock{}
	clk.set(timeBase)
	x := h{t: t, s: open(t, clk.now), ctx: context.Background()}
	defer x.s.Close()
	var chains []*chain
	for i := range 4 {
		chains = append(chains, newChain(key(t, 10+i), entry.PublicLog))
	}
	var start []*entry.Entry
	for i := range 24 {
		claim := timeBase - int64(100*(24-i))
		if i%5 == 0 {
			claim = timeBase + 100*skewMS // far ahead: sorts by its arrival
		}
		e := chains[i%4].addAt(t, claim)
		clk.step(7)
		x.mustAdd(e)
		start = append(start, e)
	}
	var arrivedOld, arrivedNew []*entry.Entry
	read := x.pageByTime(5, func(page int) {
		clk.step(1000)
		// Older than everything read so far (each in a log of its own: a
		// log's next entry never sorts below the one before it).
		o := newChain(key(t, 100+page), entry.PublicLog).addAt(t, timeBase-1_000_000-int64(page))
		n := chains[page%4].addAt(t, clk.now()) // newer than everything
		x.mustAdd(o, n)
		arrivedOld, arrivedNew = append(arrivedOld, o), append(arrivedNew, n)
	})
	seen := map[entry.ID]int{}
	for i, s := range read {
		seen[s.ID]++
		if i > 0 && s.Key().Compare(read[i-1].Key()) >= 0 {
			t.Fatalf("page order: %+v after %+v", s.Key(), read[i-1].Key())
		}
	}
	for _, e := range append(start, arrivedOld...) {
		if seen[e.ID] != 1 {
			t.Errorf("entry seq %d of %s (claim %d, key %+v) read %d times, want once", e.Header.Seq, e.Header.Author.Device(), e.Header.Timestamp, x.get(e.ID).Key(), seen[e.ID])
		}
	}
	for _, e := range arrivedNew {
		if seen[e.ID] != 0 {
			t.Errorf("a post newer than the pages read was read: seq %d of %s", e.Header.Seq, e.Header.Author.Device())
		}
	}
	if want := len(start) + len(arrivedOld); len(read) != want {
		t.Errorf("read %d posts, want %d", len(read), want)
	}
}

// testTimeOrderAnyArrival is a property test: logs with claims of every
// kind (past, slightly ahead, far ahead, stepping back) delivered in
// random interleavings and batches at random arrival times. Whatever
// the order: each entry's time is EntryTime of its claim, its arrival and
// its predecessor's time; no entry sorts above a later entry of its own
// log; none sorts above its arrival + ClockSkew; and paging in random
// page sizes reads the whole time order once.
func testTimeOrderAnyArrival(t *testing.T, open func(*testing.T, store.Clock) store.Store) {
	var chains []*chain
	for i := range 5 {
		c := newChain(key(t, 30+i), entry.PublicLog)
		r := rand.New(rand.NewPCG(uint64(i), 7))
		claim := timeBase
		for range 6 + r.IntN(6) {
			switch r.IntN(5) {
			case 0:
				claim -= r.Int64N(100_000) // clock stepped back
			case 1:
				claim = timeBase + r.Int64N(1000*skewMS) // far ahead
			default:
				claim += r.Int64N(10_000)
			}
			c.addAt(t, max(claim, 0))
		}
		chains = append(chains, c)
	}
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 99))
		clk := &testClock{}
		clk.set(timeBase - 50_000 + r.Int64N(100_000))
		x := h{t: t, s: open(t, clk.now), ctx: context.Background()}
		next := make([]int, len(chains))
		arrived := map[entry.ID]int64{}
		model := map[entry.ID]int64{}
		for {
			var open []int
			for i, c := range chains {
				if next[i] < len(c.es) {
					open = append(open, i)
				}
			}
			if len(open) == 0 {
				break
			}
			clk.step(r.Int64N(3 * skewMS))
			var batch []*entry.Entry
			for range 1 + r.IntN(4) {
				i := open[r.IntN(len(open))]
				if next[i] == len(chains[i].es) {
					continue
				}
				e := chains[i].es[next[i]]
				var prev int64
				if next[i] > 0 {
					prev = model[chains[i].es[next[i]-1].ID]
				}
				next[i]++
				batch = append(batch, e)
				arrived[e.ID], model[e.ID] = clk.now(), store.EntryTime(e.Header.Timestamp, clk.now(), prev)
			}
			x.mustAdd(batch...)
		}
		all := x.byTime()
		if len(all) != len(model) {
			t.Fatalf("seed %d: %d posts by time, want %d", seed, len(all), len(model))
		}
		pos := map[entry.ID]int{}
		for i, s := range all {
			pos[s.ID] = i
			if s.Time != model[s.ID] || s.Arrived != arrived[s.ID] {
				t.Fatalf("seed %d: seq %d: time %d arrived %d, want %d %d", seed, s.Header.Seq, s.Time, s.Arrived, model[s.ID], arrived[s.ID])
			}
			if s.Time > s.Arrived+skewMS {
				t.Fatalf("seed %d: seq %d: time %d more than ClockSkew after its arrival %d", seed, s.Header.Seq, s.Time, s.Arrived)
			}
		}
		for _, c := range chains {
			for j := 1; j < len(c.es); j++ {
				if pos[c.es[j].ID] > pos[c.es[j-1].ID] { // newest first: later seq has a smaller position
					t.Fatalf("seed %d: seq %d sorts above seq %d of its log", seed, j, j+1)
				}
			}
		}
		limit := 1 + r.IntN(7)
		if got := storedIDs(x.pageByTime(limit, nil)); !slices.Equal(got, storedIDs(all)) {
			t.Fatalf("seed %d: pages of %d read %d posts, not the time order of %d", seed, limit, len(got), len(all))
		}
		_ = x.s.Close()
	}
}
