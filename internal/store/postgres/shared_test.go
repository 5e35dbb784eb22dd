package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

// openShared opens n stores on one new schema: each with its own
// connections and caches, as n processes would.
func openShared(t *testing.T, n int) []*Store {
	t.Helper()
	schema := pgtest.Schema()
	out := make([]*Store, n)
	for i := range out {
		s, err := Open(context.Background(), Config{Conn: pgtest.Conn(t), Schema: schema, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		out[i] = s
	}
	return out
}

// TestSharedSameEntries: two stores on one schema ingest the same logs at
// once (the same entries arriving through two peers); every entry is
// stored once, Added by exactly one of them and Known to the other, and
// both read the same logs, in seq order, with distinct cursors.
func TestSharedSameEntries(t *testing.T) {
	ss := openShared(t, 2)
	ctx := context.Background()
	var all []*entry.Entry
	var chains []*chain
	for i := range 4 {
		c := newChain(t, 10+i)
		all = append(all, c.posts(t, 300)...)
		chains = append(chains, c)
	}
	results := make([][]store.Result, 2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range ss {
		// Each process parses the entries it receives itself.
		mine := make([]*entry.Entry, len(all))
		for j, e := range all {
			f, err := entry.Parse(e.Raw, e.Payload)
			if err != nil {
				t.Fatal(err)
			}
			mine[j] = f
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each in batches of 100, as a sync session delivers them.
			for j := 0; j < len(mine); j += 100 {
				rs, err := s.Ingest(ctx, mine[j:j+100])
				if err != nil {
					errs[i] = err
					return
				}
				results[i] = append(results[i], rs...)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for j, e := range all {
		a, b := results[0][j].Outcome, results[1][j].Outcome
		if !(a == store.Added && b == store.Known || a == store.Known && b == store.Added) {
			t.Fatalf("entry %d (%s): outcomes %v and %v, want one added and one known", j, e.ID, a, b)
		}
	}
	for _, s := range ss {
		got, err := s.Find(ctx, store.Query{Limit: 2000})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(all) {
			t.Fatalf("%d entries stored, want %d", len(got), len(all))
		}
		for _, c := range chains {
			h, err := s.Head(ctx, c.logKey())
			if err != nil || h.Seq != 300 || h.ID != c.es[299].ID || h.Forked {
				t.Fatalf("head %+v (%v), want seq 300 %s", h, err, c.es[299].ID)
			}
			es, err := s.Log(ctx, c.logKey(), 1, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range es {
				if e.ID != c.es[i].ID {
					t.Fatalf("log seq %d: %s, want %s", i+1, e.ID, c.es[i].ID)
				}
			}
		}
	}
	var n int
	if err := ss[0].pool.QueryRow(ctx, `SELECT count(DISTINCT cursor) FROM entries`).Scan(&n); err != nil || n != len(all) {
		t.Fatalf("%d distinct cursors (%v), want %d", n, err, len(all))
	}
}

// TestSharedFork: conflicting entries at one position arriving at two
// stores of one schema make a fork that both see, and the log stops
// growing in both, though each had the old head cached.
func TestSharedFork(t *testing.T) {
	ss := openShared(t, 2)
	ctx := context.Background()
	c := newChain(t, 1)
	es := c.posts(t, 2)
	mustIngest(t, ss[0], es...)
	if rs := mustIngest(t, ss[1], es...); rs[0].Outcome != store.Known || rs[1].Outcome != store.Known {
		t.Fatalf("second store: %v %v, want known", rs[0].Outcome, rs[1].Outcome)
	}
	// Both now cache the head at seq 2. Conflicting seq 3s arrive, one
	// at each.
	a := c.at(t, 3, "three, once")
	b := c.at(t, 3, "three, again")
	if r := mustIngest(t, ss[0], a); r[0].Outcome != store.Added {
		t.Fatalf("first seq 3: %v %v", r[0].Outcome, r[0].Err)
	}
	if r := mustIngest(t, ss[1], b); r[0].Outcome != store.Forked {
		t.Fatalf("conflicting seq 3 at the other store: %v %v, want fork", r[0].Outcome, r[0].Err)
	}
	c.es = append(c.es, a)
	next := c.at(t, 4, "four")
	for i, s := range ss {
		h, err := s.Head(ctx, c.logKey())
		if err != nil || !h.Forked || h.Seq != 3 || h.ID != a.ID {
			t.Fatalf("store %d: head %+v (%v), want forked at seq 3 %s", i, h, err, a.ID)
		}
		fs, err := s.Forks(ctx)
		if err != nil || len(fs) != 1 || fs[0].Conflict.ID != b.ID || fs[0].Kept != a.ID {
			t.Fatalf("store %d: forks %+v (%v)", i, fs, err)
		}
		r := mustIngest(t, s, next)[0]
		if r.Outcome != store.Rejected || !strings.Contains(r.Err.Error(), "log is forked") {
			t.Fatalf("store %d: seq 4 of the forked log: %v %v, want rejected as forked", i, r.Outcome, r.Err)
		}
	}
}

// TestSharedDropSeen: a log one store drops is gone for the other, whose
// cache still had its head: the next entry is refused as of a log not
// held, not appended to a log that no longer exists.
func TestSharedDropSeen(t *testing.T) {
	ss := openShared(t, 2)
	ctx := context.Background()
	c := newChain(t, 2)
	es := c.posts(t, 3)
	mustIngest(t, ss[0], es[:2]...)
	mustIngest(t, ss[1], es[:2]...)
	if n, _, err := ss[1].DropLog(ctx, c.logKey()); err != nil || n != 2 {
		t.Fatalf("DropLog: %d %v", n, err)
	}
	r := mustIngest(t, ss[0], es[2])[0]
	if r.Outcome != store.Rejected || !strings.Contains(r.Err.Error(), "log not held here") {
		t.Fatalf("seq 3 after the other store dropped the log: %v %v", r.Outcome, r.Err)
	}
	if _, err := ss[0].Head(ctx, c.logKey()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("head after drop: %v", err)
	}
	if rs := mustIngest(t, ss[0], es...); rs[0].Outcome != store.Added || rs[2].Outcome != store.Added {
		t.Fatalf("stored again from seq 1: %v %v", rs[0].Outcome, rs[2].Outcome)
	}
}

// TestSharedWatch: what one store on a schema stores is reported live to
// a Watch on another store of the schema, in arrival order, and nothing
// is reported for the watching store's own writes alone.
func TestSharedWatch(t *testing.T) {
	ss := openShared(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan []*entry.Entry, 16)
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		done <- ss[1].Watch(ctx, func(es []*entry.Entry) { got <- es })
	}()
	<-started
	c := newChain(t, 3)
	es := c.posts(t, 5)
	// Watch listens before it reads the last cursor; give it time to.
	time.Sleep(500 * time.Millisecond)
	own := newChain(t, 4)
	mustIngest(t, ss[1], own.posts(t, 1)...)
	select {
	case g := <-got:
		t.Fatalf("reported the watcher's own write: %d entries", len(g))
	case <-time.After(300 * time.Millisecond):
	}
	mustIngest(t, ss[0], es[:2]...)
	mustIngest(t, ss[0], es[2:]...)
	var seen []entry.ID
	deadline := time.After(10 * time.Second)
	for len(seen) < 6 {
		select {
		case g := <-got:
			for _, e := range g {
				seen = append(seen, e.ID)
			}
		case <-deadline:
			t.Fatalf("after 10 s the watcher saw %d entries, want 6 (the other store's 5 and its own 1)", len(seen))
		}
	}
	want := map[entry.ID]bool{own.es[0].ID: true}
	for _, e := range es {
		want[e.ID] = true
	}
	var order []entry.ID
	for _, id := range seen {
		if !want[id] {
			t.Fatalf("watch reported %s, which no store wrote", id)
		}
		if id != own.es[0].ID {
			order = append(order, id)
		}
	}
	for i, e := range es {
		if order[i] != e.ID {
			t.Fatalf("report %d: %s, want seq %d %s", i, order[i], i+1, e.ID)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch ended with %v, want context.Canceled", err)
	}
}
