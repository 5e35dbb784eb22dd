package node

import (
	"context"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// findCounter is a store that counts, by author, the entries its Find
// returns to queries by authors of entries of any type: the message
// loop's reads of the store. (The newest cursor, asked of no author, and
// a device's published encryption key, asked by type, are not counted.)
type findCounter struct {
	store.Store
	mu  sync.Mutex
	got map[identity.PublicKey]int
}

func (f *findCounter) Find(ctx context.Context, q store.Query) ([]*store.Stored, error) {
	es, err := f.Store.Find(ctx, q)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range es {
		if len(q.Authors) == 0 || q.Type != "" {
			break
		}
		f.got[e.Header.Author]++
	}
	return es, err
}

func (f *findCounter) count(d identity.PublicKey) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got[d]
}

// The message loop does not read the entries this device wrote (it knows
// what it wrote): after a restart, a node that sealed many space posts
// reads none of them looking for announcement parts, while it reads those
// of a member it follows. Before, every start read them all again (3 s of
// CPU for 100,000 posts): the loop saves how far it read only when it
// tried an announcement part, and space posts are none.
func TestMessageLoopSkipsOwnEntries(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	a, b := s.a, s.b
	for _, n := range []*Node{a, b} {
		for _, o := range []*Node{a, b} {
			if n != o {
				if _, err := n.Follow(ctx, o.account, true); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	const own, theirs = 40, 3
	for i := range own {
		if _, err := a.PostToSpace(ctx, s.id, "a post of a's", entry.ID{}); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	for i := range theirs {
		if _, err := b.PostToSpace(ctx, s.id, "a post of b's", entry.ID{}); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	exchange(t, a, b)
	// b's sealed entries that a holds: the loop reads each once.
	bSealed := 0
	bEntries, err := a.store.Find(ctx, store.Query{Authors: []identity.PublicKey{b.device.Public()}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range bEntries {
		if e.Header.LogID != entry.PublicLog {
			bSealed++
		}
	}
	if bSealed < theirs {
		t.Fatalf("a holds %d sealed entries of b, want at least %d", bSealed, theirs)
	}

	// A restart: the loop runs in a new process state.
	home, opts := a.home, a.opts
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a, err = Open(home, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	fc := &findCounter{Store: a.store, got: map[identity.PublicKey]int{}}
	a.store = fc
	for range 2 {
		if _, err := a.Conversations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := fc.count(a.device.Public()); got != 0 {
		t.Fatalf("the message loop read %d entries of this device's own (it wrote %d space posts)", got, own)
	}
	// The counter sees what the loop reads: b's entries, each once, and
	// not again on the second call.
	if got := fc.count(b.device.Public()); got != len(bEntries) {
		t.Fatalf("the message loop read %d entries of b's, want %d (b's entries held, each once)", got, len(bEntries))
	}
}
