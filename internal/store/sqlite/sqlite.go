// Package sqlite is the default store.Store: one SQLite file, written
// through modernc.org/sqlite (pure Go, no cgo).
//
// The database runs in WAL mode with synchronous=NORMAL: a crash loses at
// most the last transactions, never consistency. All writes go through one
// connection, serialised in Go, each Append or Ingest in one transaction
// that applies the changes store.Plan computed, or nothing. Reads use a
// separate pool of read-only connections and never wait for a writer.
//
// Signature verification, the most expensive part of an import, runs
// beside the writing: Ingest verifies the first chunk of a batch before it
// takes the write lock and each next chunk while the previous one is
// written, so verification and SQLite keep both cores of a small machine
// busy. Entries are identified on disk by an index over the first 8 bytes
// of their id, which keeps the random writes of an import small.
//
// The schema is versioned: Open applies the migrations the file lacks, in
// one transaction, and refuses a file written by a newer kith. Version 2
// added the thread of replies (entries.thread and its partial index
// entries_thread, which only replies enter), filled for the replies a
// version 1 file holds. Version 3 added each entry's arrival and time
// (store.EntryTime; entries.arrived, entries.entry_time and the index
// entries_type_time the feeds read in time order through), filled for the
// entries a version 2 file holds as arrived at the migration. Version 6
// added cursor_floor, one row at most: the largest cursor handed out while
// no entry holds it any more (its entries were dropped), so that cursors
// are never handed out twice (cursorfloor.go).
package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Tuning. The writer's page cache holds the hot part of the indexes during
// a bulk import; readers share the OS page cache, each with a small cache
// of its own. The writer's was 32 MiB: with 64 MiB it was the largest part
// of a node's peak memory in an import or a full sync, and what does not
// fit is read again from the OS page cache, which costs CPU once the
// indexes outgrow it. Importing 1,000,000 entries (under heavy load, one
// run each): 64 MiB and node.Import's older, deeper queues, 275 MB peak RSS
// and 81 CPU-s; with the shorter queues, 32 MiB, 157 MB and 86 CPU-s;
// 16 MiB, 126 MB and 93 CPU-s (BENCHMARKS.md, issue 18). What did not
// fit then was the random entry-id index; since it is keyed by generation
// (migration 5) inserts touch only the newest generation's pages, and the
// writer's cache is 16 MiB: importing 200,000 entries, 123–125 MB peak RSS
// instead of 155–156 MB, and CPU within the noise of the runs beside it.
//
// Nothing maps the file (mmap_size 0): every page of a mapped file that a
// read touches counts in the process's resident memory (a node of 200,000
// entries that served one full sync held 80–90 MB of its
// database so), while pages read into the OS page cache do not. A reader's
// own cache is 512 KiB: with 2 MiB each, SQLite's memory in a node that
// ten peers made read its logs over and over reached 25–33 MB, with 512 KiB
// 12.5 MB, and serving a 200,000-entry sync took no more CPU
// (RELIABILITY.md, "The WANT flood's memory").
const (
	busyTimeoutMS      = 10_000
	writerCacheKiB     = 16 * 1024
	readerCacheKiB     = 512
	mmapBytes          = 0
	walCheckpointPages = 16384
	maxCachedLogs      = 1 << 16
	minReadConns       = 4
	cancelCheckRows    = 256
)

// Store is a store.Store in a SQLite file. Create it with Open.
type Store struct {
	path string
	w    *sql.DB // exactly one connection: all writes
	r    *sql.DB // read-only pool
	// rstmts keeps the read pool's queries prepared (readstmts.go).
	rstmts readStmts

	// life guards closed: every call holds it for reading, Close for
	// writing, so Close waits for calls in progress.
	life   sync.RWMutex
	closed bool

	// wmu serialises writers (Append, Ingest) and guards what follows.
	wmu   sync.Mutex
	ws    writeStmts
	tombs map[int64]struct{} // idPrefix of every tombstone target: a filter
	// revoked holds what the revocations in effect keep, by device
	// (revoked.go).
	revoked map[identity.PublicKey]*store.Revoked
	heads   headsCache // Heads between writes (headscache.go)
	// devices is what Devices read, until certifications change
	// (devicescache.go); devicesWritten, guarded by wmu, says the write
	// transaction in progress stored a certification or a revocation.
	devices        devicesCache
	devicesWritten bool
	// purgeDue asks the next Ingest to drop, before its batch, what the
	// revocations in effect do not keep: set whenever they are read from
	// the file, so entries a revocation dropped in no transaction (a file
	// written by an older kith) go at the first write.
	purgeDue bool
	// floor is the cursor floor (cursorfloor.go): the largest cursor
	// handed out, while no entry holds it any more; 0 when none. Guarded
	// by wmu.
	floor int64
	// dataVersion is the writer connection's PRAGMA data_version when the
	// caches were last known to match the file; -1 forces a reload.
	dataVersion int64

	// logs caches the committed state of recently written logs. It is
	// written with wmu and logsMu held, read with either.
	logsMu sync.RWMutex
	logs   map[store.LogKey]logState

	verify store.Verifier
	clock  store.Clock // stamps arrivals
	// applyHook, when set (tests), runs before each change is applied; an
	// error aborts the transaction.
	applyHook func(n int) error
}

