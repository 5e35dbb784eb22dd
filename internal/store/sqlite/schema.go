package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// applicationID marks a SQLite file as a kith store ("kith" in ASCII), so
// Open refuses to turn some other program's database into one.
const applicationID = 0x6b697468

// A migration moves the schema from version-1 to version. Migrations are
// applied in order, each in the same transaction as its schema_migrations
// row, and are never edited once released: a change is a new migration.
// After its statements, a migration may run fill, Go code that fills new
// columns from the data (e.g. from decoded payloads); now is the time of
// the migration, ms since the epoch, by the store's clock.
type migration struct {
	version int
	name    string
	stmts   []string
	fill    func(ctx context.Context, tx *sql.Tx, now int64) error
}

// migrations is the ordered schema history. The last version is the one
// this code reads and writes.
var migrations = []migration{
	{version: 1, name: "entries, logs, forks, tombstones, devices", stmts: []string{
		// One row per log; log is the compact key entries refer to. The
		// head columns describe the contiguous prefix 1..head_seq held.
		`CREATE TABLE logs (
			log      INTEGER PRIMARY KEY,
			author   BLOB NOT NULL CHECK (length(author) = 32),
			log_id   BLOB NOT NULL CHECK (length(log_id) = 32),
			head_seq INTEGER NOT NULL,
			head_id  BLOB NOT NULL,
			forked   INTEGER NOT NULL DEFAULT 0,
			ended    INTEGER NOT NULL DEFAULT 0,
			UNIQUE (author, log_id)
		)`,
		// Find by log id across authors (a context's logs).
		`CREATE INDEX logs_log_id ON logs (log_id)`,
		// One row per entry of a log. cursor (the rowid) is the arrival
		// order. header is the encoded signed header, which holds author,
		// log id, seq, backlink, timestamp and the rest; seq and timestamp
		// are repeated as columns for indexing. type is NULL when the
		// payload is not held, was deleted, or is opaque.
		//
		// Ids are random, so an index on them takes a random page write per
		// insert. It indexes id_prefix, the id's first 8 bytes as an
		// integer: a third of the size of a 32-byte key, so a batch dirties
		// fewer pages. Lookups match id_prefix, then id. An id is unique
		// because it fixes its (log, seq), which is unique.
		`CREATE TABLE entries (
			cursor    INTEGER PRIMARY KEY,
			id        BLOB NOT NULL CHECK (length(id) = 32),
			id_prefix INTEGER NOT NULL,
			log       INTEGER NOT NULL REFERENCES logs (log),
			seq       INTEGER NOT NULL,
			timestamp INTEGER NOT NULL,
			type      TEXT,
			deleted   INTEGER NOT NULL DEFAULT 0,
			header    BLOB NOT NULL,
			payload   BLOB,
			UNIQUE (log, seq)
		)`,
		`CREATE INDEX entries_id ON entries (id_prefix)`,
		// Find by type in arrival order (an index on type is ordered by
		// (type, rowid), i.e. by cursor within a type).
		`CREATE INDEX entries_type ON entries (type) WHERE type IS NOT NULL`,
		// LatestProfile: the profiles of a few logs, newest first.
		`CREATE INDEX entries_profile ON entries (log, timestamp) WHERE type = 'profile'`,
		// Second entries at a held position, kept as evidence: at most one
		// per position (store.Plan keeps the first) and at most
		// store.MaxForksPerLog per log. forks_position enforces the first
		// rule and answers the planner's one question, which seqs of a log
		// have evidence. An id fixes its (log, seq), so it is unique too.
		`CREATE TABLE forks (
			n       INTEGER PRIMARY KEY,
			id      BLOB NOT NULL,
			log     INTEGER NOT NULL REFERENCES logs (log),
			seq     INTEGER NOT NULL,
			kept    BLOB NOT NULL,
			header  BLOB NOT NULL,
			payload BLOB
		)`,
		`CREATE UNIQUE INDEX forks_position ON forks (log, seq)`,
		// Deletes, by target and the deleting author; a target may arrive
		// after its delete.
		`CREATE TABLE tombstones (
			target BLOB NOT NULL,
			author BLOB NOT NULL,
			by     BLOB NOT NULL,
			PRIMARY KEY (target, author)
		) WITHOUT ROWID`,
		// Device certificates (device.add) and revocations (device.revoke),
		// kept apart because a revocation may arrive before the payload of
		// the certificate it revokes.
		`CREATE TABLE devices (
			account BLOB NOT NULL,
			device  BLOB NOT NULL,
			name    TEXT NOT NULL,
			cert    BLOB NOT NULL,
			PRIMARY KEY (account, device)
		) WITHOUT ROWID`,
		`CREATE INDEX devices_device ON devices (device)`,
		`CREATE TABLE revocations (
			account BLOB NOT NULL,
			device  BLOB NOT NULL,
			by      BLOB NOT NULL,
			PRIMARY KEY (account, device)
		) WITHOUT ROWID`,
		fmt.Sprintf(`PRAGMA application_id = %d`, applicationID),
	}},
	{version: 2, name: "thread index", stmts: []string{
		// thread is, for a post that is a reply and whose payload is
		// held, its thread root's id prefix (as id_prefix); NULL for every
		// other entry, so the partial index entries_thread holds replies
		// only and other inserts never touch it. Threads are found by
		// thread, then checked against the decoded payload.
		`ALTER TABLE entries ADD COLUMN thread INTEGER`,
		`CREATE INDEX entries_thread ON entries (thread) WHERE thread IS NOT NULL`,
	}, fill: fillThreads},
	{version: 3, name: "arrival and entry time", stmts: []string{
		// arrived is when the entry arrived at this store (ms since the
		// epoch, this store's clock); entry_time is store.EntryTime of
		// the entry, where feeds show and order it. Both are fixed when
		// the entry is stored.
		`ALTER TABLE entries ADD COLUMN arrived INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE entries ADD COLUMN entry_time INTEGER NOT NULL DEFAULT 0`,
		// fillTimes then creates entries_type_time, once the column is
		// filled (an index made first would be rewritten row by row).
	}, fill: fillTimes},
	{version: 4, name: "entries of one log by type", stmts: []string{
		// Find by log and type (findlogs.go): the entries of one type in
		// one log, ordered by (log, type, entry_time, cursor). Along a log
		// entries arrive in seq order (a log grows only at head+1) and
		// entry_time never decreases, so within one log and type this is
		// both time and arrival order. A page of one account's posts reads
		// its few logs here, whatever else the store holds.
		`CREATE INDEX entries_log_type ON entries (log, type, entry_time) WHERE type IS NOT NULL`,
	}},
	{version: 5, name: "entry ids by generation", stmts: []string{
		// entries_id took a random page per insert (ids are random), and
		// once a store outgrew the writer's page cache, nearly every page
		// of the index was dirtied and written to the WAL by each batch.
		// entries_gen_id keys the id prefix by its generation, the
		// cursor's bits above idGenShift (65,536 entries in arrival
		// order): inserts land in the newest generation's few hundred
		// pages only, and a lookup by id (cursorOfID) probes each
		// generation, newest first. See BENCHMARKS.md, issue 18.
		`DROP INDEX entries_id`,
		`CREATE INDEX entries_gen_id ON entries (cursor >> ` + idGenShiftSQL + `, id_prefix)`,
	}},
	{version: 6, name: "cursor floor", stmts: []string{
		// A cursor is the rowid, which SQLite gives as the largest in the
		// table plus one: once the entries holding the largest cursors
		// were deleted (DropLog, a revocation's cut), the next entry took
		// a cursor already handed out, and a reader resuming after it
		// never saw the entry. cursor_floor holds, in one row, the
		// largest cursor handed out while no entry holds it any more; the
		// next entry is stored at the cursor above it, and the row goes
		// (cursorfloor.go). Nothing else changes: entries keeps its
		// rowid cursor and the insert of every other entry is as before.
		`CREATE TABLE cursor_floor (
			one    INTEGER PRIMARY KEY CHECK (one = 1),
			cursor INTEGER NOT NULL
		)`,
	}},
	{version: 7, name: "heads digest", stmts: append([]string{
		// One row: the sum modulo 2^256 of the sync item hashes of every
		// head with head_seq > 0 (store.HeadsDigest), and their count.
		// The triggers (headsdigest.go) keep it in the transaction of
		// every change to logs; fillDigest computes it once from the
		// heads held. A restarted node answers an in-sync peer from it
		// without reading a head (BENCHMARKS.md, "Scale", item 7).
		`CREATE TABLE heads_digest (
			one   INTEGER PRIMARY KEY CHECK (one = 1),
			sum   BLOB NOT NULL CHECK (length(sum) = 32),
			count INTEGER NOT NULL CHECK (count >= 0)
		)`,
	}, digestTriggers...), fill: fillDigest},
}

