package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
)

// TestWatchGoesOnAfterFailure: when a Watch fails (its connection is
// ended) and the node starts another, what another store committed while
// nobody listened is reported at once, in order, and what commits later
// follows; nothing is skipped.
func TestWatchGoesOnAfterFailure(t *testing.T) {
	ss := openShared(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan []*entry.Entry, 16)
	watch := func() chan error {
		done := make(chan error, 1)
		go func() { done <- ss[1].Watch(ctx, func(es []*entry.Entry) { got <- es }) }()
		return done
	}
	c := newChain(t, 70)
	es := c.posts(t, 6)
	done := watch()
	// The first Watch has read where to start once it listens.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := ss[1].watchPos.get(); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first Watch has not started 10 s on")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustIngest(t, ss[0], es[0])
	var seen []entry.ID
	collect := func(n int, what string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for len(seen) < n {
			select {
			case g := <-got:
				for _, e := range g {
					seen = append(seen, e.ID)
				}
			case <-timeout:
				t.Fatalf("%s: the watcher saw %d entries after 10 s, want %d", what, len(seen), n)
			}
		}
	}
	collect(1, "first write")
	// End the Watch's connection, whose last statement read where to
	// start (and the stores' HeadsVersion listeners, whose last is the
	// LISTEN, and which come back on their own).
	var n int
	if err := ss[0].pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query IN ($1, $2)`,
		`LISTEN `+quoteIdent(ss[0].Channel()), watchStartQuery).Scan(&n); err != nil || n < 1 {
		t.Fatalf("terminating the listeners: %d, %v; want at least 1", n, err)
	}
	select {
	case err := <-done:
		if err == nil || errors.Is(err, context.Canceled) {
			t.Fatalf("Watch ended with %v, want the connection's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch still runs 10 s after its connection was ended")
	}
	// Written while nobody listens.
	mustIngest(t, ss[0], es[1:4]...)
	done = watch()
	collect(4, "the writes made while nobody listened")
	mustIngest(t, ss[0], es[4:]...)
	collect(6, "a write after the new Watch")
	if len(seen) != 6 {
		t.Fatalf("the watcher saw %d entries, want 6", len(seen))
	}
	for i, e := range es {
		if seen[i] != e.ID {
			t.Fatalf("report %d: %s, want seq %d %s", i, seen[i], i+1, e.ID)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Watch ended with %v, want context.Canceled", err)
	}
}
