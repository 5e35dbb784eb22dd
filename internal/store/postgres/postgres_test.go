package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/store/postgres/pgtest"
	"github.com/kithnet/kith/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// openTemp opens a store in a new schema of the test server.
func openTemp(t testing.TB, opts ...Option) *Store {
	t.Helper()
	conn := pgtest.Conn(t)
	s, err := Open(context.Background(), Config{Conn: conn, Schema: pgtest.Schema(), MaxConns: 4}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, c store.Clock) store.Store { return openTemp(t, WithClock(c)) })
}

// TestDurable reopens the same schema.
func TestDurable(t *testing.T) {
	storetest.RunDurable(t, func(t *testing.T) (store.Store, func(t *testing.T) store.Store) {
		conn, schema := pgtest.Conn(t), pgtest.Schema()
		open := func(t *testing.T) store.Store {
			t.Helper()
			s, err := Open(context.Background(), Config{Conn: conn, Schema: schema, MaxConns: 4})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		return open(t), open
	})
}

// TestSameAsMem feeds the same random histories to both backends, in
// different orders, and requires identical final states.
func TestSameAsMem(t *testing.T) {
	storetest.CrossCheck(t, 4,
		func(t *testing.T) store.Store { return openTemp(t) },
		func(t *testing.T) store.Store { return mem.New() })
}
