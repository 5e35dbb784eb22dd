package netnode

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// redialTimeout bounds one redial of a kept peer, DHT lookup included.
const redialTimeout = 30 * time.Second

// keptTag protects kept peers' connections from the connection manager.
const keptTag = "kith-kept"

// keeper keeps peers connected: one goroutine per kept peer redials it
// while it is disconnected, with capped exponential back-off.
type keeper struct {
	h        *Host
	path     string // the kept-peers file; "" keeps nothing on disk
	min, max time.Duration

	mu      sync.Mutex
	peers   map[identity.PublicKey]*keptPeer
	started bool // loops run (set by start)

	saveMu sync.Mutex // serialises writes of the file
}

// keptPeer is one kept peer. Its fields are guarded by keeper.mu.
type keptPeer struct {
	user    bool            // kept by Keep (stored in the file), not only for tags
	tags    map[string]bool // the KeepConnected sets it is in
	addrs   []string        // given to Keep, newest first
	learned []string        // its addresses last seen while connected
	wake    chan struct{}   // pokes its loop: disconnected, new addresses
	cancel  context.CancelFunc
}

func newKeeper(h *Host, path string, min, max time.Duration) (*keeper, error) {
	k := &keeper{h: h, path: path, min: min, max: max, peers: make(map[identity.PublicKey]*keptPeer)}
	if path == "" {
		return k, nil
	}
	recs, err := readKeptPeers(path)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.key == h.self {
			continue
		}
		k.peers[r.key] = &keptPeer{user: true, addrs: r.addrs, learned: r.learned, wake: make(chan struct{}, 1)}
		k.protect(r.key)
	}
	return k, nil
}

// start begins redialling the kept peers.
func (k *keeper) start() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.started = true
	for key, kp := range k.peers {
		k.launch(key, kp)
	}
}

// launch starts kp's loop. k.mu is held.
func (k *keeper) launch(key identity.PublicKey, kp *keptPeer) {
	if !k.started || kp.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(k.h.ctx)
	if k.h.spawn(func() { k.run(ctx, key, kp) }) {
		kp.cancel = cancel
	} else {
		cancel()
	}
}

// Keep remembers the peer with key, with addrs (multiaddrs of that peer,
// with or without /p2p/<id>) to try first, and keeps it connected: while it
// is disconnected, it is redialled with a back-off from RedialMin doubling
// to RedialMax. Kept peers are stored in DataDir and kept again after a
// restart; their connections are safe from the connection manager.
// Keeping an already kept peer adds the new addresses and redials at once
// if it is disconnected. Addresses that do not parse are logged and left
// out.
func (h *Host) Keep(key identity.PublicKey, addrs []string) {
	if key == h.self {
		h.log.Warn("not keeping this host's own key", "peer", key.Device().String())
		return
	}
	id, err := peerIDOf(key)
	if err != nil {
		h.log.Warn("not keeping a peer", "peer", key.Device().String(), "err", err)
		return
	}
	var valid []string
	for _, a := range addrs {
		ts, err := transportAddrsOf(id, []string{a})
		if err != nil {
			h.log.Warn("leaving out an address of a kept peer", "peer", key.Device().String(), "err", err)
			continue
		}
		valid = append(valid, ts[0].String())
	}
	k := h.keeper
	k.mu.Lock()
	kp, ok := k.peers[key]
	if !ok {
		kp = &keptPeer{wake: make(chan struct{}, 1)}
		k.peers[key] = kp
	}
	kp.user = true
	kp.addrs = mergeAddrs(valid, kp.addrs)
	k.launch(key, kp)
	k.mu.Unlock()

	k.protect(key)
	poke(kp.wake)
	k.save()
}

// Forget stops keeping the peer with key and removes it from DataDir. An
// open connection stays open (the connection manager may trim it).
// A peer also kept by KeepConnected stays connected for it.
func (h *Host) Forget(key identity.PublicKey) {
	k := h.keeper
	k.mu.Lock()
	kp, ok := k.peers[key]
	if !ok || !kp.user {
		k.mu.Unlock()
		return
	}
	kp.user = false
	k.dropIfUnused(key, kp)
	k.mu.Unlock()
	k.save()
}

// KeepConnected makes keys the set of peers kept connected for tag (a
// reason, such as "village"), in memory only: peers that joined the set
// are dialled at once (found through the peerstore or the DHT) and then
// redialled like kept peers; peers that left it are no longer kept for
// tag. Keep and Forget and the other tags' sets are independent of it.
func (h *Host) KeepConnected(tag string, keys []identity.PublicKey) {
	k := h.keeper
	want := map[identity.PublicKey]bool{}
	for _, key := range keys {
		if key != h.self {
			if _, err := peerIDOf(key); err == nil {
				want[key] = true
			}
		}
	}
	var added []identity.PublicKey
	k.mu.Lock()
	for key, kp := range k.peers {
		if kp.tags[tag] && !want[key] {
			delete(kp.tags, tag)
			k.dropIfUnused(key, kp)
		}
	}
	for key := range want {
		kp, ok := k.peers[key]
		if !ok {
			kp = &keptPeer{wake: make(chan struct{}, 1)}
			k.peers[key] = kp
		}
		if kp.tags == nil {
			kp.tags = map[string]bool{}
		}
		if !kp.tags[tag] {
			kp.tags[tag] = true
			added = append(added, key)
			k.launch(key, kp)
		}
	}
	k.mu.Unlock()
	for _, key := range added {
		k.protect(key)
		k.disconnected(key)
	}
}

