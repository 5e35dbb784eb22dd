package netnode

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	leveldb "github.com/ipfs/go-ds-leveldb"
	"github.com/kithnet/kith/internal/identity"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p-kad-dht/records"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/multiformats/go-multihash"
)

// dhtDir is the DHT's LevelDB datastore inside DataDir.
const dhtDir = "dht"

// The DHT datastore's memory: its records are small and few (provider
// records, capped per peer and in all), so a 256 KiB write buffer and a
// 1 MiB block cache serve it; leveldb's defaults (4 MiB, allocated at
// open, and 8 MiB) would hold more than the records themselves.
const (
	dhtWriteBuffer = 256 << 10
	dhtBlockCache  = 1 << 20
)

// dhtKeyLabel separates kith's DHT keys from any other use of SHA-256.
const dhtKeyLabel = "kith/dht-key/v1\x00"

// maxDHTKeyLen bounds the keys given to Provide and FindProviders.
const maxDHTKeyLen = 1024

// reprovideInterval is how often provided keys are announced again. DHT
// nodes drop a provider record 48 hours after it was stored
// (amino.DefaultProvideValidity); announcing every 22 hours, as IPFS does,
// survives one failed round.
const reprovideInterval = 22 * time.Hour

// bootstrapDialTimeout bounds the first dial of each bootstrap peer.
const bootstrapDialTimeout = 30 * time.Second

// errNoDHT is returned by the DHT methods when Config.DHT is off.
var errNoDHT = errors.New("the DHT is off (Config.DHT)")

// startDHT starts the private Kademlia DHT, with its records in a LevelDB
// datastore under cfg.DataDir, and dials the bootstrap peers.
func (h *Host) startDHT(ctx context.Context, cfg Config, bootstrap []peer.AddrInfo) error {
	mode := dht.ModeAuto
	if cfg.DHTServer {
		mode = dht.ModeServer
	}
	opts := []dht.Option{
		dht.ProtocolPrefix(DHTProtocolPrefix),
		dht.Mode(mode),
		// kith stores no values in the DHT, only provider records (Provide)
		// and peers' addresses.
		dht.DisableValues(),
	}
	if len(bootstrap) > 0 {
		opts = append(opts, dht.BootstrapPeers(bootstrap...))
	}
	var store ds.Batching = dssync.MutexWrap(ds.NewMapDatastore())
	if cfg.DataDir != "" {
		dir := filepath.Join(cfg.DataDir, dhtDir)
		lds, err := leveldb.NewDatastore(dir, &leveldb.Options{WriteBuffer: dhtWriteBuffer, BlockCacheCapacity: dhtBlockCache})
		if err != nil {
			return fmt.Errorf("netnode: opening the DHT datastore %s: %w", dir, err)
		}
		h.closers = append(h.closers, lds.Close)
		store = lds
	}
	// The provider records of other peers are capped (providers.go).
	pm, err := records.NewProviderManager(h.ctx, h.host.ID(), h.host.Peerstore(), store)
	if err != nil {
		return fmt.Errorf("netnode: starting the DHT's provider store: %w", err)
	}
	perPeer := cfg.MaxProviderRecordsPerPeer
	h.providers, err = newCappedProviders(ctx, h.host.ID(), pm, store, perPeer, cfg.MaxProviderRecords,
		func(p peer.ID, held int) {
			if key, err := keyOf(p); err == nil {
				h.Penalize(key, fmt.Sprintf("DHT: provider records beyond its share of %d", perPeer))
			}
		})
	if err != nil {
		return errors.Join(err, pm.Close())
	}
	opts = append(opts, dht.Datastore(store), dht.ProviderStore(h.providers))
	d, err := dht.New(h.ctx, markingHost{Host: h.host, h: h}, opts...)
	if err != nil {
		return errors.Join(fmt.Errorf("netnode: starting the DHT: %w", err), h.providers.Close())
	}
	h.closers = append(h.closers, d.Close)
	h.dht = d
	h.providing = &providing{keys: make(map[cid.Cid]bool)}
	h.spawn(h.reprovideLoop)
	for _, b := range bootstrap {
		h.spawn(func() { h.dialBootstrap(b) })
	}
	if err := d.Bootstrap(ctx); err != nil {
		return fmt.Errorf("netnode: bootstrapping the DHT: %w", err)
	}
	return nil
}

// dialBootstrap dials one bootstrap peer; the DHT fills its routing table
// from there.
func (h *Host) dialBootstrap(b peer.AddrInfo) {
	key, err := keyOf(b.ID)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(h.ctx, bootstrapDialTimeout)
	defer cancel()
	if _, err := h.connectKey(ctx, key, addrStrings(b.Addrs)); err != nil && h.ctx.Err() == nil {
		h.log.Warn("dialling a bootstrap peer", "peer", b.ID.String(), "err", err)
	}
}

