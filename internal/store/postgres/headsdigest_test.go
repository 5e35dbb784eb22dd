package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

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

// TestHeadsDigestItemValue: the SQL of migration 4 computes the item hash
// of a head exactly as store.HeadItemHash does, read as a 256-bit
// integer, for random heads (their hashes cover every word's high bit)
// and the largest seq a bigint holds; and sums the extreme hashes right.
func TestHeadsDigestItemValue(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		var k store.LogKey
		var id entry.ID
		for j := range 32 {
			k.Author[j], k.LogID[j], id[j] = byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())
		}
		seq := uint64(i + 1)
		switch i {
		case 198:
			seq = 1<<63 - 1
		case 199:
			seq = 1<<32 + 7
		}
		var got string
		if err := s.pool.QueryRow(ctx, `SELECT kith_item_value($1, $2, $3, $4)::text`, k.Author[:], k.LogID[:], int64(seq), id[:]).Scan(&got); err != nil {
			t.Fatal(err)
		}
		h := store.HeadItemHash(k, seq, id)
		if want := new(big.Int).SetBytes(h[:]).String(); got != want {
			t.Fatalf("head %d (seq %d): kith_item_value = %s, want %s (HeadItemHash %x)", i, seq, got, want, h)
		}
	}
	// The sums of hashes at the extremes: none, one of all ones, two of
	// all ones (more than 2^256, not reduced), and a high bit and a low
	// one.
	ones := [32]byte{}
	for i := range ones {
		ones[i] = 0xff
	}
	for _, hs := range [][][32]byte{{}, {ones}, {ones, ones}, {{0x80, 31: 1}, {3: 0xff, 4: 1}}} {
		args := make([][]byte, len(hs))
		want := new(big.Int)
		for i, h := range hs {
			args[i] = h[:]
			want.Add(want, new(big.Int).SetBytes(h[:]))
		}
		var got string
		var n int64
		if err := s.pool.QueryRow(ctx, `SELECT sum::text, count FROM (`+hashSumSQL(`SELECT unnest($1::bytea[]) AS h OFFSET 0`)+`) AS d`, args).Scan(&got, &n); err != nil {
			t.Fatal(err)
		}
		if got != want.String() || n != int64(len(hs)) {
			t.Fatalf("sum of %x = %s (%d), want %s (%d)", hs, got, n, want, len(hs))
		}
	}
}