// SchemaVersion is the schema version this code reads and writes: the
// version of the last migration.
const SchemaVersion = 7

// idGenShift is the width in bits of one generation of entries_gen_id:
// a generation is the 2^idGenShift cursors that share cursor >> idGenShift.
// It is part of migration 5's index expression and of every lookup by id
// (cursorOfID), which must use the same expression to use the index; a
// different width is a new migration.
const (
	idGenShift    = 16
	idGenShiftSQL = "16"
)

// cursorOfID is a scalar subquery: the cursor of the entry whose id_prefix
// is parameter ?P and whose id is parameter ?I (given as numbers, so the
// fragment fits statements with other parameters), or NULL. It walks the
// generations of entries_gen_id from the newest (the last cursor's) down
// to 0, one index seek each, and stops at the first match: an id is unique.
func cursorOfID(prefixParam, idParam int) string {
	return fmt.Sprintf(`(WITH RECURSIVE gen(n) AS (
			SELECT coalesce((SELECT max(cursor) FROM entries), 0) >> %[3]s
			UNION ALL SELECT n - 1 FROM gen WHERE n > 0)
		SELECT e.cursor FROM gen CROSS JOIN entries AS e
		ON (e.cursor >> %[3]s) = gen.n AND e.id_prefix = ?%[1]d AND e.id = ?%[2]d LIMIT 1)`, prefixParam, idParam, idGenShiftSQL)
}

