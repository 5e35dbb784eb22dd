package sqlite

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// maxCachedDevices bounds the accounts devicesCache answers for; when it
// is full it starts again empty.
const maxCachedDevices = 1 << 16

// devicesCache keeps what Devices read, by account, until a write changes
// a certification or a revocation. A node asks for the devices of every
// account it follows each time its replication scope is recomputed (after
// each follow, among other times), and of each again to know whom to keep
// connected and whose messages to keep: with 300 accounts followed that
// query, most of it SQLite parsing the statement, was 79 % of the node's
// CPU (BENCHMARKS.md, "Scale"). Accounts with no devices are kept too.
//
// A write that stored a certification or a revocation bumps gen when its
// transaction ends (devicesWritten), as does a write of another process
// (checkDataVersion); a read is kept with the gen it saw before it began,
// so one that raced such a write is never served later.
type devicesCache struct {
	gen atomic.Uint64

	mu  sync.Mutex
	at  uint64
	has map[identity.PublicKey][]store.Device
}

// changed records that certifications or revocations may have changed.
func (c *devicesCache) changed() { c.gen.Add(1) }

// get returns a copy of account's devices as kept, if nothing changed
// since.
func (c *devicesCache) get(account identity.PublicKey) ([]store.Device, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != c.gen.Load() {
		return nil, false
	}
	ds, ok := c.has[account]
	return slices.Clone(ds), ok
}

// put keeps account's devices as read at gen (loaded before the read
// began).
func (c *devicesCache) put(gen uint64, account identity.PublicKey, ds []store.Device) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen.Load() {
		return
	}
	if c.at != gen || c.has == nil || len(c.has) >= maxCachedDevices {
		c.at, c.has = gen, map[identity.PublicKey][]store.Device{}
	}
	c.has[account] = slices.Clone(ds)
}
