package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/store/storetest"
)

func openTemp(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "kith.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, c store.Clock) store.Store { return openTemp(t, WithClock(c)) })
}

// TestDurable reopens the same file.
func TestDurable(t *testing.T) {
	storetest.RunDurable(t, func(t *testing.T) (store.Store, func(t *testing.T) store.Store) {
		path := filepath.Join(t.TempDir(), "kith.db")
		open := func(t *testing.T) store.Store {
			t.Helper()
			s, err := Open(path)
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
	storetest.CrossCheck(t, 8,
		func(t *testing.T) store.Store { return openTemp(t) },
		func(t *testing.T) store.Store { return mem.New() })
}
