package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/store"
)

// versionChanges polls s.HeadsVersion until it differs from v, for at
// most 5 s, and returns the new value.
func versionChanges(t *testing.T, s *Store, v uint64, what string) uint64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got := s.HeadsVersion(); got != v {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("HeadsVersion still %d 5 s after %s", v, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stableVersion waits, for at most 10 s, until two calls of HeadsVersion
// return the same number (the listener listens), and returns it.
func stableVersion(t *testing.T, s *Store) uint64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := s.HeadsVersion()
		if s.HeadsVersion() == v {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatal("HeadsVersion changes on every call 10 s on: the listener does not listen")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readAll makes every read call the offer set's caller could make.
func readAll(t *testing.T, s *Store, k store.LogKey, c *chain) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Heads(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Head(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Find(ctx, store.Query{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, c.es[0].ID); err != nil {
		t.Fatal(err)
	}
}

// TestHeadsVersionOwnWrites: Append, Ingest and DropLog of this Store
// change its HeadsVersion at once; reads do not.
func TestHeadsVersionOwnWrites(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a, b := newChain(t, 60), newChain(t, 61)
	as, bs := a.posts(t, 3), b.posts(t, 1)
	mustIngest(t, s, as[0])
	v := s.HeadsVersion()
	readAll(t, s, a.logKey(), a)
	if got := s.HeadsVersion(); got != v {
		t.Fatalf("HeadsVersion went from %d to %d on reads alone", v, got)
	}
	if _, err := s.Append(ctx, as[1]); err != nil {
		t.Fatal(err)
	}
	if got := s.HeadsVersion(); got == v {
		t.Fatalf("HeadsVersion still %d after Append", got)
	}
	v = s.HeadsVersion()
	mustIngest(t, s, as[2], bs[0])
	if got := s.HeadsVersion(); got == v {
		t.Fatalf("HeadsVersion still %d after Ingest", got)
	}
	v = s.HeadsVersion()
	if n, _, err := s.DropLog(ctx, b.logKey()); err != nil || n != 1 {
		t.Fatalf("DropLog = %d, %v; want 1 entry", n, err)
	}
	if got := s.HeadsVersion(); got == v {
		t.Fatalf("HeadsVersion still %d after DropLog", got)
	}
}

// TestHeadsVersionOtherProcess: a write through another Store on the
// schema (another process) changes this Store's HeadsVersion within a
// few seconds, and Heads read after the change holds the new head; reads
// through either Store change nothing.
func TestHeadsVersionOtherProcess(t *testing.T) {
	ss := openShared(t, 2)
	ctx := context.Background()
	a, b := newChain(t, 62), newChain(t, 63)
	as, bs := a.posts(t, 2), b.posts(t, 1)
	mustIngest(t, ss[0], as[0])
	v := stableVersion(t, ss[0])
	readAll(t, ss[0], a.logKey(), a)
	readAll(t, ss[1], a.logKey(), a)
	time.Sleep(300 * time.Millisecond) // time for a stray notification to arrive
	if got := ss[0].HeadsVersion(); got != v {
		t.Fatalf("HeadsVersion went from %d to %d on reads alone", v, got)
	}

	mustIngest(t, ss[1], as[1], bs[0])
	versionChanges(t, ss[0], v, "an Ingest through the other Store")
	hs, err := ss[0].Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.LogKey]uint64{a.logKey(): 2, b.logKey(): 1}
	if len(hs) != len(want) {
		t.Fatalf("Heads after the change = %+v, want %v", hs, want)
	}
	for _, h := range hs {
		if want[h.Log] != h.Seq {
			t.Fatalf("Heads after the change = %+v, want %v", hs, want)
		}
	}

	v = stableVersion(t, ss[0])
	if n, _, err := ss[1].DropLog(ctx, b.logKey()); err != nil || n != 1 {
		t.Fatalf("DropLog = %d, %v; want 1 entry", n, err)
	}
	versionChanges(t, ss[0], v, "a DropLog through the other Store")
	if hs, err := ss[0].Heads(ctx); err != nil || len(hs) != 1 || hs[0].Log != a.logKey() {
		t.Fatalf("Heads after the drop = %+v, %v; want log a only", hs, err)
	}
}

// TestHeadsVersionListenerLost: while the listener's connection is gone,
// HeadsVersion changes on every call; a write of another Store committed
// meanwhile (its notification lost) leaves the number it settles on, once
// the listener listens again, different from the one before.
func TestHeadsVersionListenerLost(t *testing.T) {
	ss := openShared(t, 2)
	ctx := context.Background()
	a := newChain(t, 64)
	as := a.posts(t, 2)
	mustIngest(t, ss[0], as[0])
	v := stableVersion(t, ss[0])
	// End both Stores' listeners (no Watch runs here, so they are the
	// only sessions whose last query is the LISTEN).
	var n int
	if err := ss[0].pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
		`LISTEN `+quoteIdent(ss[0].Channel())).Scan(&n); err != nil || n != 2 {
		t.Fatalf("terminating the listeners: %d, %v; want 2", n, err)
	}
	versionChanges(t, ss[0], v, "its listener's connection ended")
	deadline := time.Now().Add(time.Second)
	for ss[0].hv.listening.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the listener still listens 1 s after its connection was ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustIngest(t, ss[1], as[1])
	if x, y := ss[0].HeadsVersion(), ss[0].HeadsVersion(); x == y {
		t.Fatalf("HeadsVersion returned %d twice while not listening", x)
	}
	if got := stableVersion(t, ss[0]); got == v {
		t.Fatalf("HeadsVersion back to %d once listening again, after a write it was not told of", got)
	}
	if h, err := ss[0].Head(ctx, a.logKey()); err != nil || h.Seq != 2 {
		t.Fatalf("Head = %+v, %v; want seq 2", h, err)
	}
}
