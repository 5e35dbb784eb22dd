package sqlite

import "github.com/kithnet/kith/internal/store"

var _ store.HeadsVersioner = (*Store)(nil)

// HeadsVersion returns the generation of the heads cache: bumped when a
// write transaction ends and when the writer finds that another process
// wrote the file (checkDataVersion); see store.HeadsVersioner. A write of
// another process is noticed at this process's next write, as for Heads'
// own cache.
func (s *Store) HeadsVersion() uint64 { return s.heads.gen.Load() }
