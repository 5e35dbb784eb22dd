package netnode

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	ds "github.com/ipfs/go-datastore"
	dsq "github.com/ipfs/go-datastore/query"
	"github.com/libp2p/go-libp2p-kad-dht/amino"
	"github.com/libp2p/go-libp2p-kad-dht/records"
	"github.com/libp2p/go-libp2p/core/peer"
	base32 "github.com/multiformats/go-base32"
)

// Provider record caps of a DHT server (doc/network.md, "DHT"). Anyone
// may send ADD_PROVIDER messages, from as many keys as it likes; without a
// cap one peer grew a datastore by 1.7 MB a second.
const (
	// DefaultMaxProviderRecordsPerPeer bounds the records one peer has on
	// this node. A peer that sends a record beyond it is penalised.
	DefaultMaxProviderRecordsPerPeer = 128
	// DefaultMaxProviderRecords bounds all other peers' records on this
	// node (about 3 MB on disk, 3 MB of bookkeeping in memory); when it is
	// reached new records are refused until old ones expire.
	DefaultMaxProviderRecords = 32768
	// maxProvidedKeys bounds the keys this host announces itself (Provide):
	// half the per-peer cap, so that keys given up within the last 48 hours,
	// still held by DHT servers, leave room for new ones.
	maxProvidedKeys = DefaultMaxProviderRecordsPerPeer / 2
)

// providersPrefix is where the DHT's provider manager keeps its records in
// the datastore: /providers/<base32 key>/<base32 peer id>, with the time
// stored as a varint of Unix nanoseconds.
const providersPrefix = records.ProvidersKeyPrefix

// providerValidity is how long a provider record is kept after it was
// stored or last refreshed; the DHT's provider manager uses the same.
const providerValidity = amino.DefaultProvideValidity

// sweepEvery bounds how often the expired records are swept from the
// counts: a sweep walks them all, and is due only when a record would be
// refused.
const sweepEvery = time.Minute

// ProviderStats describes the provider records a DHT server holds for
// other peers (its own are not counted).
type ProviderStats struct {
	Records int   // records held
	Peers   int   // peers they belong to
	Refused int64 // records refused since the host started
}

// cappedProviders is the DHT's provider store: libp2p's provider manager
// behind per-peer and total caps on other peers' records.
type cappedProviders struct {
	inner          records.ProviderStore
	self           peer.ID
	perPeer, total int
	now            func() time.Time
	// overflow is called, without locks held, for a peer that sent a
	// record beyond its cap.
	overflow func(p peer.ID, held int)

	mu        sync.Mutex
	recs      map[[32]byte]provRecord // by hash of (key, peer)
	byPeer    map[peer.ID]*provPeer
	refused   int64
	lastSweep time.Time
}

// provRecord is one record counted against its peer.
type provRecord struct {
	at   time.Time
	peer *provPeer
}

// provPeer counts one peer's records.
type provPeer struct {
	id peer.ID
	n  int
}

var _ records.ProviderStore = (*cappedProviders)(nil)

// newCappedProviders starts libp2p's provider manager on store, behind the
// caps, counting the unexpired records store already holds.
func newCappedProviders(ctx context.Context, self peer.ID, pm records.ProviderStore, store ds.Datastore, perPeer, total int, overflow func(peer.ID, int)) (*cappedProviders, error) {
	c := &cappedProviders{
		inner: pm, self: self, perPeer: perPeer, total: total, now: time.Now, overflow: overflow,
		recs: map[[32]byte]provRecord{}, byPeer: map[peer.ID]*provPeer{},
	}
	res, err := store.Query(ctx, dsq.Query{Prefix: providersPrefix})
	if err != nil {
		return nil, fmt.Errorf("netnode: counting the DHT's provider records: %w", err)
	}
	defer res.Close()
	now := c.now()
	for r := range res.Next() {
		if r.Error != nil {
			return nil, fmt.Errorf("netnode: counting the DHT's provider records: %w", r.Error)
		}
		key, p, ok := parseProviderKey(ds.RawKey(r.Key))
		if !ok || p == self {
			continue
		}
		nanos, n := binary.Varint(r.Value)
		if n <= 0 {
			continue // the provider manager drops it at its next clean-up
		}
		at := time.Unix(0, nanos)
		if now.Sub(at) > providerValidity {
			continue
		}
		c.add(recordID(key, p), p, at)
	}
	return c, nil
}

