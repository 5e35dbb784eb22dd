package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// undo7 undoes migration 7 in a file of version 7.
var undo7 = []string{`DROP TRIGGER logs_digest_insert`, `DROP TRIGGER logs_digest_update`, `DROP TRIGGER logs_digest_delete`,
	`DROP TABLE heads_digest`, `DELETE FROM schema_migrations WHERE version = 7`}

// wantDigest checks that s's HeadsDigest is the digest of its heads and
// holds n of them.
func wantDigest(t *testing.T, s *Store, what string, n uint64) store.HeadsDigest {
	t.Helper()
	ctx := context.Background()
	got, err := s.HeadsDigest(ctx)
	if err != nil {
		t.Fatalf("%s: HeadsDigest: %v", what, err)
	}
	heads, err := s.Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := store.DigestOf(heads); got != want {
		t.Fatalf("%s: HeadsDigest %x (%d), want %x (%d) from Heads", what, got.Sum, got.Count, want.Sum, want.Count)
	}
	if got.Count != n {
		t.Fatalf("%s: HeadsDigest counts %d heads, want %d", what, got.Count, n)
	}
	return got
}

// TestMigrationHeadsDigest opens a version 6 file that holds logs (one made
// by this code, then migration 7 undone): the migration computes the digest
// of the heads held, and from then on the triggers keep it, through
// Ingest, a fork, DropLog and a head changed by raw SQL on a connection of
// its own.
func TestMigrationHeadsDigest(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kith.db")
	ka, kb, kc := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	as := testLog(t, ka, entry.PublicLog, nil, 3)
	bs := testLog(t, kb, entry.PublicLog, nil, 2)
	cs := testLog(t, kc, entry.LogID{9}, nil, 1)
	s := openAt(t, path)
	mustIngest(t, s, as[:2], store.Added)
	mustIngest(t, s, bs, store.Added)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range undo7 {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s = openAt(t, path)
	var v int
	if err := s.r.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != 7 {
		t.Fatalf("schema version %d, %v; want 7", v, err)
	}
	d0 := wantDigest(t, s, "after the migration", 2)
	mustIngest(t, s, as[2:], store.Added)
	mustIngest(t, s, cs, store.Added)
	d1 := wantDigest(t, s, "after two more writes", 3)
	if d1 == d0 {
		t.Fatal("the digest did not move with the writes")
	}
	conflict, err := entry.Sign(ka, entry.Draft{LogID: entry.PublicLog, Seq: 2, Backlink: as[0].ID, Timestamp: 42}) // a second seq 2
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, s, []*entry.Entry{conflict}, store.Forked)
	wantDigest(t, s, "after a fork", 3) // the head stays: no change
	if n, _, err := s.DropLog(ctx, store.LogKey{Author: kb.Public(), LogID: entry.PublicLog}); err != nil || n != 2 {
		t.Fatalf("DropLog = %d, %v; want 2", n, err)
	}
	wantDigest(t, s, "after DropLog", 2)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Another program that moves a head back (with this process's
	// function) moves the digest too.
	db = rawDB(t, path)
	if _, err := db.Exec(`UPDATE logs SET head_seq = 2, head_id = ? WHERE author = ? AND log_id = ?`, as[1].ID[:], pubBytes(ka.Public()), entry.PublicLog[:]); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = openAt(t, path)
	defer s.Close()
	wantDigest(t, s, "after a raw update", 2)
}

// TestHeadsDigestRollback: a batch that fails half-way (a crash in the
// transaction) leaves the digest as it was.
func TestHeadsDigestRollback(t *testing.T) {
	s := openTemp(t)
	ka, kb := testKey(t, 1), testKey(t, 2)
	as := testLog(t, ka, entry.PublicLog, nil, 4)
	bs := testLog(t, kb, entry.PublicLog, nil, 2)
	mustIngest(t, s, as[:2], store.Added)
	before := wantDigest(t, s, "before", 1)
	boom := errors.New("crash")
	s.applyHook = func(n int) error {
		if n >= 3 {
			return boom
		}
		return nil
	}
	if _, err := s.Ingest(context.Background(), append(as[2:4:4], bs...)); !errors.Is(err, boom) {
		t.Fatalf("ingest with a failure: %v", err)
	}
	s.applyHook = nil
	if after := wantDigest(t, s, "after the failed batch", 1); after != before {
		t.Fatal("the failed batch moved the digest")
	}
}

// TestHeadsDigestKill9 kills a process that is writing batches (SIGKILL,
// at a different moment each round) and reopens its file: the digest is
// that of the heads the file holds, whatever the moment.
func TestHeadsDigestKill9(t *testing.T) {
	if path := os.Getenv("KITH_DIGEST_WRITER"); path != "" {
		digestWriter(t, path)
		return
	}
	if testing.Short() {
		t.Skip("writes in a child process")
	}
	path := filepath.Join(t.TempDir(), "kith.db")
	var last uint64
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestHeadsDigestKill9$", "-test.v")
		cmd.Env = append(os.Environ(), "KITH_DIGEST_WRITER="+path, "KITH_DIGEST_ROUND="+strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until it wrote a few batches, then kill it mid-write.
		buf := make([]byte, 4096)
		seen := 0
		deadline := time.Now().Add(60 * time.Second)
		for seen < 5+round*3 && time.Now().Before(deadline) {
			n, err := out.Read(buf)
			for _, b := range buf[:n] {
				if b == '+' {
					seen++
				}
			}
			if err != nil {
				break
			}
		}
		time.Sleep(time.Duration(3+round*7) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if seen < 5+round*3 {
			t.Fatalf("round %d: the writer wrote %d batches before it was killed, want at least %d", round, seen, 5+round*3)
		}
		s := openAt(t, path)
		got, err := s.HeadsDigest(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantDigest(t, s, fmt.Sprintf("round %d, after kill -9", round), got.Count)
		if got.Count <= last {
			t.Fatalf("round %d: %d heads after the kill, want more than the %d before it", round, got.Count, last)
		}
		last = got.Count
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// digestWriter, in the child, writes batches of new logs and next entries
// of old ones until it is killed, printing "+" after each commit.
func digestWriter(t *testing.T, path string) {
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	round, _ := strconv.Atoi(os.Getenv("KITH_DIGEST_ROUND"))
	for i := 0; ; i++ {
		k := testKey(t, 1000*(round+1)+i)
		var batch []*entry.Entry
		for j := range 20 {
			batch = append(batch, testLog(t, k, entry.LogID{byte(j)}, nil, 2)...)
		}
		if _, err := s.Ingest(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		fmt.Print("+")
	}
}

func pubBytes(k [32]byte) []byte { return k[:] }
