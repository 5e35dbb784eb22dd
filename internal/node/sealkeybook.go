package node

import (
	"context"
	"errors"
	"sync"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// maxSealKeys bounds the seal.key entries of one device a node reads (the
// first ones of its public log, by seq): a device that rotates more often
// than that makes only its own key stale.
const maxSealKeys = 1000

// maxSealKeyBook bounds the devices the book remembers (about 1.3 kB
// each); past it, it forgets one at random, which is read again from its
// log's start when next asked for.
const maxSealKeyBook = 8192

// sealKeyPage is how many entries of a public log the book reads at a
// time.
const sealKeyPage = 256

// sealKeyBook is what this node knows of each device's encryption key
// (keyring.md §1), read along the device's public log as far as it is
// held ("a node that has the log up to seq n knows the device's key as of
// n"; a store holds a log without gaps), and read on from there when the
// log grows. A
// look-up costs one head look-up when the log did not grow, and reading
// the new entries when it did: the type index of every device's
// seal.key, which the store's Find walks, is never scanned (23 ms a
// look-up with 5,000 devices; every device publishes a key at its first
// start).
type sealKeyBook struct {
	mu      sync.Mutex
	devices map[identity.PublicKey]*sealKeyRead
}

// sealKeyRead is how far one device's public log was read and the key it
// gave.
type sealKeyRead struct {
	upTo  uint64   // the log was read through this seq
	at    entry.ID // the entry at upTo
	count int      // seal.key entries read, at most maxSealKeys
	cur   seal.DeviceKey
	ok    bool
}

// sealKeyOf returns device's current encryption key as held (keyring.md
// §1), ok false when none is held.
func (n *Node) sealKeyOf(ctx context.Context, device identity.PublicKey) (seal.DeviceKey, bool, error) {
	key := store.LogKey{Author: device, LogID: entry.PublicLog}
	h, err := n.store.Head(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return seal.DeviceKey{}, false, nil
	}
	if err != nil {
		return seal.DeviceKey{}, false, err
	}
	b := &n.sealKeys
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.devices[device]
	if r == nil || r.upTo > h.Seq || r.upTo == h.Seq && r.at != h.ID {
		// First asked for, or the log is not the one read (the store was
		// replaced): read it from its start.
		r = &sealKeyRead{}
	}
	for r.upTo < h.Seq {
		es, err := n.store.Log(ctx, key, r.upTo+1, sealKeyPage)
		if err != nil {
			return seal.DeviceKey{}, false, err
		}
		progressed := false
		for _, e := range es {
			if e.Header.Seq != r.upTo+1 || e.Header.Seq > h.Seq {
				break
			}
			progressed = true
			r.upTo, r.at = e.Header.Seq, e.ID
			if e.Type != sealKeyType || e.Payload == nil || r.count >= maxSealKeys {
				continue
			}
			r.count++
			k, err := seal.DecodeDeviceKey(e.Payload)
			if err != nil {
				continue // refused: not a key (keyring.md §1)
			}
			if r.ok && k.Rotation <= r.cur.Rotation {
				continue // refused: its rotation is not greater
			}
			r.cur, r.ok = k, true
		}
		if !progressed {
			break
		}
	}
	if b.devices == nil {
		b.devices = map[identity.PublicKey]*sealKeyRead{}
	}
	if b.devices[device] == nil && len(b.devices) >= maxSealKeyBook {
		for d := range b.devices { // one, at random
			delete(b.devices, d)
			break
		}
	}
	b.devices[device] = r
	return r.cur, r.ok, nil
}
