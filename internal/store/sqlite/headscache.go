package sqlite

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/store"
)

// headsCache keeps what Heads read until the next write: every sync
// session asks for the heads of every log (its offer set), and under a
// flood of fresh identities each opening a session, that query was 19 % of
// a node's CPU (RELIABILITY.md). A write bumps gen when its transaction
// ends (committed or not); a read is kept with the gen it saw before it
// began, so one that raced a write is never served later.
//
// The heads kept are also let go once no one asked for them for idle
// (headsCacheIdle when 0): a node that read every head once (a scope
// change in a live session) and then idles without writing kept a copy of
// every head held, 110 MB at a million logs (BENCHMARKS.md, "Scale", item
// 7, ninth session).
type headsCache struct {
	gen atomic.Uint64

	mu    sync.Mutex
	valid bool
	at    uint64
	heads []store.Head
	idle  time.Duration // headsCacheIdle when 0 (tests shorten it)
	used  time.Time     // the last put or get that served
	timer *time.Timer   // lets the heads go when unused for idle
	kept  uint64        // counts the puts: a timer lets go only its own
}

// headsCacheIdle is how long the heads are kept unread.
const headsCacheIdle = 5 * time.Second

// changed records that a write transaction ended, and lets the heads
// kept go: they can never be served again, and a node that idles after a
// write keeps no copy of every head.
func (c *headsCache) changed() {
	c.gen.Add(1)
	c.mu.Lock()
	c.dropLocked()
	c.mu.Unlock()
}

// dropLocked lets the heads kept go.
func (c *headsCache) dropLocked() {
	c.valid, c.heads = false, nil
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// get returns a copy of the heads kept, if nothing was written since.
func (c *headsCache) get() ([]store.Head, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || c.at != c.gen.Load() {
		return nil, false
	}
	c.used = time.Now()
	return slices.Clone(c.heads), true
}

// put keeps heads as read at gen (loaded before the read began).
func (c *headsCache) put(gen uint64, heads []store.Head) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked()
	c.valid, c.at, c.heads, c.used = true, gen, slices.Clone(heads), time.Now()
	c.kept++
	c.expireAfter(c.idleFor(), c.kept)
}

// expireAfter sets the timer that lets the heads of put number kept go
// after d unless they were read since.
func (c *headsCache) expireAfter(d time.Duration, kept uint64) {
	c.timer = time.AfterFunc(d, func() { c.expire(kept) })
}

// idleFor is how long the heads are kept unread.
func (c *headsCache) idleFor() time.Duration {
	if c.idle > 0 {
		return c.idle
	}
	return headsCacheIdle
}

// expire lets the heads of put number kept go if they are still kept and
// were not read for idle, or waits for the rest of it.
func (c *headsCache) expire(kept uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kept != kept || !c.valid {
		return
	}
	if rest := c.idleFor() - time.Since(c.used); rest > 0 {
		c.expireAfter(rest, kept)
		return
	}
	c.dropLocked()
}
