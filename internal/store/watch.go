package store

import (
	"context"

	"github.com/kithnet/kith/internal/entry"
)

// Watcher is implemented by stores that other processes may write to at
// the same time (PostgreSQL): Watch calls fn with the entries other
// processes stored, soon after they commit, in arrival order, until ctx
// ends, so that the node offers them to its peers as if it had stored them
// itself. It may also report, now and then, entries this process stored;
// fn must take entries it already knows. Watch returns ctx's error, or
// the error that stopped it.
type Watcher interface {
	Watch(ctx context.Context, fn func([]*entry.Entry)) error
}