// dropIfUnused stops keeping key once neither Keep nor a tag keeps it: its
// loop ends and its connections are no longer protected. k.mu is held.
func (k *keeper) dropIfUnused(key identity.PublicKey, kp *keptPeer) {
	if kp.user || len(kp.tags) > 0 {
		return
	}
	delete(k.peers, key)
	if kp.cancel != nil {
		kp.cancel()
	}
	if id, err := peerIDOf(key); err == nil {
		k.h.host.ConnManager().Unprotect(id, keptTag)
	}
}

// has reports whether key is kept by Keep (KeepConnected's sets aside).
func (k *keeper) has(key identity.PublicKey) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	kp, ok := k.peers[key]
	return ok && kp.user
}

// keeps reports whether key is kept, by Keep or for some tag.
func (k *keeper) keeps(key identity.PublicKey) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.peers[key]
	return ok
}

// keptFor reports whether key is kept for tag.
func (k *keeper) keptFor(key identity.PublicKey, tag string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	kp, ok := k.peers[key]
	return ok && kp.tags[tag]
}

// disconnected wakes the loop of key, if kept, which redials it.
func (k *keeper) disconnected(key identity.PublicKey) {
	k.mu.Lock()
	kp, ok := k.peers[key]
	k.mu.Unlock()
	if ok {
		poke(kp.wake)
	}
}

// protect shields key's connections from the connection manager.
func (k *keeper) protect(key identity.PublicKey) {
	id, err := peerIDOf(key)
	if err != nil {
		return
	}
	k.h.host.ConnManager().Protect(id, keptTag)
	if k.h.admission != nil {
		k.h.admission.forget(id)
	}
}

// run keeps one peer connected until ctx ends (Forget or Close).
func (k *keeper) run(ctx context.Context, key identity.PublicKey, kp *keptPeer) {
	id, err := peerIDOf(key)
	if err != nil {
		return
	}
	delay := k.min
	wasUp := false
	for ctx.Err() == nil {
		if k.h.host.Network().Connectedness(id) == network.Connected {
			wasUp, delay = true, k.min
			wait(ctx, kp.wake, -1)
			continue
		}
		if wasUp {
			wasUp = false
			k.learn(key, id)
		}
		if until, refused := k.h.penalties.refusedUntil(key); refused {
			wait(ctx, kp.wake, time.Until(until))
			continue
		}
		dialCtx, cancel := context.WithTimeout(ctx, redialTimeout)
		_, err := k.h.connectKey(dialCtx, key, k.addrsOf(key))
		cancel()
		if err == nil || ctx.Err() != nil {
			continue
		}
		k.h.log.Debug("redial of a kept peer failed", "peer", key.Device().String(), "retry_in", delay, "err", err)
		wait(ctx, kp.wake, jitter(delay))
		delay = min(2*delay, k.max)
	}
}

// addrsOf returns the stored addresses of key: given ones first.
func (k *keeper) addrsOf(key identity.PublicKey) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	kp, ok := k.peers[key]
	if !ok {
		return nil
	}
	return mergeAddrs(kp.addrs, kp.learned)
}

// learn records the addresses the peerstore holds for key (its listen
// addresses, from identify) as its learned addresses, and saves them.
func (k *keeper) learn(key identity.PublicKey, id peer.ID) {
	addrs := addrStrings(k.h.host.Peerstore().Addrs(id))
	if len(addrs) == 0 {
		return
	}
	k.mu.Lock()
	kp, ok := k.peers[key]
	stored := ok && kp.user
	if ok {
		kp.learned = mergeAddrs(addrs, nil)
	}
	k.mu.Unlock()
	if stored {
		k.save()
	}
}

// stop records what was learned about connected kept peers and saves; the
// loops end with the host's context.
func (k *keeper) stop() error {
	for _, key := range k.keys() {
		if id, err := peerIDOf(key); err == nil && k.h.host.Network().Connectedness(id) == network.Connected {
			k.learn(key, id)
		}
	}
	return k.saveErr()
}

func (k *keeper) keys() []identity.PublicKey {
	k.mu.Lock()
	defer k.mu.Unlock()
	keys := make([]identity.PublicKey, 0, len(k.peers))
	for key := range k.peers {
		keys = append(keys, key)
	}
	return keys
}

// save writes the kept peers to the file, logging a failure.
func (k *keeper) save() {
	if err := k.saveErr(); err != nil {
		k.h.log.Error("saving kept peers", "err", err)
	}
}

// saveErr writes the kept peers to the file.
func (k *keeper) saveErr() error {
	if k.path == "" {
		return nil
	}
	k.saveMu.Lock()
	defer k.saveMu.Unlock()
	k.mu.Lock()
	recs := make([]keptRecord, 0, len(k.peers))
	for key, kp := range k.peers {
		if kp.user {
			recs = append(recs, keptRecord{key: key, addrs: kp.addrs, learned: kp.learned})
		}
	}
	k.mu.Unlock()
	return writeKeptPeers(k.path, recs)
}

// mergeAddrs returns first followed by those of then not in first, without
// repeats, at most maxKeptAddrs.
func mergeAddrs(first, then []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, list := range [][]string{first, then} {
		for _, a := range list {
			if !seen[a] && len(out) < maxKeptAddrs {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

func addrStrings(addrs []ma.Multiaddr) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String())
	}
	return out
}

// poke wakes whoever waits on ch, without blocking.
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// wait returns after d (never, for d < 0), when ch is poked or when ctx
// ends, whichever is first.
func wait(ctx context.Context, ch <-chan struct{}, d time.Duration) {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
	case <-ch:
	case <-timeout:
	}
}

// jitter returns d less up to a fifth, so that peers that lost the same
// hub do not all redial it at the same instant.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d - rand.N(d/5+1)
}
