package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

type storeCopyOut struct {
	From, To                    string
	Logs, Entries, Added, Known int
	Verified                    bool
}

// usePostgres sets the home's [store] to backend (with a new schema of
// the test server) and returns the schema.
func usePostgres(t *testing.T, home, backend, schema string) {
	t.Helper()
	if _, err := node.LoadConfig(home); err != nil { // writes the defaults
		t.Fatal(err)
	}
	path := filepath.Join(home, node.ConfigFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, r := range [][2]string{
		{`backend = "sqlite"`, `backend = "` + backend + `"`},
		{`backend = "postgres"`, `backend = "` + backend + `"`},
		{`postgres = ""`, `postgres = "` + pgtest.Conn(t) + `"`},
		{`postgres_schema = "kith"`, `postgres_schema = "` + schema + `"`},
	} {
		s = strings.Replace(s, r[0], r[1], 1)
	}
	if !strings.Contains(s, `backend = "`+backend+`"`) || !strings.Contains(s, schema) {
		t.Fatalf("config.toml has no [store] to set:\n%s", s)
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestStoreCopy: a home's entries go from SQLite to PostgreSQL and back
// with 'kith store copy', verified; a home whose config names a
// PostgreSQL store that lacks its entries is refused with what to do;
// after the copy, the node runs on PostgreSQL and says so.
func TestStoreCopy(t *testing.T) {
	e := newEnv(t)
	home := e["KITH_HOME"]
	initHome(t, e)
	e.ok(t, "post", "one")
	e.ok(t, "post", "two")
	schema := pgtest.Schema()
	usePostgres(t, home, "postgres", schema)

	r := e.run(t, nil, "post", "three")
	if r.code == 0 || !strings.Contains(r.stderr, "does not hold this device's certificate") || !strings.Contains(r.stderr, "kith store copy --to postgres") {
		t.Fatalf("post with an empty PostgreSQL store: exit %d, stderr %q", r.code, r.stderr)
	}

	var up storeCopyOut
	e.okJSON(t, &up, "store", "copy", "--to", "postgres")
	if !up.Verified || up.Entries < 3 || up.Added != up.Entries || up.Known != 0 ||
		!strings.HasPrefix(up.From, "sqlite ") || !strings.HasPrefix(up.To, "postgres ") || !strings.Contains(up.To, "schema "+schema) {
		t.Fatalf("copy to postgres: %+v", up)
	}
	e.ok(t, "post", "three, in postgres")
	log := e.ok(t, "log")
	for _, want := range []string{"one", "two", "three, in postgres"} {
		if !strings.Contains(log, want) {
			t.Fatalf("log from the PostgreSQL store lacks %q:\n%s", want, log)
		}
	}
	// A second copy finds everything there.
	var again storeCopyOut
	e.okJSON(t, &again, "store", "copy", "--to", "postgres")
	if !again.Verified || again.Added != 0 || again.Known != up.Entries {
		t.Fatalf("copy again: %+v, want %d known", again, up.Entries)
	}

	var down storeCopyOut
	e.okJSON(t, &down, "store", "copy", "--to", "sqlite")
	if !down.Verified || down.Entries != up.Entries+1 || down.Added != 1 || down.Known != up.Entries {
		t.Fatalf("copy back to sqlite: %+v, want %d entries, 1 new", down, up.Entries+1)
	}
	usePostgres(t, home, "sqlite", schema)
	if log := e.ok(t, "log"); !strings.Contains(log, "three, in postgres") {
		t.Fatalf("log from SQLite after the copy back lacks the post made on PostgreSQL:\n%s", log)
	}
	if r := e.run(t, nil, "store", "copy", "--to", "mysql"); r.code == 0 || !strings.Contains(r.stderr, `--to: give "postgres" or "sqlite"`) {
		t.Fatalf("copy --to mysql: exit %d, stderr %q", r.code, r.stderr)
	}
}