// logState is a log as the writer knows it.
type logState struct {
	rowid int64 // logs.log; 0 while unknown to the database
	head  store.Head
	// time is the entry_time of the entry at timeSeq; it is the head's
	// when timeSeq == head.Seq, else unknown.
	time    int64
	timeSeq uint64
}

var _ store.Store = (*Store)(nil)

// extraPragmas are added to every connection: a knob for experiments in
// benchmarks (KITH_BENCH_PRAGMAS), never set otherwise.
var extraPragmas []string

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store stamp arrivals (and date the migration that
// added them) with c instead of store.SystemClock.
func WithClock(c store.Clock) Option { return func(s *Store) { s.clock = c } }

// Open opens the store in the SQLite file at path, creating it (mode 0600)
// if it does not exist, and brings its schema up to date.
func Open(path string, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" {
		return nil, errors.New("sqlite: open: need a file path (for a store in memory use store/mem)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Create the file ourselves so that it is private; SQLite gives its
	// -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrExist):
	default:
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	s := &Store{path: path, verify: entry.VerifyBatch, clock: store.SystemClock, logs: map[store.LogKey]logState{}, tombs: map[int64]struct{}{}, revoked: map[identity.PublicKey]*store.Revoked{}}
	for _, o := range opts {
		o(s)
	}
	ctx := context.Background()
	s.w, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	fail := func(err error) (*Store, error) {
		s.ws.close()
		_ = s.w.Close()
		if s.r != nil {
			_ = s.r.Close()
		}
		return nil, err
	}
	// Migrate first: it refuses a file that is not a kith store before
	// anything (the journal mode included) is changed in it.
	if err := migrate(ctx, s.w, path, s.clock); err != nil {
		return fail(err)
	}
	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	if mode != "wal" {
		return fail(fmt.Errorf("sqlite: open %s: journal mode is %q, want wal", path, mode))
	}
	if err := s.ws.prepare(ctx, s.w); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	s.dataVersion = -1 // the first write loads the tombstone filter
	s.r, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	n := max(minReadConns, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if err := s.r.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	return s, nil
}

// dsn is the driver's name for the file at abs: a file: URI (so any path
// survives escaping) with the pragmas every connection gets.
func dsn(abs string, reader bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", mmapBytes))
	if reader {
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", readerCacheKiB))
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", writerCacheKiB))
		// Checkpoint less often than the default 1000 pages: an import
		// dirties random pages of the id index, and a longer interval
		// writes each of them back once for several commits.
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walCheckpointPages))
		q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walCheckpointPages*4096))
		q.Set("_txlock", "immediate")
	}
	for _, p := range extraPragmas {
		q.Add("_pragma", p)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	if u.Path[0] != '/' { // Windows: file:///C:/...
		u.Path = "/" + u.Path
	}
	return u.String()
}

// enter starts a call: it fails when ctx is done or the store is closed.
// On success the caller must call s.life.RUnlock.
func (s *Store) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// Close waits for calls in progress, then closes the database. It is
// idempotent; every other method returns store.ErrClosed afterwards.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.ws.close()
	s.rstmts.close()
	errR := s.r.Close()
	errW := s.w.Close()
	if err := errors.Join(errR, errW); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, err)
	}
	return nil
}

// wrap names the store and the operation in an error from the database.
func (s *Store) wrap(op string, err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("sqlite: %s (%s): %w", op, s.path, err)
}

// idPrefix is the first 8 bytes of an id as an integer: the key, within
// a generation, of the entries_gen_id index, and of the tombstone filter.
func idPrefix(id entry.ID) int64 { return int64(binary.BigEndian.Uint64(id[:8])) }

func (s *Store) loadTombstones(tx *sql.Tx) error {
	s.tombs = map[int64]struct{}{}
	rows, err := tx.Query(`SELECT target FROM tombstones`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		if len(b) == 32 {
			s.tombs[idPrefix(entry.ID(b))] = struct{}{}
		}
	}
	return rows.Err()
}

// cachedLog returns the committed state of a log, if cached.
func (s *Store) cachedLog(k store.LogKey) (logState, bool) {
	s.logsMu.RLock()
	l, ok := s.logs[k]
	s.logsMu.RUnlock()
	return l, ok
}

// toKey reads a 32-byte column.
func toKey(b []byte, what string) ([32]byte, error) {
	if len(b) != 32 {
		return [32]byte{}, fmt.Errorf("corrupt %s: %d bytes, want 32", what, len(b))
	}
	return [32]byte(b), nil
}

func pub(b []byte, what string) (identity.PublicKey, error) {
	k, err := toKey(b, what)
	return identity.PublicKey(k), err
}
