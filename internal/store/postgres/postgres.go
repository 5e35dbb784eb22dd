// Package postgres is a store.Store in PostgreSQL, through pgx: the store
// of a hub that outgrows one SQLite file or one process. Several processes
// may open one database (one schema of it) at once and write to it
// concurrently; together they behave as one store.
//
// Every write transaction (Append, Ingest, DropLog) first takes a
// transaction-scoped advisory lock on the store's schema, so writes are
// serialised across every process that uses it, exactly as SQLite
// serialises writers: store.Plan sees everything committed before it, an
// entry that arrives through two processes at once is stored once (the
// second finds it held), two conflicting entries at one position make a
// fork wherever they arrive, and a log never grows out of order. Cursors
// come from a sequence taken under that lock, so arrival order is commit
// order and a reader paging by cursor never skips an entry that commits
// later with a smaller cursor.
//
// Each process keeps, as SQLite's writer does, what it learned about the
// database (heads of recently written logs, the tombstone filter, the
// revocations in effect) between writes. Every write transaction that
// changes something bumps kith_meta.gen and sends a notification on the
// store's channel (Notifications); a writer that finds gen moved since
// its own last write drops what it kept and reads it again. A connection
// of each Store LISTENs on that channel for HeadsVersion
// (headsversion.go), so the sync engine keeps its offer set between
// sessions until another process's write is announced.
//
// The digest of every head (store.HeadsDigester: the sum of their sync
// item hashes and their count) is kept in heads_digest by triggers on
// logs, in the transaction of every change to a head (headsdigest.go), so
// a sync session with an in-sync peer reads no head.
//
// Signature verification runs beside the writing, as in the SQLite store:
// the next chunk of a batch is verified while the previous one is
// written. Writes of one chunk go to the server in one round trip (a pgx
// batch).
package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// DefaultSchema is the schema a store lives in when the configuration
// names none.
const DefaultSchema = "kith"

const (
	maxCachedLogs   = 1 << 16
	cancelCheckRows = 256
)

// Config says where the store is.
type Config struct {
	// Conn is a PostgreSQL connection string (URL or key=value form);
	// empty means the PG* environment variables (PGHOST, PGUSER, PGDATABASE,
	// PGPASSWORD, ...) and libpq's defaults.
	Conn string
	// Schema is the schema holding the store's tables, created if
	// missing; DefaultSchema when empty.
	Schema string
	// MaxConns bounds the connection pool; 0 means pgx's default.
	MaxConns int32
}

// Store is a store.Store in a PostgreSQL schema. Create it with Open.
type Store struct {
	where  string // host/database/schema, for messages
	schema string
	lockID int64  // the advisory lock of the schema's writers
	token  string // names this Store's notifications (watch.go)
	pool   *pgxpool.Pool

	life   sync.RWMutex
	closed bool

	// wmu serialises this process's writers and guards what follows.
	wmu     sync.Mutex
	tombs   map[[32]byte]struct{} // targets of every tombstone
	revoked map[identity.PublicKey]*store.Revoked
	// gen is kith_meta.gen after this process's last write; -1 forces a
	// reload of what follows wmu.
	gen      int64
	purgeDue bool

	logsMu sync.RWMutex
	logs   map[store.LogKey]logState

	verify store.Verifier
	clock  store.Clock

	hv         headsVersion // headsversion.go
	watchPos   watchPos     // watch.go
	stopListen context.CancelFunc
	listenDone chan struct{}
}

// logState is a log as the writer knows it.
type logState struct {
	rowid   int64
	head    store.Head
	time    int64
	timeSeq uint64
}

var _ store.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store stamp arrivals with c instead of
// store.SystemClock.
func WithClock(c store.Clock) Option { return func(s *Store) { s.clock = c } }

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the database cfg names and brings the store's schema up
// to date, creating it if needed.
func Open(ctx context.Context, cfg Config, opts ...Option) (*Store, error) {
	schema := cfg.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("postgres: schema %q: use lower-case letters, digits and _ (at most 63, not starting with a digit)", schema)
	}
	pc, err := pgxpool.ParseConfig(cfg.Conn)
	if err != nil {
		return nil, fmt.Errorf("postgres: connection string: %w (see doc/config.md, [store])", err)
	}
	pc.ConnConfig.RuntimeParams["search_path"] = schema
	pc.ConnConfig.RuntimeParams["application_name"] = "kith"
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	h := fnv.New64a()
	h.Write([]byte("kith store " + schema))
	s := &Store{
		where:   fmt.Sprintf("%s/%s schema %s", pc.ConnConfig.Host, pc.ConnConfig.Database, schema),
		schema:  schema,
		lockID:  int64(h.Sum64()),
		gen:     -1,
		verify:  entry.VerifyBatch,
		clock:   store.SystemClock,
		logs:    map[store.LogKey]logState{},
		tombs:   map[[32]byte]struct{}{},
		revoked: map[identity.PublicKey]*store.Revoked{},
	}
	var tok [8]byte
	_, _ = rand.Read(tok[:])
	s.token = hex.EncodeToString(tok[:])
	for _, o := range opts {
		o(s)
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", s.where, err)
	}
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgres: open %s: cannot reach the server: %w (check [store] postgres in the config, or the PG* environment variables)", s.where, err)
	}
	if err := migrate(ctx, s.pool, s.schema, s.where, s.lockID, s.clock); err != nil {
		s.pool.Close()
		return nil, err
	}
	conn, err := s.listenHeads(ctx)
	if err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgres: open %s: listen for other processes' writes: %w", s.where, err)
	}
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stopListen, s.listenDone = stop, make(chan struct{})
	go s.runHeadsListener(lctx, conn)
	return s, nil
}

// Where names the database and schema, for messages: host/database
// schema name (no password).
func (s *Store) Where() string { return s.where }

// Schema returns the store's schema.
func (s *Store) Schema() string { return s.schema }

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

// Close waits for calls in progress, then closes the connections. It is
// idempotent.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.stopListen()
	<-s.listenDone
	s.pool.Close()
	return nil
}

func (s *Store) wrap(op string, err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("postgres: %s (%s): %w", op, s.where, err)
}

func (s *Store) cachedLog(k store.LogKey) (logState, bool) {
	s.logsMu.RLock()
	l, ok := s.logs[k]
	s.logsMu.RUnlock()
	return l, ok
}

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

// noRows reports whether err says a query returned no row.
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
