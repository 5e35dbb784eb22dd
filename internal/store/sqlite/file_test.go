package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/store/storetest"
)

func testKey(t testing.TB, n int) identity.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, fmt.Sprintf("sqlite test key %d", n))
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testLog signs n posts in one log, starting after prev (nil: at seq 1).
func testLog(t testing.TB, k identity.PrivateKey, log entry.LogID, prev *entry.Entry, n int) []*entry.Entry {
	t.Helper()
	var out []*entry.Entry
	for range n {
		d := entry.Draft{LogID: log, Seq: 1, Timestamp: 1_700_000_000_000}
		if prev != nil {
			d.Seq, d.Backlink, d.Timestamp = prev.Header.Seq+1, prev.ID, prev.Header.Timestamp+1
		}
		p, err := content.Encode(&content.Post{Text: fmt.Sprintf("post %d", d.Seq)})
		if err != nil {
			t.Fatal(err)
		}
		d.Payload = p
		e, err := entry.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		// As received from elsewhere: not yet verified.
		if e, err = entry.Parse(e.Raw, e.Payload); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		prev = e
	}
	return out
}

func mustIngest(t testing.TB, s store.Store, es []*entry.Entry, want store.Outcome) {
	t.Helper()
	rs, err := s.Ingest(context.Background(), es)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if r.Outcome != want {
			t.Fatalf("entry %d: %v (%v), want %v", i, r.Outcome, r.Err, want)
		}
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	acc, dev, k := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	cert, err := content.NewDeviceCert(acc, dev, "laptop", 5)
	if err != nil {
		t.Fatal(err)
	}
	es := testLog(t, k, entry.PublicLog, nil, 20)
	mustIngest(t, s, append([]*entry.Entry{cert}, es...), store.Added)
	// Fork evidence at seq 3.
	fork, err := entry.Sign(k, entry.Draft{LogID: entry.PublicLog, Seq: 3, Backlink: es[1].ID, Timestamp: 7, Payload: []byte("\x00other")})
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, s, []*entry.Entry{fork}, store.Forked)
	// A delete whose target (in another log of the same author) has not
	// arrived: the tombstone must survive the reopen.
	other := testLog(t, k, entry.LogID{9}, nil, 2)
	delPayload, err := content.Encode(&content.Delete{Target: other[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	d, err := entry.Sign(k, entry.Draft{LogID: entry.LogID{8}, Seq: 1, Timestamp: 9, Payload: delPayload})
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, s, []*entry.Entry{d}, store.Added)
	before := storetest.Snapshot(t, s, acc.Public())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if after := storetest.Snapshot(t, s, acc.Public()); after != before {
		t.Fatalf("state changed across reopen:\n--- before\n%s\n--- after\n%s", before, after)
	}
	g, err := s.Get(ctx, es[7].ID)
	if err != nil || g.Header != es[7].Header || string(g.Payload) != string(es[7].Payload) || g.Type != content.TypePost {
		t.Fatalf("Get after reopen: %+v, %v", g, err)
	}
	mustIngest(t, s, es, store.Known)
	mustIngest(t, s, other, store.Added)
	if g, err := s.Get(ctx, other[1].ID); err != nil || !g.Deleted || g.Payload != nil {
		t.Fatalf("target of a delete stored before the reopen: %+v, %v", g, err)
	}
	if g, err := s.Get(ctx, other[0].ID); err != nil || g.Deleted {
		t.Fatalf("sibling of the target: %+v, %v", g, err)
	}
	// The forked log still refuses to grow.
	rs, err := s.Ingest(ctx, testLog(t, k, entry.PublicLog, es[19], 1))
	if err != nil || rs[0].Outcome != store.Rejected || !strings.Contains(rs[0].Err.Error(), "forked") {
		t.Fatalf("extending a forked log after reopen: %+v, %v", rs, err)
	}
}

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestMigrationRecordsVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	rows, err := db.Query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var versions []int
	for rows.Next() {
		var v int
		var at string
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(at, "Z") || len(at) < 20 {
			t.Fatalf("applied_at %q is not a UTC timestamp", at)
		}
		versions = append(versions, v)
	}
	if !slices.Equal(versions, []int{1, 2, 3, 4, 5, 6, 7}) || SchemaVersion != 7 || migrations[len(migrations)-1].version != SchemaVersion {
		t.Fatalf("versions %v, SchemaVersion %d", versions, SchemaVersion)
	}
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v", mode, err)
	}
	// Reopening applies nothing twice.
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != 7 {
		t.Fatalf("%d migration rows after reopening, %v", n, err)
	}
}

func TestMigrationAddsMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	next := append(slices.Clone(migrations), migration{version: 8, name: "test", stmts: []string{`CREATE TABLE extra (x)`}})
	db := rawDB(t, path)
	if err := migrateTo(context.Background(), db, path, next, store.SystemClock); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != 8 {
		t.Fatalf("%d migration rows, %v", n, err)
	}
	// A failing migration changes nothing.
	bad := append(slices.Clone(next), migration{version: 9, name: "broken", stmts: []string{`CREATE TABLE more (y)`, `NOT SQL`}})
	if err := migrateTo(context.Background(), db, path, bad, store.SystemClock); err == nil || !strings.Contains(err.Error(), "migration 9 (broken)") {
		t.Fatalf("broken migration: %v", err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'more'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("half-applied migration left table 'more': %d, %v", n, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version) VALUES (9)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = Open(path)
	if err == nil {
		s.Close()
		t.Fatal("opened a database with a newer schema")
	}
	want := fmt.Sprintf("database schema version 9 is newer than this kith (knows up to %d); upgrade kith", SchemaVersion)
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not say %q and name the file", err, want)
	}
}

func TestForeignFilesRefused(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	db := rawDB(t, other)
	if _, err := db.Exec(`CREATE TABLE notes (text)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := Open(other); err == nil || !strings.Contains(err.Error(), "not a kith database") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open(another program's database): %v", err)
	}
	// ... and left it as it was.
	db = rawDB(t, other)
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
		t.Fatalf("another program's database: journal_mode %q, %v", mode, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("another program's database now has %d schema objects, %v", n, err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(garbage); err == nil || !strings.Contains(err.Error(), garbage) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open(garbage): %v", err)
	}
	if _, err := Open(""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
	if _, err := Open(filepath.Join(dir, "missing", "dir", "kith.db")); err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	s := openAt(t, path)
	mustIngest(t, s, testLog(t, testKey(t, 1), entry.PublicLog, nil, 3), store.Added)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Fatalf("%s has mode %o, want 600", p, m)
		}
	}
}

func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%20chars&_pragma=x")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kith?.db")
	s := openAt(t, path)
	mustIngest(t, s, testLog(t, testKey(t, 1), entry.PublicLog, nil, 2), store.Added)
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
	s = openAt(t, path)
	if hs, err := s.Heads(context.Background()); err != nil || len(hs) != 1 || hs[0].Seq != 2 {
		t.Fatalf("Heads after reopen: %+v, %v", hs, err)
	}
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestFailedTransaction: a failure in the middle of applying a batch, and
// a context cancelled there, leave nothing half-written.
func TestFailedTransaction(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	k := testKey(t, 1)
	first := testLog(t, k, entry.PublicLog, nil, 10)
	mustIngest(t, s, first, store.Added)
	before := storetest.Snapshot(t, s)
	var batch []*entry.Entry
	batch = append(batch, testLog(t, k, entry.PublicLog, first[9], 600)...)
	batch = append(batch, testLog(t, testKey(t, 2), entry.LogID{3}, nil, 600)...)

	boom := errors.New("disk on fire")
	s.applyHook = func(n int) error {
		if n == 700 {
			return boom
		}
		return nil
	}
	if _, err := s.Ingest(ctx, batch); !errors.Is(err, boom) {
		t.Fatalf("Ingest with a failing write: %v, want %v", err, boom)
	}
	if after := storetest.Snapshot(t, s); after != before {
		t.Fatalf("a failed Ingest changed the store:\n%s\nwas\n%s", after, before)
	}

	cctx, cancel := context.WithCancel(ctx)
	s.applyHook = func(n int) error {
		if n == 300 {
			cancel()
		}
		return nil
	}
	if _, err := s.Ingest(cctx, batch); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ingest cancelled midway: %v, want context.Canceled", err)
	}
	if after := storetest.Snapshot(t, s); after != before {
		t.Fatalf("a cancelled Ingest changed the store:\n%s\nwas\n%s", after, before)
	}
	// The writer's caches were not polluted: the same batch now lands.
	s.applyHook = nil
	mustIngest(t, s, batch, store.Added)
	if hd, err := s.Head(ctx, store.LogKey{Author: k.Public(), LogID: entry.PublicLog}); err != nil || hd.Seq != 610 {
		t.Fatalf("head %+v, %v", hd, err)
	}
}

// TestTwoHandles: another handle on the same file (as another process
// would have) writes in between; the writer's caches notice.
func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	a, b := openAt(t, path), openAt(t, path)
	k := testKey(t, 1)
	es := testLog(t, k, entry.PublicLog, nil, 6)
	mustIngest(t, a, es[:2], store.Added)
	mustIngest(t, b, es[2:4], store.Added)
	mustIngest(t, a, es[4:], store.Added)
	// A delete written through b, whose target a then receives.
	other := testLog(t, k, entry.LogID{2}, nil, 1)
	dp, err := content.Encode(&content.Delete{Target: other[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	d, err := entry.Sign(k, entry.Draft{LogID: entry.LogID{3}, Seq: 1, Timestamp: 1, Payload: dp})
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, b, []*entry.Entry{d}, store.Added)
	mustIngest(t, a, other, store.Added)
	if g, err := a.Get(context.Background(), other[0].ID); err != nil || !g.Deleted {
		t.Fatalf("delete written by another handle not applied: %+v, %v", g, err)
	}
	if sa, sb := storetest.Snapshot(t, a), storetest.Snapshot(t, b); sa != sb {
		t.Fatalf("handles disagree:\n%s\n%s", sa, sb)
	}
}

// TestQueryPlans guards the indexes the hot queries rely on.
func TestQueryPlans(t *testing.T) {
	s := openTemp(t)
	pl, root := entry.PublicLog, entry.ID{1}
	// The feeds (the queries with args): newest first through
	// entries_type (no index on every post) and without a sort, a thread
	// through entries_thread.
	timeline := store.Query{Type: content.TypePost, LogID: &pl, Authors: []identity.PublicKey{{1}, {2}}, Desc: true, Before: 100, Limit: 10}
	thread := store.Query{Thread: &root, After: 3, Limit: 10}
	byTime := store.Query{Type: content.TypePost, LogID: &pl, Authors: []identity.PublicKey{{1}, {2}}, ByTime: true, Desc: true, BeforeKey: store.TimeKey{Time: 5, Cursor: 100}, Limit: 10}
	for _, tc := range []struct {
		query, want string
		args        []any
	}{
		{findSQL(timeline), "SEARCH entries USING INDEX entries_type (type=? AND rowid>? AND rowid<?)", findArgs(timeline, 10)},
		{findSQL(thread), "SEARCH entries USING INDEX entries_thread (thread=? AND rowid>?)", findArgs(thread, 10)},
		{findSQL(byTime), "SEARCH entries USING INDEX entries_type_time (type=? AND entry_time<?)", findArgs(byTime, 10)},
		// One account's page, log by log (findlogs.go), in either order.
		{findLogSQL(byTime), "SEARCH entries USING INDEX entries_log_type (log=? AND type=? AND entry_time>? AND entry_time<?)", findLogArgs(byTime, 1, 10)},
		{findLogSQL(timeline), "SEARCH entries USING INDEX entries_log_type (log=? AND type=? AND entry_time>? AND entry_time<?)", findLogArgs(timeline, 1, 10)},
		{`SELECT cursor FROM entries WHERE cursor = ` + cursorOfID(1, 2), "USING INDEX entries_gen_id (<expr>=? AND id_prefix=?)", []any{5, []byte{0}}},
		{`SELECT id FROM entries WHERE log = 1 AND seq = 2`, "(log=? AND seq=?)", nil},
		{`SELECT cursor FROM entries WHERE type = 'post' AND cursor > 5 ORDER BY cursor LIMIT 10`, "USING COVERING INDEX entries_type", nil},
		{strings.ReplaceAll(latestProfileSQL, "?1", "x'00'"), "USING INDEX entries_profile (log=?)", nil},
		{`SELECT log FROM logs WHERE author = x'00' AND log_id = x'00'`, "USING COVERING INDEX", nil},
		{`SELECT 1 FROM devices d WHERE d.device = x'00'`, "devices_device", nil},
		{`SELECT seq FROM forks WHERE log = 1`, "USING COVERING INDEX forks_position (log=?)", nil},
	} {
		rows, err := s.r.Query(`EXPLAIN QUERY PLAN `+tc.query, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, tc.want) || strings.Contains(p, "SCAN entries") || tc.args != nil && strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s\nplan: %s\nwant: %s", tc.query, p, tc.want)
		}
	}
}

// TestLargeBatch crosses the verification chunks of one Ingest: entries
// depend on entries chunks earlier, rejections report their index in the
// whole batch, and the result equals the memory store's.
func TestLargeBatch(t *testing.T) {
	s := openTemp(t)
	m := mem.New()
	defer m.Close()
	ka, kb, kc := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	a := testLog(t, ka, entry.PublicLog, nil, 1100)
	forged := testLog(t, kb, entry.PublicLog, nil, 1)[0]
	h := forged.Header
	h.Signature[0] ^= 1
	forged, err := entry.Parse(h.AppendSigned(nil), forged.Payload)
	if err != nil {
		t.Fatal(err)
	}
	dp, err := content.Encode(&content.Delete{Target: a[3].ID})
	if err != nil {
		t.Fatal(err)
	}
	d, err := entry.Sign(ka, entry.Draft{LogID: entry.LogID{4}, Seq: 1, Timestamp: 1, Payload: dp})
	if err != nil {
		t.Fatal(err)
	}
	c := testLog(t, kc, entry.LogID{5}, nil, 300)
	gap := testLog(t, kc, entry.LogID{6}, nil, 2)[1]
	var batch []*entry.Entry
	batch = append(batch, a[:700]...)
	batch = append(batch, c[:200]...)
	batch = append(batch, forged)       // index 900
	batch = append(batch, a[700:]...)   // 901..1300
	batch = append(batch, d, a[5], gap) // 1301..1303
	batch = append(batch, c[200:]...)   // 1304..
	want := map[int]store.Outcome{900: store.Rejected, 1302: store.Known, 1303: store.Rejected}
	for _, st := range []store.Store{s, m} {
		rs, err := st.Ingest(context.Background(), batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			w, ok := want[i]
			if !ok {
				w = store.Added
			}
			if r.Outcome != w || r.ID != batch[i].ID {
				t.Fatalf("%T: entry %d: %v (%v), want %v", st, i, r.Outcome, r.Err, w)
			}
			var re *store.RejectError
			if errors.As(r.Err, &re) && re.Index != i {
				t.Fatalf("%T: entry %d: RejectError.Index %d", st, i, re.Index)
			}
		}
		if g, err := st.Get(context.Background(), a[3].ID); err != nil || !g.Deleted {
			t.Fatalf("%T: delete across chunks: %+v, %v", st, g, err)
		}
	}
	if ss, ms := storetest.Snapshot(t, s), storetest.Snapshot(t, m); ss != ms {
		t.Fatalf("sqlite and mem differ after a large batch:\n%s\n%s", ss, ms)
	}
}

// TestMigrationThreads opens a version 1 database that holds replies: the
// migration to version 2 fills their thread column from their payloads, so
// Find by thread answers for entries stored before it.
func TestMigrationThreads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kith.db")
	db := rawDB(t, path)
	db.SetMaxOpenConns(1)
	if err := migrateTo(context.Background(), db, path, migrations[:1], store.SystemClock); err != nil {
		t.Fatal(err)
	}
	k := testKey(t, 1)
	sign := func(seq uint64, prev *entry.Entry, p content.Payload) *entry.Entry {
		t.Helper()
		d := entry.Draft{LogID: entry.PublicLog, Seq: seq, Timestamp: 1_700_000_000_000 + seq}
		if prev != nil {
			d.Backlink = prev.ID
		}
		b, err := content.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		d.Payload = b
		e, err := entry.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	root := sign(1, nil, &content.Post{Text: "root"})
	r1 := sign(2, root, &content.Post{Text: "reply", ReplyTo: root.ID})
	prof := sign(3, r1, &content.Profile{Name: "ada"})
	r2 := sign(4, prof, &content.Post{Text: "reply to reply", ReplyTo: r1.ID, Root: root.ID})
	gone := sign(5, r2, &content.Post{Text: "deleted reply", ReplyTo: root.ID})
	r3 := sign(6, gone, &content.Post{Text: "last", ReplyTo: r2.ID, Root: root.ID})
	// What version 1 wrote: its columns only; the deleted reply without
	// payload or type.
	pubKey := k.Public()
	res, err := db.Exec(`INSERT INTO logs (author, log_id, head_seq, head_id) VALUES (?, ?, 6, ?)`, pubKey[:], entry.PublicLog[:], r3.ID[:])
	if err != nil {
		t.Fatal(err)
	}
	log, _ := res.LastInsertId()
	for _, e := range []*entry.Entry{root, r1, prof, r2, gone, r3} {
		typ, payload, deleted := any(nil), e.Payload, e == gone
		if !deleted {
			pl, _ := content.Decode(e.Payload)
			typ = pl.Type()
		} else {
			payload = nil
		}
		if _, err := db.Exec(`INSERT INTO entries (id, id_prefix, log, seq, timestamp, type, deleted, header, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID[:], idPrefix(e.ID), log, int64(e.Header.Seq), int64(e.Header.Timestamp), typ, deleted, e.Raw, payload); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Find(context.Background(), store.Query{Thread: &root.ID})
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []entry.ID
	for _, e := range got {
		gotIDs = append(gotIDs, e.ID)
	}
	if want := []entry.ID{r1.ID, r2.ID, r3.ID}; !slices.Equal(gotIDs, want) {
		t.Fatalf("thread after migration: %v, want %v", gotIDs, want)
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM entries WHERE thread IS NOT NULL`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d rows with a thread, %v; want 3", n, err)
	}
	if err := s.r.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&n); err != nil || n != SchemaVersion {
		t.Fatalf("schema version %d, %v", n, err)
	}
	// The store goes on as usual: a new reply joins the thread.
	r4 := sign(7, r3, &content.Post{Text: "after", ReplyTo: root.ID})
	if r, err := s.Append(context.Background(), r4); err != nil || r.Outcome != store.Added {
		t.Fatalf("append after migration: %v %v", r, err)
	}
	if got, err = s.Find(context.Background(), store.Query{Thread: &root.ID, Desc: true, Limit: 1}); err != nil || len(got) != 1 || got[0].ID != r4.ID {
		t.Fatalf("newest reply after migration: %v %v", got, err)
	}
}
