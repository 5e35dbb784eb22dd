package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/postgres"
	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

// heavyKey is the key of device l of TestHubsSharePostgresHeavy.
func heavyKey(t *testing.T, l int) identity.PrivateKey {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("kith heavy pg test device "), uint64(l)))
	key, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// heavyLog signs n posts in the public log of device l; the last one's
// text ends with last (two peers given different lasts hold a fork).
func heavyLog(t *testing.T, l, n int, last string) []*entry.Entry {
	key := heavyKey(t, l)
	out := make([]*entry.Entry, 0, n)
	var prev entry.ID
	for s := 1; s <= n; s++ {
		text := fmt.Sprintf("post %d of log %d", s, l)
		if s == n {
			text += last
		}
		payload, err := content.Encode(&content.Post{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		e, err := entry.Sign(key, entry.Draft{Seq: uint64(s), Backlink: prev, Timestamp: 1_700_000_000_000 + uint64(s), Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		prev = e.ID
		out = append(out, e)
	}
	return out
}

// seedHome makes an initialised home (SQLite) holding es.
func seedHome(t *testing.T, home string, es []*entry.Entry) {
	t.Helper()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for i := 0; i < len(es); i += 1000 {
		rs, err := n.Store().Ingest(context.Background(), es[i:min(i+1000, len(es))])
		if err != nil {
			t.Fatal(err)
		}
		for j, r := range rs {
			if r.Outcome != store.Added {
				t.Fatalf("seed %s: entry %d: %v %v", home, i+j, r.Outcome, r.Err)
			}
		}
	}
}

// hubHome makes a hub's home whose store is schema of the test server and
// which replicates logs.
func hubHome(t *testing.T, home, schema string, logs []store.LogKey) string {
	t.Helper()
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("logs = [\n")
	for _, k := range logs {
		fmt.Fprintf(&b, "  %q,\n", k.String())
	}
	b.WriteString("]\n[store]\nbackend = \"postgres\"\npostgres = " + strconv.Quote(pgtest.Conn(t)) + "\npostgres_schema = \"" + schema + "\"\n")
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

// heldOf sums the head seqs of logs in st: the entries held of them.
func heldOf(t *testing.T, st *postgres.Store, logs []store.LogKey) int {
	t.Helper()
	n := 0
	for _, k := range logs {
		h, err := st.Head(context.Background(), k)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n += int(h.Seq)
	}
	return n
}

// checkLogs checks that st holds each log of want exactly, entry for
// entry: every id at its seq, once, the signature good, and the log's
// entries in arrival order by seq.
func checkLogs(t *testing.T, st *postgres.Store, want map[store.LogKey][]*entry.Entry) {
	t.Helper()
	ctx := context.Background()
	for k, es := range want {
		got, err := st.Log(ctx, k, 1, len(es)+10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(es) {
			t.Fatalf("log %s: %d entries stored, want %d", k, len(got), len(es))
		}
		parsed := make([]*entry.Entry, len(got))
		for i, g := range got {
			if g.Header.Seq != uint64(i+1) || g.ID != es[i].ID {
				t.Fatalf("log %s: entry %d is seq %d %s, want seq %d %s", k, i, g.Header.Seq, g.ID, i+1, es[i].ID)
			}
			if i > 0 && g.Cursor <= got[i-1].Cursor {
				t.Fatalf("log %s: seq %d arrived (cursor %d) before seq %d (cursor %d)", k, i+1, g.Cursor, i, got[i-1].Cursor)
			}
			if parsed[i], err = entry.Parse(g.Raw, g.Payload); err != nil {
				t.Fatalf("log %s seq %d: %v", k, i+1, err)
			}
		}
		for i, ok := range entry.VerifyBatch(parsed) {
			if !ok {
				t.Fatalf("log %s seq %d: signature does not verify", k, i+1)
			}
		}
	}
	// Each entry once in the whole store: page through arrival order.
	seen := map[entry.ID]bool{}
	total := 0
	for after := int64(0); ; {
		page, err := st.Find(ctx, store.Query{After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			if seen[s.ID] {
				t.Fatalf("entry %s found twice in arrival order", s.ID)
			}
			seen[s.ID] = true
			after = s.Cursor
		}
		total += len(page)
	}
	n := 0
	for _, es := range want {
		n += len(es)
		for _, e := range es {
			if !seen[e.ID] {
				t.Fatalf("entry %s not in arrival order", e.ID)
			}
		}
	}
	t.Logf("the store holds %d entries, %d of them the test's", total, n)
}

// TestHubsSharePostgresHeavy: two 'kith serve --hub' processes on one
// PostgreSQL schema, under thousands of entries at once.
//
// Phase 1: peers P1 and P2 hold the same 6,000 entries (20 logs of 300)
// and P1 dials hub 1 as P2 dials hub 2, so every log arrives at both
// processes at once; each entry must be stored once, every log in seq
// order. P1 and P2 also hold two versions of one more log, differing at
// its last seq: the fork is made across the processes, and both hubs must
// answer that the log is forked, with one piece of evidence held. No
// write may fail on the way (the hubs log at debug, which names a sync session ended by a store error).
//
// Phase 2: P3 holds 12,000 new entries (20 logs of 600) and dials both
// hubs; as soon as the first of them are stored, hub 1 is killed with
// SIGKILL. Hub 2
// carries on, and in the end every entry is held once, verified, in
// order.
func TestHubsSharePostgresHeavy(t *testing.T) {
	if testing.Short() {
		t.Skip("heavy: thousands of entries through two hub processes")
	}
	pgtest.Conn(t)
	dir := t.TempDir()
	schema := pgtest.Schema()
	const (
		shared, sharedLen = 20, 300
		later, laterLen   = 20, 600
		forkLen           = 12
	)
	want := map[store.LogKey][]*entry.Entry{}
	var logs, laterLogs []store.LogKey
	var common, fresh []*entry.Entry
	for l := range shared {
		es := heavyLog(t, l, sharedLen, "")
		k := store.LogKey{Author: heavyKey(t, l).Public(), LogID: entry.PublicLog}
		want[k], logs = es, append(logs, k)
		common = append(common, es...)
	}
	forkAt := shared
	forkKey := store.LogKey{Author: heavyKey(t, forkAt).Public(), LogID: entry.PublicLog}
	one, other := heavyLog(t, forkAt, forkLen, " (one)"), heavyLog(t, forkAt, forkLen, " (other)")
	logs = append(logs, forkKey)
	for l := shared + 1; l <= shared+later; l++ {
		es := heavyLog(t, l, laterLen, "")
		k := store.LogKey{Author: heavyKey(t, l).Public(), LogID: entry.PublicLog}
		want[k], laterLogs = es, append(laterLogs, k)
		fresh = append(fresh, es...)
	}
	logs = append(logs, laterLogs...)
	seedHome(t, filepath.Join(dir, "p1"), append(append([]*entry.Entry{}, common...), one...))
	seedHome(t, filepath.Join(dir, "p2"), append(append([]*entry.Entry{}, common...), other...))
	seedHome(t, filepath.Join(dir, "p3"), fresh)

	st, err := postgres.Open(context.Background(), postgres.Config{Conn: pgtest.Conn(t), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	h1 := startNode(t, "hub1", hubHome(t, filepath.Join(dir, "hub1"), schema, logs), "--hub", "--log-level", "debug")
	h2 := startNode(t, "hub2", hubHome(t, filepath.Join(dir, "hub2"), schema, logs), "--hub", "--log-level", "debug")

	// Phase 1.
	// P1 and P2 run first; then each dials its hub at the same moment,
	// so that both hubs receive the same logs at once.
	p1 := startNode(t, "p1", filepath.Join(dir, "p1"))
	p2 := startNode(t, "p2", filepath.Join(dir, "p2"))
	dialed := make(chan error, 2)
	for _, c := range []struct {
		peer *proc
		addr string
	}{{p1, h1.addr()}, {p2, h2.addr()}} {
		go func() {
			_, err := c.peer.try("peer", "add", c.addr)
			dialed <- err
		}()
	}
	for range 2 {
		if err := <-dialed; err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 3*syncTimeout, "both hubs to store the shared logs and the forked one", func() bool {
		return heldOf(t, st, logs[:shared+1]) == shared*sharedLen+forkLen
	})
	wantShared := map[store.LogKey][]*entry.Entry{}
	for _, k := range logs[:shared] {
		wantShared[k] = want[k]
	}
	checkLogs(t, st, wantShared)
	// No write failed on the way: with the writers' lock, two processes
	// never both try to insert one entry (without it, the unique indexes
	// refuse the second and its sync session fails and starts again,
	// which ends the same but shows here as a SQLSTATE 23505).
	for _, hp := range []*proc{h1, h2} {
		if s := hp.stderr.String(); strings.Contains(s, "SQLSTATE") {
			t.Fatalf("%s logged a database error:\n%s", hp.name, s)
		}
	}
	var h store.Head
	waitFor(t, syncTimeout, "the forked log to be marked forked", func() bool {
		h, err = st.Head(context.Background(), forkKey)
		return err == nil && h.Forked
	})
	last := map[entry.ID]bool{one[forkLen-1].ID: true, other[forkLen-1].ID: true}
	if h.Seq != forkLen || !last[h.ID] {
		t.Fatalf("forked log's head: %+v, want seq %d at one of the two versions' last entries", h, forkLen)
	}
	forks, err := st.Forks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(forks) != 1 || forks[0].Log != forkKey || forks[0].Seq != forkLen || forks[0].Kept != h.ID ||
		!last[forks[0].Conflict.ID] || forks[0].Conflict.ID == h.ID {
		t.Fatalf("fork evidence: %+v, want one at seq %d of %s, kept %s, the other version its conflict", forks, forkLen, forkKey, h.ID)
	}
	// Each hub process answers, from the shared store, that the log forked.
	for _, c := range []struct{ peer, hub *proc }{{p1, h1}, {p2, h2}} {
		var got struct {
			Heads []struct {
				HubSeq uint64 `json:"hub_seq"`
				HubID  string `json:"hub_id"`
				Forked bool   `json:"forked"`
			} `json:"heads"`
		}
		out := c.peer.kith("heads", c.hub.Device, forkKey.String())
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: kith heads: %v: %s", c.peer.name, err, out)
		}
		if len(got.Heads) != 1 || got.Heads[0].HubSeq != forkLen || got.Heads[0].HubID != h.ID.String() || !got.Heads[0].Forked {
			t.Fatalf("%s asks %s for %s: %s, want seq %d at %s, forked", c.peer.name, c.hub.name, forkKey, out, forkLen, h.ID)
		}
	}

	// Phase 2: heavy sync into both, hub 1 killed in the middle.
	base := heldOf(t, st, laterLogs)
	if base != 0 {
		t.Fatalf("the later logs held before P3 started: %d entries", base)
	}
	startNode(t, "p3", filepath.Join(dir, "p3"), "--peer", h1.addr(), "--peer", h2.addr())
	total := later * laterLen
	var atKill int
	deadline := time.Now().Add(3 * syncTimeout)
	for {
		atKill = heldOf(t, st, laterLogs)
		if atKill > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d entries from P3 stored after %v", atKill, total, 3*syncTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := h1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = h1.cmd.Process.Wait()
	h1.cmd = nil
	t.Logf("hub 1 killed with %d of %d entries of P3 stored", atKill, total)
	if atKill == total {
		t.Fatalf("hub 1 was killed after %d of %d entries were stored: not during heavy sync", atKill, total)
	}
	waitFor(t, 4*syncTimeout, "hub 2 to store every entry of P3", func() bool {
		return heldOf(t, st, laterLogs) == total
	})
	checkLogs(t, st, want)
	if s := h2.stderr.String(); strings.Contains(s, "SQLSTATE") {
		t.Fatalf("hub 2 logged a database error:\n%s", s)
	}
	if n := heldOf(t, st, logs); n != shared*sharedLen+forkLen+total {
		t.Fatalf("held of the test's logs: %d, want %d", n, shared*sharedLen+forkLen+total)
	}
	// Hub 2 still writes.
	h2.post("hub 2 carries on")
}
