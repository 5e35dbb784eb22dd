package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/postgres"
	"github.com/kithnet/kith/internal/store/sqlite"
)

// The store backends a home may use ([store] backend).
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// StoreConfig is the [store] table: where the home's entries are kept
// (doc/config.md). SQLite, the file kith.db in the home, needs no set-up;
// PostgreSQL is for a hub that outgrows one machine or one process.
type StoreConfig struct {
	// Backend is "sqlite" (the default) or "postgres".
	Backend string `toml:"backend"`
	// Postgres is the connection string of the PostgreSQL database (URL
	// or key=value form); empty: the PG* environment variables.
	Postgres string `toml:"postgres"`
	// PostgresSchema is the schema the store's tables live in, created
	// when missing; several hub processes share one by naming the same.
	PostgresSchema string `toml:"postgres_schema"`
	// Blobs is the directory of the home's blobs, an absolute path;
	// empty: blobs/ in the home. Hub processes that share one PostgreSQL
	// schema name one directory all of them reach, so that each serves
	// the blobs any of them stored (the blob store is content-addressed
	// and writes each blob under a temporary name, then renames it: two
	// processes writing one blob at once leave one good copy).
	Blobs string `toml:"blobs"`
}

func defaultStore() StoreConfig {
	return StoreConfig{Backend: BackendSQLite, PostgresSchema: postgres.DefaultSchema}
}

func (c StoreConfig) withDefaults() StoreConfig {
	d := defaultStore()
	if c.Backend == "" {
		c.Backend = d.Backend
	}
	if c.PostgresSchema == "" {
		c.PostgresSchema = d.PostgresSchema
	}
	return c
}

func (c StoreConfig) check() error {
	switch c.Backend {
	case BackendSQLite, BackendPostgres:
	default:
		return fmt.Errorf("[store] backend = %q: give %q or %q", c.Backend, BackendSQLite, BackendPostgres)
	}
	if c.Blobs != "" && !filepath.IsAbs(c.Blobs) {
		return fmt.Errorf("[store] blobs = %q: give an absolute path (a directory every process that shares the store reaches), or leave it out for the home's blobs/", c.Blobs)
	}
	return nil
}

// blobsDir is the directory of the home's blobs.
func (c StoreConfig) blobsDir(home string) string {
	if c.Blobs != "" {
		return c.Blobs
	}
	return filepath.Join(home, blobDir)
}

// storeConfigOf returns the [store] table of the home's config file, or
// the default (SQLite) when the home has no config file yet.
func storeConfigOf(home string) (StoreConfig, error) {
	if _, err := os.Stat(filepath.Join(home, ConfigFile)); errors.Is(err, fs.ErrNotExist) {
		return defaultStore(), nil
	}
	c, err := LoadConfig(home)
	if err != nil {
		return StoreConfig{}, err
	}
	return c.Store, nil
}

// OpenStore opens the store a home's configuration names, as Open would,
// and says which it opened (for messages). It is for tools that work on
// the store alone ('kith store copy'), with the home not in use.
func OpenStore(home string, sc StoreConfig, clock store.Clock) (store.Store, string, error) {
	sc = sc.withDefaults()
	if err := sc.check(); err != nil {
		return nil, "", err
	}
	if clock == nil {
		clock = store.SystemClock
	}
	switch sc.Backend {
	case BackendPostgres:
		st, err := postgres.Open(context.Background(), postgres.Config{Conn: sc.Postgres, Schema: sc.PostgresSchema}, postgres.WithClock(clock))
		if err != nil {
			return nil, "", err
		}
		return st, "postgres " + st.Where(), nil
	default:
		path := filepath.Join(home, dbFile)
		st, err := sqlite.Open(path, sqlite.WithClock(clock))
		if err != nil {
			return nil, "", err
		}
		return st, "sqlite " + path, nil
	}
}

// StoreInfo says which store the node opened: "sqlite PATH" or
// "postgres HOST/DATABASE schema NAME".
func (n *Node) StoreInfo() string { return n.storeInfo }
