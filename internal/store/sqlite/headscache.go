package sqlite

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/store"
)

// headsCache keeps what Heads read until the next write: every sync
// session asks for the heads of every log (its offer set), and under a
// flood of fresh identities each opening a session, that query was 19 % of
// a node's CPU (RELIABILITY.md). A write bumps gen when its transaction
// ends (committed or not); a read is kept with the gen it saw before it
// began, so one that raced a write is never served later.
type headsCache struct {
	gen atomic.Uint64

	mu    sync.Mutex
	valid bool
	at    uint64
	heads []store.Head
}

// changed records that a write transaction ended, and lets the heads
// kept go: they can never be served again, and a node that idles after a
// write keeps no copy of every head.
func (c *headsCache) changed() {
	c.gen.Add(1)
	c.mu.Lock()
	c.valid, c.heads = false, nil
	c.mu.Unlock()
}

// get returns a copy of the heads kept, if nothing was written since.
func (c *headsCache) get() ([]store.Head, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || c.at != c.gen.Load() {
		return nil, false
	}
	return slices.Clone(c.heads), true
}

// put keeps heads as read at gen (loaded before the read began).
func (c *headsCache) put(gen uint64, heads []store.Head) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.valid, c.at, c.heads = true, gen, slices.Clone(heads)
}