// dhtKey derives the DHT key under which key is provided: the SHA-256 of a
// label and key, as a CIDv1 of the raw codec. DHT nodes see only the hash,
// so they cannot tell which group or device a record is about without
// already knowing key.
func dhtKey(key []byte) (cid.Cid, error) {
	if len(key) == 0 || len(key) > maxDHTKeyLen {
		return cid.Undef, fmt.Errorf("a DHT key must have 1 to %d bytes, not %d", maxDHTKeyLen, len(key))
	}
	sum := sha256.Sum256(append([]byte(dhtKeyLabel), key...))
	mh, err := multihash.Encode(sum[:], multihash.SHA2_256)
	if err != nil {
		return cid.Undef, fmt.Errorf("encoding a DHT key: %w", err)
	}
	return cid.NewCidV1(cid.Raw, mh), nil
}

// providing is the set of keys this host announces.
type providing struct {
	mu   sync.Mutex
	keys map[cid.Cid]bool
}

// Provide announces in the DHT that this host has key (for example a
// village id), and keeps announcing it every 22 hours until StopProviding
// or Close. A host announces at most 64 keys at once (half what a DHT
// server keeps of one peer). It returns once the first announcement reached the DHT nodes
// closest to the key.
func (h *Host) Provide(ctx context.Context, key []byte) error {
	if h.dht == nil {
		return fmt.Errorf("netnode: provide: %w", errNoDHT)
	}
	c, err := dhtKey(key)
	if err != nil {
		return fmt.Errorf("netnode: provide: %w", err)
	}
	h.providing.mu.Lock()
	if !h.providing.keys[c] && len(h.providing.keys) >= maxProvidedKeys {
		h.providing.mu.Unlock()
		return fmt.Errorf("netnode: provide: %w (%d); stop announcing one first", errTooManyProvided, maxProvidedKeys)
	}
	h.providing.keys[c] = true
	h.providing.mu.Unlock()
	if err := h.dht.Provide(ctx, c, true); err != nil {
		return fmt.Errorf("netnode: provide %s: %w", c, err)
	}
	return nil
}

// StopProviding stops announcing key. Records already stored on DHT nodes
// expire there within 48 hours.
func (h *Host) StopProviding(key []byte) {
	if h.dht == nil {
		return
	}
	c, err := dhtKey(key)
	if err != nil {
		return
	}
	h.providing.mu.Lock()
	delete(h.providing.keys, c)
	h.providing.mu.Unlock()
}

// FindProviders returns the keys of the peers, other than this host, that
// announced key, and adds their addresses to the peerstore so that Open
// and ConnectKey can reach them.
func (h *Host) FindProviders(ctx context.Context, key []byte) ([]identity.PublicKey, error) {
	if h.dht == nil {
		return nil, fmt.Errorf("netnode: find providers: %w", errNoDHT)
	}
	c, err := dhtKey(key)
	if err != nil {
		return nil, fmt.Errorf("netnode: find providers: %w", err)
	}
	infos, err := h.dht.FindProviders(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("netnode: find providers of %s: %w", c, err)
	}
	var keys []identity.PublicKey
	seen := make(map[identity.PublicKey]bool)
	for _, info := range infos {
		k, err := keyOf(info.ID)
		if err != nil || k == h.self || seen[k] {
			continue
		}
		seen[k] = true
		h.host.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.TempAddrTTL)
		keys = append(keys, k)
	}
	return keys, nil
}

// reprovideLoop announces the provided keys again every reprovideInterval.
func (h *Host) reprovideLoop() {
	t := time.NewTicker(reprovideInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		h.providing.mu.Lock()
		keys := make([]cid.Cid, 0, len(h.providing.keys))
		for c := range h.providing.keys {
			keys = append(keys, c)
		}
		h.providing.mu.Unlock()
		for _, c := range keys {
			ctx, cancel := context.WithTimeout(h.ctx, time.Minute)
			if err := h.dht.Provide(ctx, c, true); err != nil && h.ctx.Err() == nil {
				h.log.Warn("announcing a key in the DHT again", "key", c.String(), "err", err)
			}
			cancel()
		}
	}
}

// ProviderRecords reports the DHT provider records this host keeps for
// other peers, within Config.MaxProviderRecords and
// Config.MaxProviderRecordsPerPeer; zero without the DHT.
func (h *Host) ProviderRecords() ProviderStats {
	if h.providers == nil {
		return ProviderStats{}
	}
	return h.providers.stats()
}

// ProviderRecordsOf returns how many DHT provider records of the peer with
// key this host keeps.
func (h *Host) ProviderRecordsOf(key identity.PublicKey) int {
	id, err := peerIDOf(key)
	if h.providers == nil || err != nil {
		return 0
	}
	return h.providers.heldBy(id)
}
