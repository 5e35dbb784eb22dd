package benchkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store/postgres/pgtest"
)

// Postgres is a PostgreSQL server for a benchmark's receiving node: the
// one a connection string names, or else a throwaway cluster started the
// way the store's tests start theirs (pgtest: Debian's initdb in a
// temporary directory, a unix socket only, fsync off, as the user postgres
// when run as root), stopped and deleted by Stop.
type Postgres struct {
	Conn   string
	Schema string // a fresh schema for this run
	// Throwaway says the server is the benchmark's own cluster.
	Throwaway bool
}

// StartPostgres returns the server conn names, or when conn is "" the one
// in KITH_TEST_POSTGRES, or else a new throwaway cluster. Each call names
// a schema no other run uses; on a server of the caller's, the schema is
// left behind (drop it with DROP SCHEMA ... CASCADE).
func StartPostgres(conn string) (*Postgres, error) {
	p := &Postgres{Conn: conn, Schema: "bench_" + strings.TrimPrefix(pgtest.Schema(), "t_")}
	if conn != "" {
		return p, nil
	}
	p.Throwaway = os.Getenv(pgtest.EnvConn) == ""
	s, err := pgtest.Get()
	if err != nil {
		return nil, fmt.Errorf("no PostgreSQL server: %w; give -postgres CONN or set %s, or install PostgreSQL (Debian: apt-get install postgresql)", err, pgtest.EnvConn)
	}
	p.Conn = s.Conn
	return p, nil
}

// Stop stops and deletes the throwaway cluster, if this is one.
func (p *Postgres) Stop() {
	if p.Throwaway {
		pgtest.Stop()
	}
}

// storeTOML is the [store] table that puts a home's store in p's schema.
func (p *Postgres) storeTOML(backend string) string {
	return fmt.Sprintf("\n[store]\nbackend = %q\npostgres = %q\npostgres_schema = %q\n", backend, p.Conn, p.Schema)
}

// MoveHome moves an initialised, stopped home's store into p's schema as
// a user would ('kith store copy --to postgres', then backend =
// "postgres"), and writes its config with the logs it wants (as
// WriteLogsConfig). The node then opens PostgreSQL through its config
// alone.
func (p *Postgres) MoveHome(ctx context.Context, home string, logs []string) error {
	if err := writeConfig(home, logs, p.storeTOML(node.BackendSQLite)); err != nil {
		return err
	}
	rep, err := node.CopyStore(ctx, home, node.BackendPostgres, nil)
	if err != nil {
		return fmt.Errorf("copy %s's store to PostgreSQL: %w", home, err)
	}
	if !rep.Verified {
		return fmt.Errorf("copy %s's store to PostgreSQL: not verified", home)
	}
	if err := writeConfig(home, logs, p.storeTOML(node.BackendPostgres)); err != nil {
		return err
	}
	// Check that the node opens PostgreSQL now.
	n, err := node.Open(home, node.Options{})
	if err != nil {
		return err
	}
	info := n.StoreInfo()
	n.Close()
	if !strings.HasPrefix(info, "postgres ") {
		return fmt.Errorf("%s opens %q after the move, not PostgreSQL", home, info)
	}
	return nil
}

// ServerCPUSeconds is the user plus system CPU time the throwaway
// cluster's processes have used so far: the postmaster's own, that of its
// exited children (the backends of closed connections) and that of its
// live ones, from /proc. A server the caller names is measured the same
// way when it is a cluster laid out as pgtest lays out its own (host= a
// unix socket directory holding data/postmaster.pid, as the fsync-on
// cluster of BENCHMARKS.md's PostgreSQL commands is); for any other it is
// -1, as its processes cannot be told apart.
func (p *Postgres) ServerCPUSeconds() float64 {
	var dir string
	for _, kv := range strings.Fields(p.Conn) {
		if v, ok := strings.CutPrefix(kv, "host="); ok {
			dir = v
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return -1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		return -1
	}
	_, own, children, ok := procTimes(pid)
	if !ok {
		return -1
	}
	total := own + children
	procs, _ := os.ReadDir("/proc")
	for _, e := range procs {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, own, children, ok := procTimes(child); ok && ppid == pid {
			total += own + children
		}
	}
	return total
}

// procTimes reads a process's parent, its own CPU seconds (utime + stime)
// and its waited-for children's (cutime + cstime) from /proc/PID/stat.
func procTimes(pid int) (ppid int, own, children float64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	var v [5]int64
	for k, j := range []int{1, 11, 12, 13, 14} {
		if v[k], err = strconv.ParseInt(f[j], 10, 64); err != nil {
			return 0, 0, 0, false
		}
	}
	return int(v[0]), float64(v[1]+v[2]) / 100, float64(v[3]+v[4]) / 100, true
}