// undo4 undoes migration 4 in a schema of version 4.
func undo4(t testing.TB, schema string) {
	t.Helper()
	p := rawPool(t)
	for _, q := range []string{
		`DROP TRIGGER logs_digest_insert ON S.logs`, `DROP TRIGGER logs_digest_update ON S.logs`,
		`DROP TRIGGER logs_digest_delete ON S.logs`, `DROP TRIGGER logs_digest_truncate ON S.logs`,
		`DROP FUNCTION S.kith_logs_digest_insert()`, `DROP FUNCTION S.kith_logs_digest_update()`,
		`DROP FUNCTION S.kith_logs_digest_delete()`, `DROP FUNCTION S.kith_logs_digest_truncate()`,
		`DROP FUNCTION S.kith_digest_move(numeric, bigint)`,
		`DROP FUNCTION S.kith_item_value(bytea, bytea, bigint, bytea)`,
		`DROP TABLE S.heads_digest`, `DELETE FROM S.schema_migrations WHERE version = 4`,
	} {
		if _, err := p.Exec(context.Background(), strings.ReplaceAll(q, "S.", schema+".")); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestMigrationHeadsDigest opens a version 3 schema that holds logs (one
// made by this code, then migration 4 undone): the migration computes the
// digest of the heads held, and from then on the triggers keep it, through
// Ingest, a fork, DropLog, a head changed and a log inserted by another
// connection's SQL (with another search_path), a rolled-back change and a
// TRUNCATE.
func TestMigrationHeadsDigest(t *testing.T) {
	ctx := context.Background()
	conn, schema := pgtest.Conn(t), pgtest.Schema()
	open := func() *Store {
		t.Helper()
		s, err := Open(ctx, Config{Conn: conn, Schema: schema, MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ca, cb, cc := newChain(t, 1), newChain(t, 2), newChain(t, 3)
	cc.log = entry.LogID{9}
	as, bs, cs := ca.posts(t, 3), cb.posts(t, 2), cc.posts(t, 1)
	s := open()
	mustIngest(t, s, as[:2]...)
	mustIngest(t, s, bs...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	undo4(t, schema)

	s = open()
	defer func() { _ = s.Close() }()
	p := rawPool(t)
	var v int
	if err := p.QueryRow(ctx, `SELECT max(version) FROM `+schema+`.schema_migrations`).Scan(&v); err != nil || v != 4 {
		t.Fatalf("schema version %d, %v; want 4", v, err)
	}
	d0 := wantDigest(t, s, "after the migration", 2)
	mustIngest(t, s, as[2:]...)
	mustIngest(t, s, cs...)
	d1 := wantDigest(t, s, "after two more writes", 3)
	if d1 == d0 {
		t.Fatal("the digest did not move with the writes")
	}
	conflict, err := entry.Sign(ca.key, entry.Draft{LogID: entry.PublicLog, Seq: 2, Backlink: as[0].ID, Timestamp: 42}) // a second seq 2
	if err != nil {
		t.Fatal(err)
	}
	if rs := mustIngest(t, s, conflict); rs[0].Outcome != store.Forked {
		t.Fatalf("conflict: %v %v, want forked", rs[0].Outcome, rs[0].Err)
	}
	wantDigest(t, s, "after a fork", 3) // the head stays: no change
	if n, _, err := s.DropLog(ctx, cb.logKey()); err != nil || n != 2 {
		t.Fatalf("DropLog = %d, %v; want 2", n, err)
	}
	d2 := wantDigest(t, s, "after DropLog", 2)

	// Another connection (search_path public) moves a head back.
	if _, err := p.Exec(ctx, `UPDATE `+schema+`.logs SET head_seq = 2, head_id = $1 WHERE author = $2 AND log_id = $3`,
		as[1].ID[:], pubBytes(ca.key.Public()), entry.PublicLog[:]); err != nil {
		t.Fatal(err)
	}
	d3 := wantDigest(t, s, "after a raw update", 2)
	if d3 == d2 {
		t.Fatal("the raw update did not move the digest")
	}
	// Another connection inserts a log with a head.
	cd := newChain(t, 4)
	ds := cd.posts(t, 1)
	if _, err := p.Exec(ctx, `INSERT INTO `+schema+`.logs (author, log_id, head_seq, head_id) VALUES ($1, $2, 1, $3)`,
		pubBytes(cd.key.Public()), cd.log[:], ds[0].ID[:]); err != nil {
		t.Fatal(err)
	}
	d3 = wantDigest(t, s, "after a raw insert", 3)
	// A change rolled back leaves it as it was.
	tx, err := p.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM `+schema+`.forks; DELETE FROM `+schema+`.entries; DELETE FROM `+schema+`.logs`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if d := wantDigest(t, s, "after a rollback", 3); d != d3 {
		t.Fatal("a rolled-back delete moved the digest")
	}
	if _, err := p.Exec(ctx, `TRUNCATE `+schema+`.logs CASCADE`); err != nil {
		t.Fatal(err)
	}
	if d := wantDigest(t, s, "after TRUNCATE", 0); d != (store.HeadsDigest{}) {
		t.Fatalf("digest after TRUNCATE = %+v, want zero", d)
	}
}

// TestMigrateFillsDigest: a schema of each earlier version that holds a
// head gets its digest from the migration (TestMigrateFromEachVersion's
// histories, read back here).
func TestMigrateFillsDigest(t *testing.T) {
	ctx := context.Background()
	p := rawPool(t)
	for v := 1; v < 4; v++ {
		schema := pgtest.Schema()
		c := newChain(t, 20+v)
		es := c.posts(t, 2)
		if err := migrateTo(ctx, p, schema, schema, 1, migrations[:v]); err != nil {
			t.Fatalf("migrate to %d: %v", v, err)
		}
		if _, err := p.Exec(ctx, `INSERT INTO `+schema+`.logs (author, log_id, head_seq, head_id) VALUES ($1, $2, 2, $3), ($4, $2, 0, '')`,
			pubBytes(c.key.Public()), c.log[:], es[1].ID[:], []byte("an author with no entries yet..!")); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, Config{Conn: pgtest.Conn(t), Schema: schema, MaxConns: 2})
		if err != nil {
			t.Fatalf("open at version %d: %v", v, err)
		}
		got := wantDigest(t, s, fmt.Sprintf("from version %d", v), 1)
		if want := (store.HeadsDigest{}).Add(store.Head{Log: c.logKey(), Seq: 2, ID: es[1].ID}); got != want {
			t.Fatalf("from version %d: digest %x, want %x", v, got.Sum, want.Sum)
		}
		_ = s.Close()
	}
}

// TestHeadsDigestConcurrentTx: two transactions of other programs change
// heads at once. The second waits on the digest's row until the first
// commits, then adds to the committed sum (READ COMMITTED); under
// REPEATABLE READ it fails instead. Either way the digest is that of the
// heads held.
func TestHeadsDigestConcurrentTx(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	schema := s.Schema()
	cs := []*chain{newChain(t, 31), newChain(t, 32), newChain(t, 33)}
	var es [][]*entry.Entry
	for _, c := range cs {
		e := c.posts(t, 3)
		es = append(es, e)
		mustIngest(t, s, e[:1]...)
	}
	wantDigest(t, s, "before", 3)
	p := rawPool(t)
	setHead := func(tx pgx.Tx, i int, seq int) error {
		_, err := tx.Exec(ctx, `UPDATE `+schema+`.logs SET head_seq = $1, head_id = $2 WHERE author = $3`,
			seq, es[i][seq-1].ID[:], pubBytes(cs[i].key.Public()))
		return err
	}
	a, err := p.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Rollback(ctx) }()
	if err := setHead(a, 0, 2); err != nil {
		t.Fatal(err)
	}
	b, err := p.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Rollback(ctx) }()
	var bpid int
	if err := b.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&bpid); err != nil {
		t.Fatal(err)
	}
	bdone := make(chan error, 1)
	go func() { bdone <- setHead(b, 1, 3) }()
	// b waits for a's lock on the digest's row.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var waiting bool
		if err := p.QueryRow(ctx, `SELECT coalesce((SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1), false)`, bpid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		select {
		case err := <-bdone:
			t.Fatalf("the second transaction's update did not wait for the first (%v)", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the second transaction's update is not waiting on a lock after 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := a.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-bdone; err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	d := wantDigest(t, s, "after two concurrent transactions", 3)
	want := store.DigestOf([]store.Head{{Log: cs[0].logKey(), Seq: 2, ID: es[0][1].ID}, {Log: cs[1].logKey(), Seq: 3, ID: es[1][2].ID},
		{Log: cs[2].logKey(), Seq: 1, ID: es[2][0].ID}})
	if d != want {
		t.Fatalf("digest %x, want %x", d.Sum, want.Sum)
	}

	// REPEATABLE READ: c's snapshot predates d's commit; its change fails.
	c, err := p.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Rollback(ctx) }()
	if _, err := c.Exec(ctx, `SELECT count(*) FROM `+schema+`.heads_digest`); err != nil {
		t.Fatal(err)
	}
	dtx, err := p.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := setHead(dtx, 2, 2); err != nil {
		t.Fatal(err)
	}
	if err := dtx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = setHead(c, 0, 3)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "40001" {
		t.Fatalf("a REPEATABLE READ change after a concurrent one: %v, want a serialization failure (40001)", err)
	}
	_ = c.Rollback(ctx)
	wantDigest(t, s, "after the failed transaction", 3)
}

// TestHeadsDigestShared: two stores on one schema (two processes) write at
// once, each from two goroutines, new logs and the same entries; the
// digest both read is that of the heads held.
func TestHeadsDigestShared(t *testing.T) {
	ss := openShared(t, 2)
	ctx := context.Background()
	shared := newChain(t, 40).posts(t, 60)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		s := ss[w%2]
		var mine []*entry.Entry
		for i := range 6 {
			mine = append(mine, newChain(t, 100+10*w+i).posts(t, 10)...)
		}
		own := make([]*entry.Entry, len(shared))
		for j, e := range shared {
			f, err := entry.Parse(e.Raw, e.Payload)
			if err != nil {
				t.Fatal(err)
			}
			own[j] = f
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < len(mine); j += 10 {
				if _, err := s.Ingest(ctx, append(mine[j:j+10:j+10], own[j:j+10]...)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	a := wantDigest(t, ss[0], "store 0", 4*6+1)
	if b := wantDigest(t, ss[1], "store 1", 4*6+1); a != b {
		t.Fatal("the two stores read different digests")
	}
}

// TestHeadsDigestKill9 kills a process that is writing batches (SIGKILL,
// at a different moment each round): the server rolls its open
// transaction back, and the digest is that of the heads held, whatever the
// moment.
func TestHeadsDigestKill9(t *testing.T) {
	if schema := os.Getenv("KITH_DIGEST_SCHEMA"); schema != "" {
		digestWriter(t, schema)
		return
	}
	if testing.Short() {
		t.Skip("writes in a child process")
	}
	conn, schema := pgtest.Conn(t), pgtest.Schema()
	ctx := context.Background()
	var last uint64
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestHeadsDigestKill9$", "-test.v")
		cmd.Env = append(os.Environ(), pgtest.EnvConn+"="+conn, "KITH_DIGEST_SCHEMA="+schema, "KITH_DIGEST_ROUND="+strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		seen := 0
		deadline := time.Now().Add(60 * time.Second)
		for seen < 3+round*2 && time.Now().Before(deadline) {
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
		if seen < 3+round*2 {
			t.Fatalf("round %d: the writer wrote %d batches before it was killed, want at least %d", round, seen, 3+round*2)
		}
		s, err := Open(ctx, Config{Conn: conn, Schema: schema, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		// A write takes the writers' lock: it waits until the server
		// ended the killed writer's transaction.
		if _, _, err := s.DropLog(ctx, store.LogKey{}); err != nil {
			t.Fatal(err)
		}
		got, err := s.HeadsDigest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantDigest(t, s, fmt.Sprintf("round %d, after kill -9", round), got.Count)
		if got.Count <= last {
			t.Fatalf("round %d: %d heads after the kill, want more than the %d before it", round, got.Count, last)
		}
		last = got.Count
		_ = s.Close()
	}
}

// digestWriter, in the child, writes batches of new logs and next entries
// of old ones until it is killed, printing "+" after each commit.
func digestWriter(t *testing.T, schema string) {
	s, err := Open(context.Background(), Config{Conn: os.Getenv(pgtest.EnvConn), Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	round, _ := strconv.Atoi(os.Getenv("KITH_DIGEST_ROUND"))
	for i := 0; ; i++ {
		var batch []*entry.Entry
		for j := range 20 {
			c := newChain(t, 100000*(round+1)+1000*i+j)
			batch = append(batch, c.posts(t, 2)...)
		}
		if _, err := s.Ingest(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		fmt.Print("+")
	}
}
