// Package pgtest gives tests a real PostgreSQL server: the one named by
// KITH_TEST_POSTGRES (a connection string), or else a throwaway cluster
// it creates with Debian's initdb in a temporary directory, reached only
// through a unix socket in that directory (no TCP port at all), and
// removes when the test binary ends (Stop, from TestMain).
//
// initdb refuses to run as root: as root, the cluster is created and run
// as the user "postgres" (which Debian's postgresql package creates),
// through runuser. Without a server, tests skip with a message that says
// how to get one; in CI (CI=true) they fail instead, so a CI that lost its
// PostgreSQL cannot pass by skipping.
package pgtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvConn names the environment variable that points tests at an existing
// server instead of a throwaway cluster.
const EnvConn = "KITH_TEST_POSTGRES"

var (
	once    sync.Once
	srv     *Server
	srvErr  error
	stopped bool
	mu      sync.Mutex
)

// Server is a running PostgreSQL server for tests.
type Server struct {
	// Conn is a connection string (key=value form) for the server's
	// database "postgres" as a superuser.
	Conn string
	dir  string // the throwaway cluster's directory; "" for KITH_TEST_POSTGRES
	as   string // user the cluster runs as ("" = this process's)
	bin  string
}

// Conn returns a connection string of the test server, starting the
// throwaway cluster on first use; it skips t (fails it in CI) when there is
// no server to be had.
func Conn(t testing.TB) string {
	t.Helper()
	s, err := Get()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no PostgreSQL for the tests, and CI must run them: %v", err)
		}
		t.Skipf("skipping: no PostgreSQL for the tests (%v); set %s to a connection string, or install PostgreSQL (Debian: apt-get install postgresql)", err, EnvConn)
	}
	return s.Conn
}

// Get returns the test server, starting the throwaway cluster on first
// use.
func Get() (*Server, error) {
	mu.Lock()
	defer mu.Unlock()
	if stopped {
		return nil, errors.New("pgtest: the server was stopped")
	}
	once.Do(func() {
		if c := os.Getenv(EnvConn); c != "" {
			srv = &Server{Conn: c}
			return
		}
		srv, srvErr = start()
	})
	return srv, srvErr
}

// Stop stops and deletes the throwaway cluster, if one was started. Call it
// from TestMain after m.Run.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	stopped = true
	if srv == nil || srv.dir == "" {
		return
	}
	_ = srv.ctl("stop", "-m", "immediate")
	_ = os.RemoveAll(srv.dir)
	srv = nil
}

// Schema returns a new schema name no other test of any process uses.
func Schema() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "t_" + hex.EncodeToString(b[:])
}

// binDir finds the directory of initdb and pg_ctl: KITH_PG_BIN, the newest
// /usr/lib/postgresql/*/bin (Debian), or PATH.
func binDir() (string, error) {
	if d := os.Getenv("KITH_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin, KITH_PG_BIN or PATH")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	// A short path: the socket's path must fit in 107 bytes.
	dir, err := os.MkdirTemp("", "kithpg")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, and initdb refuses root: need the user postgres to run the cluster as (%v)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		s.as = "postgres"
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run(filepath.Join(bin, "initdb"), "-D", data, "-U", "kith", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	// No TCP at all: only the unix socket in dir. fsync off: the cluster
	// is thrown away.
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories='%s' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", dir)
	if err := s.ctl("start", "-w", "-t", "60", "-l", filepath.Join(dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v: %s", err, log)
	}
	s.Conn = fmt.Sprintf("host=%s port=5432 user=kith dbname=postgres sslmode=disable", dir)
	return s, nil
}

func (s *Server) run(name string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if s.as != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.as, "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	cmd.Dir = s.dir
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		err = fmt.Errorf("%s timed out", name)
	}
	return out, err
}

func (s *Server) ctl(args ...string) error {
	out, err := s.run(filepath.Join(s.bin, "pg_ctl"), append([]string{"-D", filepath.Join(s.dir, "data")}, args...)...)
	if err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
