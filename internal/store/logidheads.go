package store

import (
	"context"

	"github.com/kithnet/kith/internal/entry"
)

// LogIDHeads is implemented by stores that can list the logs of one log
// id (a village's, a festival's, one device's certificates) without
// reading every head: a node in a village reads its village's logs at
// every recomputation of its scope, and reading every head held made that
// cost grow with all the logs the node holds, so following the n-th
// account cost n heads (BENCHMARKS.md, "Scale"). Every backend of this
// repository implements it; storetest checks it.
type LogIDHeads interface {
	// HeadsWithLogID returns the heads of the logs whose log id is id,
	// ordered by author, as Heads would list them.
	HeadsWithLogID(ctx context.Context, id entry.LogID) ([]Head, error)
}

// HeadsWithLogID returns the heads of the logs whose log id is id, ordered
// by author: through LogIDHeads when st implements it, else by filtering
// Heads.
func HeadsWithLogID(ctx context.Context, st Store, id entry.LogID) ([]Head, error) {
	if l, ok := st.(LogIDHeads); ok {
		return l.HeadsWithLogID(ctx, id)
	}
	all, err := st.Heads(ctx)
	if err != nil {
		return nil, err
	}
	out := []Head{}
	for _, h := range all {
		if h.Log.LogID == id {
			out = append(out, h)
		}
	}
	return out, nil
}
