package mem

import "github.com/kithnet/kith/internal/store"

var _ store.HeadsVersioner = (*Store)(nil)

// HeadsVersion returns a number bumped by every Ingest, Append and
// DropLog; see store.HeadsVersioner.
func (s *Store) HeadsVersion() uint64 { return s.version.Load() }
