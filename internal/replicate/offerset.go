package replicate

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/kithnet/kith/internal/identity"
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

// dropStale lets the set kept go once the store's heads changed since it
// was built (called after writes): the next session would build it again
// anyway, and a node that idles after a write keeps no copy of every head
// (136 bytes a log). It does not wait for a set being built.
func (b *offerBase) dropStale(st store.Store) {
	hv, ok := st.(store.HeadsVersioner)
	if !ok || !b.mu.TryLock() {
		return
	}
	defer b.mu.Unlock()
	if b.set != nil && b.version != hv.HeadsVersion() {
		b.set = nil
	}
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

// Withholder is a Scope that can name, for one peer, the logs it might not
// give it (a superset of them: each is then asked with Offers), in a list
// that grows with what it withholds, not with the logs held: blocked
// authors, refused logs, the log ids whose logs go to some peers only.
// Then, with a store that keeps its heads' digest (store.HeadsDigester),
// a session needs no read of every head to send or check the fingerprint
// of its whole offer set (lazyStart).
type Withholder interface {
	// Withheld returns the logs that may be withheld from peer; none is
	// true when peer is given nothing; ok is false when the scope cannot
	// name them so (a peer given only what this node wants: a mirror).
	Withheld(peer identity.PublicKey) (sel store.Selection, none, ok bool)
}

// maxWithheldNames bounds the names of a Withheld selection a session
// reads the heads of; beyond it, the session builds its offer set as
// without a digest.
const maxWithheldNames = 4096

// lazyStart is the start of an offer set known by its digest: the count
// and fingerprint of the logs held and offered to the peer, computed from
// the store's digest of all heads less the heads the scope withholds, and
// the logs withheld. ok is false when the store or the scope cannot tell,
// when a write raced the reads, or when the set is small enough that its
// first message lists it: then the session builds the set (offerSet).
type lazyStart struct {
	count    int
	fp       Fingerprint
	withheld map[store.LogKey]bool // logs held and not offered at the start
	none     bool                  // nothing is offered
}

func (s *session) lazyStart(ctx context.Context) (ls lazyStart, ok bool, err error) {
	st := s.e.cfg.Store
	dg, ok1 := st.(store.HeadsDigester)
	w, ok2 := s.e.cfg.Scope.(Withholder)
	if !ok1 || !ok2 {
		return ls, false, nil
	}
	sel, none, ok := w.Withheld(s.peer)
	if none {
		return lazyStart{none: true}, true, nil
	}
	if !ok || sel.Size() > maxWithheldNames {
		return ls, false, nil
	}
	hv, versioned := st.(store.HeadsVersioner)
	var v uint64
	if versioned {
		v = hv.HeadsVersion()
	}
	all, err := dg.HeadsDigest(ctx)
	if err != nil {
		return ls, false, fmt.Errorf("read the digest of the store's heads: %w", err)
	}
	heads, ok, err := store.HeadsIn(ctx, st, sel)
	if err != nil || !ok {
		return ls, false, err
	}
	var out store.HeadsDigest
	for _, h := range heads {
		if !s.e.cfg.Scope.Offers(s.peer, h.Log) {
			if ls.withheld == nil {
				ls.withheld = map[store.LogKey]bool{}
			}
			ls.withheld[h.Log] = true
			out = out.Add(h)
		}
	}
	if versioned && hv.HeadsVersion() != v {
		return lazyStart{}, false, nil // a write came between the reads
	}
	d := all.Minus(out)
	if d.Count <= ListThreshold {
		return lazyStart{}, false, nil
	}
	ls.count = int(d.Count)
	ls.fp = fingerprintOf(sumOf(d.Sum), ls.count)
	return ls, true, nil
}
