package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

// pgHome makes a home whose config keeps its entries in schema of the test
// PostgreSQL server.
func pgHome(t *testing.T, dir, schema string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "[store]\nbackend = \"postgres\"\npostgres = " + strconv.Quote(pgtest.Conn(t)) + "\npostgres_schema = \"" + schema + "\"\n"
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHubsShareOnePostgres: two 'kith serve --hub' processes on one
// PostgreSQL schema, A connected to the first only, B to the second only.
// What A posts reaches B live through the two processes (the first stores
// it, the second offers it on its notification). Then the first is killed
// (SIGKILL) while A keeps posting; A dials the second, and every post,
// before and after the kill, reaches B and the second hub, in order.
func TestHubsShareOnePostgres(t *testing.T) {
	pgtest.Conn(t) // skip (or fail in CI) before starting anything
	dir := t.TempDir()
	schema := pgtest.Schema()
	h1 := startNode(t, "hub1", pgHome(t, filepath.Join(dir, "hub1"), schema), "--hub")
	h2 := startNode(t, "hub2", pgHome(t, filepath.Join(dir, "hub2"), schema), "--hub")
	a := startNode(t, "a", filepath.Join(dir, "a"), "--peer", h1.addr())
	b := startNode(t, "b", filepath.Join(dir, "b"), "--peer", h2.addr())
	// Each hub process is a device of its own account, whose follows
	// make its scope: both follow A.
	h1.kith("follow", a.Account)
	h2.kith("follow", a.Account)
	b.kith("follow", a.Account)

	first := numbered("before the kill", 40)
	for _, text := range first {
		a.post(text)
	}
	waitFor(t, syncTimeout, "B (on hub 2) to get A's posts stored by hub 1", func() bool { return b.hasPosts(a.Account, first) })

	// Heavy sync: A posts on while hub 1 dies mid-way.
	second := numbered("around the kill", 60)
	for i, text := range second {
		if i == 20 {
			if err := h1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_, _ = h1.cmd.Process.Wait()
			h1.cmd = nil
			a.kith("peer", "add", h2.addr())
		}
		a.post(text)
	}
	all := slices.Concat(first, second)
	waitFor(t, 2*syncTimeout, "B and hub 2 to hold every post of A", func() bool {
		return b.hasPosts(a.Account, all) && h2.hasPosts(a.Account, all)
	})
	// Hub 2 still writes: its own post goes into the shared store.
	h2.post("hub 2 carries on")
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Equal(h2.posts(h2.Account), []string{"hub 2 carries on"}) {
		if time.Now().After(deadline) {
			t.Fatalf("hub 2's own post: %q", h2.posts(h2.Account))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
