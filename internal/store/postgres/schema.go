package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kithnet/kith/internal/store"
)

// A migration moves the schema from version-1 to version. Migrations are
// applied in order, each with its schema_migrations row, all in one
// transaction under the schema's advisory lock (so two processes that
// open a new database at once do not both migrate it), and are never
// edited once released: a change is a new migration.
type migration struct {
	version int
	name    string
	stmts   []string
}

// The columns mirror the SQLite store's (store/sqlite/schema.go), with
// PostgreSQL's types: ids and keys are bytea, checked to be 32 bytes;
// seqs, timestamps and times bigint; flags boolean. Ids are looked up
// whole (a b-tree over 32 bytes), and the thread column holds the whole
// root id, so a thread's replies need no check against their payloads.
var migrations = []migration{
	{version: 1, name: "entries, logs, forks, tombstones, devices", stmts: []string{
		`CREATE TABLE logs (
			log      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			author   bytea NOT NULL CHECK (length(author) = 32),
			log_id   bytea NOT NULL CHECK (length(log_id) = 32),
			head_seq bigint NOT NULL,
			head_id  bytea NOT NULL,
			forked   boolean NOT NULL DEFAULT false,
			ended    boolean NOT NULL DEFAULT false,
			UNIQUE (author, log_id)
		)`,
		`CREATE INDEX logs_log_id ON logs (log_id)`,
		// cursor is the arrival order: taken from its sequence under the
		// writers' lock, so it grows in commit order.
		`CREATE TABLE entries (
			cursor     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			id         bytea NOT NULL CHECK (length(id) = 32),
			log        bigint NOT NULL REFERENCES logs (log),
			seq        bigint NOT NULL,
			timestamp  bigint NOT NULL,
			type       text,
			deleted    boolean NOT NULL DEFAULT false,
			header     bytea NOT NULL,
			payload    bytea,
			thread     bytea,
			arrived    bigint NOT NULL,
			entry_time bigint NOT NULL,
			UNIQUE (log, seq)
		)`,
		`CREATE UNIQUE INDEX entries_id ON entries (id)`,
		`CREATE INDEX entries_type ON entries (type, cursor) WHERE type IS NOT NULL`,
		`CREATE INDEX entries_type_time ON entries (type, entry_time, cursor) WHERE type IS NOT NULL`,
		`CREATE INDEX entries_thread ON entries (thread, cursor) WHERE thread IS NOT NULL`,
		`CREATE INDEX entries_profile ON entries (log, timestamp) WHERE type = 'profile'`,
		`CREATE TABLE forks (
			n       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			id      bytea NOT NULL,
			log     bigint NOT NULL REFERENCES logs (log),
			seq     bigint NOT NULL,
			kept    bytea NOT NULL,
			header  bytea NOT NULL,
			payload bytea
		)`,
		`CREATE UNIQUE INDEX forks_position ON forks (log, seq)`,
		`CREATE TABLE tombstones (
			target bytea NOT NULL,
			author bytea NOT NULL,
			by     bytea NOT NULL,
			PRIMARY KEY (target, author)
		)`,
		`CREATE TABLE devices (
			account bytea NOT NULL,
			device  bytea NOT NULL,
			name    text NOT NULL,
			cert    bytea NOT NULL,
			PRIMARY KEY (account, device)
		)`,
		`CREATE INDEX devices_device ON devices (device)`,
		`CREATE TABLE revocations (
			account bytea NOT NULL,
			device  bytea NOT NULL,
			by      bytea NOT NULL,
			PRIMARY KEY (account, device)
		)`,
	}},
	{version: 2, name: "write generation, for several processes", stmts: []string{
		// gen counts the write transactions that changed something: a
		// process that finds it moved since its own last write drops what
		// it cached. One row.
		`CREATE TABLE kith_meta (
			one boolean PRIMARY KEY DEFAULT true CHECK (one),
			gen bigint NOT NULL
		)`,
		`INSERT INTO kith_meta (gen) VALUES (0)`,
	}},
	{version: 3, name: "entries of one log by type", stmts: []string{
		// Find by log and type (findlogs.go), as the SQLite store's
		// migration 4: the entries of one type in one log, ordered by
		// (entry_time, cursor). Along a log entries arrive in seq order
		// and entry_time never decreases, so within one log and type this
		// is both time and arrival order. A page of one account's posts
		// reads its few logs here, whatever else the store holds.
		`CREATE INDEX entries_log_type ON entries (log, type, entry_time, cursor) WHERE type IS NOT NULL`,
	}},
	{version: 4, name: "heads digest", stmts: append([]string{
		// One row: the sum modulo 2^256 of the sync item hashes of every
		// head with head_seq > 0 (store.HeadsDigest), as a numeric, and
		// their count, as the SQLite store's migration 7. The triggers
		// (headsdigest.go) keep it in the transaction of every change to
		// logs, whoever makes it; the last statement computes it once
		// from the heads held. A restarted node answers an in-sync peer
		// from it without reading a head (BENCHMARKS.md, "Scale", item 7).
		`CREATE TABLE heads_digest (
			one   boolean PRIMARY KEY DEFAULT true CHECK (one),
			sum   numeric(78, 0) NOT NULL CHECK (sum >= 0 AND sum < ` + digestModulus + `),
			count bigint NOT NULL CHECK (count >= 0)
		)`,
	}, append(digestSQL,
		`INSERT INTO heads_digest (sum, count) SELECT sum % `+digestModulus+`, count FROM (`+itemSumSQL("logs")+`) AS d`)...)},
}

// SchemaVersion is the schema version this code reads and writes.
const SchemaVersion = 4

func migrate(ctx context.Context, pool *pgxpool.Pool, schema, where string, lockID int64, _ store.Clock) error {
	if last := migrations[len(migrations)-1].version; last != SchemaVersion {
		return fmt.Errorf("postgres: internal error: SchemaVersion %d, last migration %d", SchemaVersion, last)
	}
	return migrateTo(ctx, pool, schema, where, lockID, migrations)
}

func migrateTo(ctx context.Context, pool *pgxpool.Pool, schema, where string, lockID int64, ms []migration) (err error) {
	fail := func(what string, err error) error {
		return fmt.Errorf("postgres: open %s: %s: %w", where, what, err)
	}
	latest := ms[len(ms)-1].version
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fail("begin migration", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID); err != nil {
		return fail("lock the schema", err)
	}
	if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fail("create schema "+schema+" (may this user create schemas in the database?)", err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, pgx.Identifier{schema}.Sanitize()); err != nil {
		return fail("set search_path", err)
	}
	var tables int
	var hasMigrations bool
	if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(bool_or(table_name = 'schema_migrations'), false)
		FROM information_schema.tables WHERE table_schema = $1`, schema).Scan(&tables, &hasMigrations); err != nil {
		return fail("read the schema", err)
	}
	if tables > 0 && !hasMigrations {
		return fmt.Errorf("postgres: open %s: schema %s is not a kith store (it has %d tables but no schema_migrations); name another schema in [store] postgres_schema", where, schema, tables)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fail("create schema_migrations", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fail("read schema version", err)
	}
	if current > latest {
		return fmt.Errorf("postgres: open %s: database schema version %d is newer than this kith (knows up to %d); upgrade kith", where, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		for _, stmt := range m.stmts {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fail(fmt.Sprintf("migration %d (%s)", m.version, m.name), err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.version); err != nil {
			return fail(fmt.Sprintf("record migration %d", m.version), err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fail("commit migrations", err)
	}
	return nil
}
