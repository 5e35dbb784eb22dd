package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// revokeFixture is a device with four posts and its account's certificate
// and revocation keeping the first two.
type revokeFixture struct {
	cert, rev *entry.Entry
	posts     []*entry.Entry
	log       store.LogKey
}

func newRevokeFixture(t *testing.T) revokeFixture {
	acc, dev := testKey(t, 1), testKey(t, 2)
	cert, err := content.NewDeviceCert(acc, dev, "phone", 1)
	if err != nil {
		t.Fatal(err)
	}
	posts := testLog(t, dev, entry.PublicLog, nil, 4)
	rev, err := content.NewDeviceRevoke(acc, cert, "", []content.KeptHead{{ID: posts[1].ID, KeptAt: content.KeptAt{LogID: entry.PublicLog, Seq: 2}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	return revokeFixture{cert: cert, rev: rev, posts: posts, log: store.LogKey{Author: dev.Public(), LogID: entry.PublicLog}}
}

func ingestOutcomes(t *testing.T, s *Store, es ...*entry.Entry) []store.Result {
	t.Helper()
	rs, err := s.Ingest(context.Background(), es)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func wantRevokedRejection(t *testing.T, r store.Result) {
	t.Helper()
	if r.Outcome != store.Rejected || r.Err == nil || !strings.Contains(r.Err.Error(), "not among those the revocation keeps") {
		t.Fatalf("outcome %v (%v), want rejected as not kept", r.Outcome, r.Err)
	}
}

// The revocations in effect are read back from the file: after a restart
// the store still refuses what they do not keep.
func TestRevokedAfterRestart(t *testing.T) {
	f := newRevokeFixture(t)
	path := filepath.Join(t.TempDir(), "kith.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ingestOutcomes(t, s, f.cert, f.posts[0], f.posts[1], f.posts[2], f.rev)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantRevokedRejection(t, ingestOutcomes(t, s, f.posts[2])[0])
	h, err := s.Head(context.Background(), f.log)
	if err != nil || h.Seq != 2 || h.ID != f.posts[1].ID {
		t.Fatalf("head after restart %+v, %v; want seq 2", h, err)
	}
}

// Another process (here another Store on the same file) that stores the
// revocation makes this one refuse what it does not keep, though this one
// never saw it arrive: the in-memory set is reloaded when the file changed.
func TestRevokedByAnotherConnection(t *testing.T) {
	f := newRevokeFixture(t)
	path := filepath.Join(t.TempDir(), "kith.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ingestOutcomes(t, b, f.cert, f.posts[0], f.posts[1]) // b's caches are now warm
	ingestOutcomes(t, a, f.rev)
	wantRevokedRejection(t, ingestOutcomes(t, b, f.posts[2])[0])
}

// A revocation and the drop of what it does not keep are one transaction:
// a failure (a crash) between them leaves neither, and nothing of the
// revocation stays in memory.
func TestRevokeDropIsAtomic(t *testing.T) {
	f := newRevokeFixture(t)
	s := openTemp(t)
	ingestOutcomes(t, s, f.cert, f.posts[0], f.posts[1], f.posts[2])
	boom := errors.New("crash")
	s.applyHook = func(n int) error {
		if n >= 2 { // the revocation's Insert and RevokeDevice, then DropRevoked
			return boom
		}
		return nil
	}
	if _, err := s.Ingest(context.Background(), []*entry.Entry{f.rev}); !errors.Is(err, boom) {
		t.Fatalf("ingest with a failure: %v", err)
	}
	s.applyHook = nil
	ctx := context.Background()
	if _, err := s.Get(ctx, f.rev.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the revocation was stored: %v", err)
	}
	if h, err := s.Head(ctx, f.log); err != nil || h.Seq != 3 {
		t.Fatalf("head after the failed revocation %+v, %v; want seq 3", h, err)
	}
	if r := ingestOutcomes(t, s, f.posts[3])[0]; r.Outcome != store.Added {
		t.Fatalf("seq 4 after the failed revocation: %v (%v)", r.Outcome, r.Err)
	}
	ingestOutcomes(t, s, f.rev)
	if h, err := s.Head(ctx, f.log); err != nil || h.Seq != 2 {
		t.Fatalf("head after the revocation %+v, %v; want seq 2", h, err)
	}
	for _, e := range f.posts[2:] {
		if _, err := s.Get(ctx, e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("seq %d still held: %v", e.Header.Seq, err)
		}
	}
}

// A file in which a revocation is stored but what it does not keep was
// never dropped (as an older kith left it) is cleaned at the first write.
func TestRevokedHeldByOlderKith(t *testing.T) {
	f := newRevokeFixture(t)
	path := filepath.Join(t.TempDir(), "kith.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ingestOutcomes(t, s, f.cert, f.posts[0], f.posts[1], f.posts[2], f.posts[3])
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Store the revocation behind the store's back.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	r := f.rev
	var logRow int64
	if err := db.QueryRow(`SELECT log FROM logs WHERE author = ? AND log_id = ?`, r.Header.Author[:], r.Header.LogID[:]).Scan(&logRow); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO entries (id, id_prefix, log, seq, timestamp, type, header, payload) VALUES (?, ?, ?, 2, 2, 'device.revoke', ?, ?)`,
			[]any{r.ID[:], idPrefix(r.ID), logRow, r.Raw, r.Payload}},
		{`UPDATE logs SET head_seq = 2, head_id = ?, ended = 1 WHERE log = ?`, []any{r.ID[:], logRow}},
		{`INSERT INTO revocations (account, device, by) VALUES (?, ?, ?)`, []any{r.Header.Author[:], f.log.Author[:], r.ID[:]}},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The first write, whatever it is, drops seq 3 and 4.
	other := testLog(t, testKey(t, 7), entry.PublicLog, nil, 1)
	ingestOutcomes(t, s, other...)
	ctx := context.Background()
	if h, err := s.Head(ctx, f.log); err != nil || h.Seq != 2 {
		t.Fatalf("head %+v, %v; want seq 2", h, err)
	}
	for _, e := range f.posts[2:] {
		if _, err := s.Get(ctx, e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("seq %d still held: %v", e.Header.Seq, err)
		}
	}
}
