package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

func rawPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), pgtest.Conn(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// dumpSchema describes every column, index and constraint of a schema,
// one per line, sorted: two schemas made the same way dump the same.
func dumpSchema(t *testing.T, p *pgxpool.Pool, schema string) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	q := func(sql string) {
		rows, err := p.Query(ctx, sql, schema)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, strings.ReplaceAll(s, schema+".", "S."))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT concat_ws(' ', 'column', table_name, column_name, data_type, is_nullable, column_default, is_identity) FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1`)
	q(`SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1`)
	q(`SELECT concat_ws(' ', 'constraint', conrelid::regclass::text, pg_get_constraintdef(c.oid)) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1`)
	return strings.Join(lines, "\n")
}

// TestMigrateFromEachVersion brings a schema at each earlier version
// (0: empty) up to SchemaVersion, and requires the result to be exactly
// the schema a new store gets, with the entries written before the
// upgrade still there and the store writable after it.
func TestMigrateFromEachVersion(t *testing.T) {
	ctx := context.Background()
	p := rawPool(t)
	fresh := openTemp(t)
	want := dumpSchema(t, p, fresh.Schema())
	if !strings.Contains(want, "kith_meta") || !strings.Contains(want, "entries_type_time") ||
		!strings.Contains(want, "entries_log_type") {
		t.Fatalf("a new schema lacks tables or indexes:\n%s", want)
	}
	for v := 0; v < SchemaVersion; v++ {
		schema := pgtest.Schema()
		c := newChain(t, v)
		es := c.posts(t, 3)
		if v > 0 {
			if err := migrateTo(ctx, p, schema, schema, 1, migrations[:v]); err != nil {
				t.Fatalf("migrate to %d: %v", v, err)
			}
			// Entries written at version v, as the code of that version
			// wrote them (the columns of version 1).
			if _, err := p.Exec(ctx, `INSERT INTO `+schema+`.logs (author, log_id, head_seq, head_id) VALUES ($1, $2, 2, $3)`,
				pubBytes(c.key.Public()), c.log[:], es[1].ID[:]); err != nil {
				t.Fatal(err)
			}
			for _, e := range es[:2] {
				if _, err := p.Exec(ctx, `INSERT INTO `+schema+`.entries (id, log, seq, timestamp, type, header, payload, arrived, entry_time)
					VALUES ($1, (SELECT log FROM `+schema+`.logs), $2, $3, 'post', $4, $5, 1, $3)`,
					e.ID[:], int64(e.Header.Seq), int64(e.Header.Timestamp), e.Raw, e.Payload); err != nil {
					t.Fatal(err)
				}
			}
		}
		s, err := Open(ctx, Config{Conn: pgtest.Conn(t), Schema: schema})
		if err != nil {
			t.Fatalf("open at version %d: %v", v, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if got := dumpSchema(t, p, schema); got != want {
			t.Fatalf("schema migrated from version %d differs from a new one:\n%s\n--- want\n%s", v, got, want)
		}
		var version int
		if err := p.QueryRow(ctx, `SELECT max(version) FROM `+schema+`.schema_migrations`).Scan(&version); err != nil || version != SchemaVersion {
			t.Fatalf("from %d: version %d (%v), want %d", v, version, err, SchemaVersion)
		}
		from := 1
		if v > 0 {
			from = 3
			for _, e := range es[:2] {
				if g, err := s.Get(ctx, e.ID); err != nil || g.Header.Seq != e.Header.Seq {
					t.Fatalf("from %d: entry seq %d after the upgrade: %v", v, e.Header.Seq, err)
				}
			}
		}
		for _, r := range mustIngest(t, s, es[from-1:]...) {
			if r.Outcome != store.Added {
				t.Fatalf("from %d: write after the upgrade: %v %v", v, r.Outcome, r.Err)
			}
		}
		if h, err := s.Head(ctx, c.logKey()); err != nil || h.Seq != 3 || h.ID != es[2].ID {
			t.Fatalf("from %d: head %+v %v", v, h, err)
		}
	}
}

// TestMigrateRefuses: a schema of a newer kith, and a schema that is not
// a kith store, are refused with a message that says so, and left alone.
func TestMigrateRefuses(t *testing.T) {
	ctx := context.Background()
	p := rawPool(t)
	newer := openTemp(t).Schema()
	if _, err := p.Exec(ctx, `INSERT INTO `+newer+`.schema_migrations (version) VALUES (99)`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, Config{Conn: pgtest.Conn(t), Schema: newer})
	if err == nil || !strings.Contains(err.Error(), "schema version 99 is newer than this kith") || !strings.Contains(err.Error(), "upgrade kith") {
		t.Fatalf("open a newer schema: %v", err)
	}
	other := pgtest.Schema()
	if _, err := p.Exec(ctx, `CREATE SCHEMA `+other+`; CREATE TABLE `+other+`.accounts (id int)`); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, Config{Conn: pgtest.Conn(t), Schema: other})
	if err == nil || !strings.Contains(err.Error(), "is not a kith store (it has 1 tables") {
		t.Fatalf("open a foreign schema: %v", err)
	}
	var n int
	if err := p.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = $1`, other).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the foreign schema has %d tables (%v), want its 1 alone", n, err)
	}
	if _, err := Open(ctx, Config{Conn: pgtest.Conn(t), Schema: "Bad-Name"}); err == nil || !strings.Contains(err.Error(), "lower-case letters") {
		t.Fatalf("open schema Bad-Name: %v", err)
	}
}
