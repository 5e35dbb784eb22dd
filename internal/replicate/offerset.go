package replicate

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/kithnet/kith/internal/store"
)

// offerBase is the engine's sorted set of every head the store holds,
// with its fingerprint sums, kept while the store says its heads did not
// change (store.HeadsVersioner). A session's offer set is the base with
// the logs its peer is not given left out (ItemSet.filter): the base
// itself when it is given every log. So a peer that reconnects while no
// head changed costs one look-up in the scope per log held and nothing
// else (no read of the store, no hash, no sort, no copy), and all the
// sessions of a node share one set in memory instead of holding one
// each (BENCHMARKS.md, "Scale", item 7).
type offerBase struct {
	mu      sync.Mutex // held while the base is built: sessions that start together build it once
	version uint64
	set     *ItemSet // nil: none kept
}

// get returns the set of all the store's heads (seq ≥ 1), from what is
// kept when the store's heads version did not change since it was built.
func (b *offerBase) get(ctx context.Context, st store.Store) (*ItemSet, error) {
	hv, versioned := st.(store.HeadsVersioner)
	b.mu.Lock()
	defer b.mu.Unlock()
	var v uint64
	if versioned {
		v = hv.HeadsVersion() // before reading: a write that races the read makes it stale
		if b.set != nil && b.version == v {
			return b.set, nil
		}
	}
	b.set = nil // not kept while a new one is built
	heads, err := st.Heads(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the heads of the store: %w", err)
	}
	items := make([]Item, 0, len(heads))
	for _, h := range heads {
		if h.Seq > 0 {
			items = append(items, Item{Log: h.Log, Seq: h.Seq, Head: h.ID})
		}
	}
	heads = nil
	if !slices.IsSortedFunc(items, cmpItems) { // Heads lists them in key order
		slices.SortFunc(items, cmpItems)
	}
	set, err := newSortedItemSet(items)
	if err != nil {
		return nil, err
	}
	if versioned {
		b.version, b.set = v, set
	}
	return set, nil
}