// parseProviderKey splits a provider record's datastore key into the DHT
// key and the provider.
func parseProviderKey(k ds.Key) (key []byte, p peer.ID, ok bool) {
	rest, found := strings.CutPrefix(k.String(), providersPrefix)
	if !found {
		return nil, "", false
	}
	k64, p64, found := strings.Cut(rest, "/")
	if !found {
		return nil, "", false
	}
	key, err := base32.RawStdEncoding.DecodeString(k64)
	if err != nil {
		return nil, "", false
	}
	raw, err := base32.RawStdEncoding.DecodeString(p64)
	if err != nil {
		return nil, "", false
	}
	p, err = peer.IDFromBytes(raw)
	if err != nil {
		return nil, "", false
	}
	return key, p, true
}

// recordID names the record of provider p for key.
func recordID(key []byte, p peer.ID) [32]byte {
	h := sha256.New()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(key)))
	h.Write(n[:])
	h.Write(key)
	h.Write([]byte(p))
	var id [32]byte
	h.Sum(id[:0])
	return id
}

// add counts a record. c.mu is held (or c is not shared yet).
func (c *cappedProviders) add(id [32]byte, p peer.ID, at time.Time) {
	pp := c.byPeer[p]
	if pp == nil {
		pp = &provPeer{id: p}
		c.byPeer[p] = pp
	}
	pp.n++
	c.recs[id] = provRecord{at: at, peer: pp}
}

// sweep forgets the expired records. c.mu is held.
func (c *cappedProviders) sweep(now time.Time) {
	c.lastSweep = now
	for id, r := range c.recs {
		if now.Sub(r.at) > providerValidity {
			delete(c.recs, id)
			if r.peer.n--; r.peer.n == 0 {
				delete(c.byPeer, r.peer.id)
			}
		}
	}
}

// AddProvider stores prov as a provider of key unless the caps refuse it:
// this host's own records always go through; a record already held is
// refreshed; a new one is refused when its peer holds its share (the peer
// is penalised) or the store is full. A refusal is not an error: the
// sender is not told.
func (c *cappedProviders) AddProvider(ctx context.Context, key []byte, prov peer.AddrInfo) error {
	if prov.ID == c.self {
		return c.inner.AddProvider(ctx, key, prov)
	}
	id := recordID(key, prov.ID)
	c.mu.Lock()
	now := c.now()
	if r, ok := c.recs[id]; ok {
		r.at = now
		c.recs[id] = r
		c.mu.Unlock()
		return c.inner.AddProvider(ctx, key, prov)
	}
	full := func() bool {
		pp := c.byPeer[prov.ID]
		return pp != nil && pp.n >= c.perPeer || len(c.recs) >= c.total
	}
	if full() && now.Sub(c.lastSweep) >= sweepEvery {
		c.sweep(now)
	}
	if full() {
		c.refused++
		held := 0
		if pp := c.byPeer[prov.ID]; pp != nil {
			held = pp.n
		}
		c.mu.Unlock()
		if held >= c.perPeer && c.overflow != nil {
			c.overflow(prov.ID, held)
		}
		return nil
	}
	c.add(id, prov.ID, now)
	c.mu.Unlock()
	if err := c.inner.AddProvider(ctx, key, prov); err != nil {
		// Not stored (the context ended): not counted either.
		c.mu.Lock()
		if r, ok := c.recs[id]; ok && r.at.Equal(now) {
			delete(c.recs, id)
			if r.peer.n--; r.peer.n == 0 {
				delete(c.byPeer, r.peer.id)
			}
		}
		c.mu.Unlock()
		return err
	}
	return nil
}

// GetProviders returns the providers of key.
func (c *cappedProviders) GetProviders(ctx context.Context, key []byte) ([]peer.AddrInfo, error) {
	return c.inner.GetProviders(ctx, key)
}

// Close stops the provider manager.
func (c *cappedProviders) Close() error { return c.inner.Close() }

// stats returns the counts.
func (c *cappedProviders) stats() ProviderStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ProviderStats{Records: len(c.recs), Peers: len(c.byPeer), Refused: c.refused}
}

// heldBy returns how many records of p are counted.
func (c *cappedProviders) heldBy(p peer.ID) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pp := c.byPeer[p]; pp != nil {
		return pp.n
	}
	return 0
}

// errTooManyProvided is returned by Provide past maxProvidedKeys.
var errTooManyProvided = errors.New("this host already announces the most keys a DHT server takes from one peer")
