package store

import (
	"context"

	"github.com/kithnet/kith/internal/identity"
)

// AuthorHeads is implemented by stores that can list one author's logs
// without reading every head: a node asks for its own device's logs and
// for one account's, and reading every head held made that cost grow
// with all the logs the node holds (BENCHMARKS.md, "Scale"). Every backend
// of this repository implements it; storetest checks it.
type AuthorHeads interface {
	// HeadsOf returns the heads of author's logs, ordered by log id, as
	// Heads would list them.
	HeadsOf(ctx context.Context, author identity.PublicKey) ([]Head, error)
}

// HeadsOf returns the heads of author's logs, ordered by log id: through
// AuthorHeads when st implements it, else by filtering Heads.
func HeadsOf(ctx context.Context, st Store, author identity.PublicKey) ([]Head, error) {
	if a, ok := st.(AuthorHeads); ok {
		return a.HeadsOf(ctx, author)
	}
	all, err := st.Heads(ctx)
	if err != nil {
		return nil, err
	}
	out := []Head{}
	for _, h := range all {
		if h.Log.Author == author {
			out = append(out, h)
		}
	}
	return out, nil
}