// fillTimes sets arrived and entry_time of the entries a version 2
// database holds. When they arrived is not known; they count as arrived
// at the migration (now), which is after they did: so each claim not after
// now + store.ClockSkew counts, and entry_time is store.EntryTime along
// each log in seq order, the running maximum of the per-entry times.
//
// Then it creates entries_type_time: find by type in time order (ordered
// by (type, entry_time, cursor)), the feeds' newest first.
func fillTimes(ctx context.Context, tx *sql.Tx, now int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE entries SET arrived = ?1, entry_time = w.t FROM (
			SELECT cursor AS c, max(CASE WHEN timestamp <= ?1 + ?2 THEN timestamp ELSE ?1 END)
				OVER (PARTITION BY log ORDER BY seq ROWS UNBOUNDED PRECEDING) AS t
			FROM entries) AS w
		WHERE entries.cursor = w.c`, now, store.ClockSkew.Milliseconds()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `CREATE INDEX entries_type_time ON entries (type, entry_time) WHERE type IS NOT NULL`)
	return err
}

// fillThreads sets the thread column of the replies a version 1 database
// holds, walking the held posts through entries_type.
func fillThreads(ctx context.Context, tx *sql.Tx, _ int64) error {
	type reply struct {
		cursor int64
		root   entry.ID
	}
	var replies []reply
	rows, err := tx.QueryContext(ctx, `SELECT cursor, payload FROM entries WHERE type = '`+content.TypePost+`' ORDER BY cursor`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c int64
		var pl []byte
		if err := rows.Scan(&c, &pl); err != nil {
			rows.Close()
			return err
		}
		if root := threadOf(pl); !root.IsZero() {
			replies = append(replies, reply{c, root})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range replies {
		if _, err := tx.ExecContext(ctx, `UPDATE entries SET thread = ? WHERE cursor = ?`, idPrefix(r.root), r.cursor); err != nil {
			return err
		}
	}
	return nil
}

// threadOf returns the thread root of a post payload that is a reply, else
// zero.
func threadOf(payload []byte) entry.ID {
	pl, err := content.Decode(payload)
	if err != nil {
		return entry.ID{}
	}
	if p, ok := pl.(*content.Post); ok {
		return p.ThreadRoot()
	}
	return entry.ID{}
}

// migrate brings the database to SchemaVersion in one transaction, or
// refuses a database it does not understand. db must be the writer, whose
// transactions are IMMEDIATE, so two processes cannot migrate at once.
func migrate(ctx context.Context, db *sql.DB, path string, now store.Clock) error {
	if last := migrations[len(migrations)-1].version; last != SchemaVersion {
		return fmt.Errorf("sqlite: internal error: SchemaVersion %d, last migration %d", SchemaVersion, last)
	}
	return migrateTo(ctx, db, path, migrations, now)
}

func migrateTo(ctx context.Context, db *sql.DB, path string, ms []migration, now store.Clock) (err error) {
	latest := ms[len(ms)-1].version
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: begin migration: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var appID int64
	if err := tx.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	var tables int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table'`).Scan(&tables); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	switch {
	case appID != 0 && appID != applicationID:
		return fmt.Errorf("sqlite: open %s: not a kith database (application_id 0x%x)", path, appID)
	case appID == 0 && tables > 0:
		return fmt.Errorf("sqlite: open %s: not a kith database (it has %d tables but no kith schema)", path, tables)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
	)`); err != nil {
		return fmt.Errorf("sqlite: open %s: create schema_migrations: %w", path, err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: open %s: read schema version: %w", path, err)
	}
	if current > latest {
		return fmt.Errorf("sqlite: open %s: database schema version %d is newer than this kith (knows up to %d); upgrade kith", path, current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		for _, stmt := range m.stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sqlite: open %s: migration %d (%s): %w", path, m.version, m.name, err)
			}
		}
		if m.fill != nil {
			if err := m.fill(ctx, tx, now()); err != nil {
				return fmt.Errorf("sqlite: open %s: migration %d (%s): %w", path, m.version, m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, m.version); err != nil {
			return fmt.Errorf("sqlite: open %s: record migration %d: %w", path, m.version, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: open %s: commit migrations: %w", path, err)
	}
	return nil
}
