package netnode

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// AddrsProtocol carries a device's signed address record to the peers
// that want it (doc/protocol/services.md §11).
const AddrsProtocol = services.AddrsProtocol

// Bounds of address records (doc/protocol/services.md §11). Variables only
// so that tests can shorten them.
var (
	// addrsTick is how often a host looks at its own addresses.
	addrsTick = time.Second
	// addrsPeerInterval is the least time between two records a peer's
	// are taken from it.
	addrsPeerInterval = time.Second
)

const (
	maxAddrRecords  = 1024 // peers' records held
	addrRecordsFile = "addr-records.json"
	addrsTimeout    = 10 * time.Second
)

// addrBook holds this host's own address record (its seq persisted) and
// the latest record of each wanted peer, persisted in DataDir.
type addrBook struct {
	h    *Host
	key  identity.PrivateKey
	path string // "" keeps everything in memory

	mu    sync.Mutex
	own   services.AddrRecord // Seq 0 until the first
	peers map[identity.PublicKey]services.AddrRecord
	taken map[identity.PublicKey]time.Time // when a peer's record was last taken; connected peers only
	// later holds, per peer, the newest record that came too soon after
	// the last taken one (addrsPeerInterval): it is taken when the
	// interval ends, not dropped, or a peer that moved just after it
	// connected would never be heard (its record is pushed once). One a
	// peer, wanted peers only.
	later map[identity.PublicKey]pendingRecord
}

// pendingRecord is a record kept for later, with the connection it came
// on.
type pendingRecord struct {
	r   services.AddrRecord
	via network.Conn
}

// addrFile is the JSON of DataDir/addr-records.json.
type addrFile struct {
	Format  string   `json:"format"`
	Version int      `json:"version"`
	Seq     uint64   `json:"seq"`     // of this host's last record
	Own     []string `json:"own"`     // its addresses
	Records []string `json:"records"` // peers' records, hexadecimal encodings, by device
}

// startAddrRecords loads the records, gives the peers' addresses to the
// peerstore, and starts watching this host's own addresses.
func (h *Host) startAddrRecords(key identity.PrivateKey, dataDir string) {
	b := &addrBook{h: h, key: key, peers: map[identity.PublicKey]services.AddrRecord{}, taken: map[identity.PublicKey]time.Time{}, later: map[identity.PublicKey]pendingRecord{}}
	if dataDir != "" {
		b.path = filepath.Join(dataDir, addrRecordsFile)
	}
	if err := b.load(); err != nil {
		h.log.Warn("address records not read; starting without them", "err", err)
	}
	for _, r := range b.peers {
		b.remember(r)
	}
	h.addrs = b
	h.host.SetStreamHandler(protocol.ID(AddrsProtocol), b.read)
	h.Subscribe(func(ev Event) {
		switch ev.Kind {
		case Connected:
			if h.Wants(ev.Peer) {
				h.spawn(func() { b.push(ev.Peer) })
			}
		case Disconnected:
			b.mu.Lock()
			delete(b.taken, ev.Peer)
			r, ok := b.peers[ev.Peer]
			b.mu.Unlock()
			if ok {
				b.remember(r) // the redial finds them in the peerstore
			}
		}
	})
	h.spawn(b.watch)
}

func (b *addrBook) load() error {
	if b.path == "" {
		return nil
	}
	data, err := os.ReadFile(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var f addrFile
	if err := json.Unmarshal(data, &f); err != nil || f.Format != "kith-addr-records" || f.Version != 1 {
		return fmt.Errorf("%s is not an address records file of version 1 (%v)", b.path, err)
	}
	b.own.Seq = f.Seq
	for _, s := range f.Own {
		if a, err := ma.NewMultiaddr(s); err == nil {
			b.own.Addrs = append(b.own.Addrs, services.Bytes(a.Bytes()))
		}
	}
	for _, x := range f.Records {
		raw, err := hex.DecodeString(x)
		if err != nil {
			continue
		}
		r, err := services.DecodeAddrRecord(raw)
		if err != nil || r.Verify() != nil || len(b.peers) >= maxAddrRecords {
			continue
		}
		b.peers[identity.PublicKey(r.Device)] = r
	}
	return nil
}

// save writes the file; the caller holds mu.
func (b *addrBook) save() {
	if b.path == "" {
		return
	}
	f := addrFile{Format: "kith-addr-records", Version: 1, Seq: b.own.Seq, Own: []string{}, Records: []string{}}
	for _, a := range b.own.Addrs {
		if m, err := ma.NewMultiaddrBytes(a); err == nil {
			f.Own = append(f.Own, m.String())
		}
	}
	for _, r := range b.peers {
		if raw, err := r.Encode(); err == nil {
			f.Records = append(f.Records, hex.EncodeToString(raw))
		}
	}
	slices.Sort(f.Records)
	data, err := json.MarshalIndent(f, "", "  ")
	if err == nil {
		err = atomicfile.WritePrivate(b.path, append(data, '\n'))
	}
	if err != nil {
		b.h.log.Warn("address records not saved", "err", err)
	}
}

// remember gives the peerstore the addresses of r.
func (b *addrBook) remember(r services.AddrRecord) {
	id, err := peerIDOf(identity.PublicKey(r.Device))
	if err != nil {
		return
	}
	b.h.host.Peerstore().AddAddrs(id, dialablePunchAddrs(r.Addrs), knownAddrTTL)
}

// watch looks at this host's addresses every addrsTick: when they change
// it signs a new record (the next seq) and tells the wanted peers
// connected; a connection from a local address this host no longer has
// is closed, so that a wanted peer is redialled from the new one at once
// (rejoin.go, keep.go) instead of when the dead connection times out.
func (b *addrBook) watch() {
	t := time.NewTicker(addrsTick)
	defer t.Stop()
	for {
		b.closeStale()
		if b.update() {
			for _, p := range b.h.Peers() {
				if b.h.Wants(p.Key) {
					b.h.spawn(func() { b.push(p.Key) })
				}
			}
		}
		select {
		case <-b.h.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// update signs a new own record if the host's addresses changed, and
// reports whether it did.
func (b *addrBook) update() bool {
	addrs := b.h.punchAddrs()
	if len(addrs) == 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if slices.EqualFunc(addrs, b.own.Addrs, func(x, y services.Bytes) bool { return string(x) == string(y) }) && b.own.Signature != nil {
		return false
	}
	r := services.AddrRecord{Device: services.Key32(b.key.Public()), Seq: b.own.Seq + 1, Addrs: addrs}
	if err := r.Sign(b.key.Sign); err != nil {
		b.h.log.Warn("address record not signed", "err", err)
		return false
	}
	changed := b.own.Seq > 0 && !slices.EqualFunc(addrs, b.own.Addrs, func(x, y services.Bytes) bool { return string(x) == string(y) })
	b.own = r
	b.save()
	if changed {
		b.h.log.Info("this host's addresses changed; telling the peers that want it", "seq", r.Seq)
	}
	return true
}

// closeStale closes the direct connections whose local IP address is no
// longer one of this host's interfaces'.
func (b *addrBook) closeStale() {
	ifaces, err := net.InterfaceAddrs()
	if err != nil {
		return
	}
	have := map[string]bool{}
	for _, a := range ifaces {
		if ipn, ok := a.(*net.IPNet); ok {
			have[ipn.IP.String()] = true
		}
	}
	for _, c := range b.h.host.Network().Conns() {
		if c.Stat().Limited {
			continue
		}
		ip, err := manet.ToIP(c.LocalMultiaddr())
		if err != nil || ip.IsUnspecified() || have[ip.String()] {
			continue
		}
		b.h.log.Info("closing a connection from an address this host no longer has", "peer", c.RemotePeer().String(), "local", c.LocalMultiaddr().String())
		_ = c.Close()
	}
}

// push sends this host's record to remote on a new stream; it never dials.
func (b *addrBook) push(remote identity.PublicKey) {
	b.mu.Lock()
	r := b.own
	b.mu.Unlock()
	if r.Seq == 0 {
		return
	}
	id, err := peerIDOf(remote)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(b.h.ctx, addrsTimeout)
	defer cancel()
	ctx = network.WithNoDial(network.WithAllowLimitedConn(ctx, "address record"), "address record")
	s, err := b.h.host.NewStream(ctx, id, protocol.ID(AddrsProtocol))
	if err != nil {
		return
	}
	_ = s.SetDeadline(time.Now().Add(addrsTimeout))
	if err := services.WriteAddrRecord(s, r); err != nil {
		_ = s.Reset()
		return
	}
	_ = s.Close()
}

// read takes a peer's record: only the peer's own (signed by it), only of
// a peer this host wants, only newer than the one held, at most one per
// addrsPeerInterval. A malformed record, or one whose signature fails, is
// a breach.
func (b *addrBook) read(s network.Stream) {
	id := s.Conn().RemotePeer()
	remote, err := keyOf(id)
	if err != nil {
		_ = s.Reset()
		return
	}
	if _, refused := b.h.penalties.refusedUntil(remote); refused {
		_ = s.Reset()
		return
	}
	_ = s.SetDeadline(time.Now().Add(addrsTimeout))
	r, err := services.ReadAddrRecord(s)
	var ne net.Error
	switch {
	case errors.Is(err, services.ErrMalformedAddrs):
		_ = s.Reset()
		b.h.Penalize(remote, "addrs: "+err.Error())
		return
	case errors.As(err, &ne) && ne.Timeout():
		_ = s.Reset()
		b.h.Penalize(remote, fmt.Sprintf("addrs: no record within %v", addrsTimeout))
		return
	case err != nil:
		_ = s.Reset()
		return
	}
	_ = s.Close()
	if identity.PublicKey(r.Device) != remote {
		b.h.log.Debug("an address record of another device, ignored", "peer", remote.Device().String())
		return
	}
	if err := r.Verify(); err != nil {
		b.h.Penalize(remote, "addrs: "+err.Error())
		return
	}
	if !b.h.Wants(remote) {
		return
	}
	b.take(remote, id, r, s.Conn())
}

// take keeps remote's record r, which came on via, if it is newer than
// the one held; one that comes within addrsPeerInterval of the last taken
// is kept for when the interval ends.
func (b *addrBook) take(remote identity.PublicKey, id peer.ID, r services.AddrRecord, via network.Conn) {
	b.mu.Lock()
	old, had := b.peers[remote]
	switch {
	case had && r.Seq <= old.Seq:
		b.mu.Unlock()
		return
	case time.Since(b.taken[remote]) < addrsPeerInterval:
		p, waiting := b.later[remote]
		if !waiting || r.Seq > p.r.Seq {
			b.later[remote] = pendingRecord{r: r, via: via}
		}
		if !waiting {
			time.AfterFunc(addrsPeerInterval-time.Since(b.taken[remote]), func() { b.takeLater(remote, id) })
		}
		b.mu.Unlock()
		return
	case !had && len(b.peers) >= maxAddrRecords:
		b.mu.Unlock()
		b.h.log.Info("an address record not kept: the most are held", "peer", remote.Device().String(), "max", maxAddrRecords)
		return
	}
	b.peers[remote] = r
	b.taken[remote] = time.Now()
	b.save()
	b.mu.Unlock()
	b.remember(r)
	if had {
		b.h.log.Info("a peer's addresses changed", "peer", remote.Device().String(), "seq", r.Seq)
		b.closeMoved(id, r, via)
	}
}

// takeLater takes the record of remote kept for later, if it is still
// wanted.
func (b *addrBook) takeLater(remote identity.PublicKey, id peer.ID) {
	b.mu.Lock()
	p, ok := b.later[remote]
	delete(b.later, remote)
	b.mu.Unlock()
	if !ok || b.h.ctx.Err() != nil || !b.h.Wants(remote) {
		return
	}
	b.take(remote, id, p.r, p.via)
}

// closeMoved closes the direct connections to id, but via, whose remote IP
// address is in none of r's: the peer left that address.
func (b *addrBook) closeMoved(id peer.ID, r services.AddrRecord, via network.Conn) {
	ips := map[string]bool{}
	for _, a := range dialablePunchAddrs(r.Addrs) {
		if ip, err := manet.ToIP(a); err == nil {
			ips[ip.String()] = true
		}
	}
	for _, c := range b.h.host.Network().ConnsToPeer(id) {
		if c == via || c.Stat().Limited {
			continue
		}
		if ip, err := manet.ToIP(c.RemoteMultiaddr()); err == nil && !ips[ip.String()] {
			_ = c.Close()
		}
	}
}

// PeerAddrRecord returns the latest address record held of key: its seq
// and addresses; seq 0 if none.
func (h *Host) PeerAddrRecord(key identity.PublicKey) (uint64, []string) {
	if h.addrs == nil {
		return 0, nil
	}
	h.addrs.mu.Lock()
	r, ok := h.addrs.peers[key]
	h.addrs.mu.Unlock()
	if !ok {
		return 0, nil
	}
	return r.Seq, addrStrings(dialablePunchAddrs(r.Addrs))
}

// addrsWanted sends this host's record to a peer that became wanted while
// connected (its account became known, say).
func (h *Host) addrsWanted(key identity.PublicKey, id peer.ID) {
	if h.addrs != nil && usable(h.host.Network().Connectedness(id)) {
		h.spawn(func() { h.addrs.push(key) })
	}
}

// listenAddrsNow returns the host's listen addresses, an unspecified one
// (0.0.0.0, ::) resolved to the interfaces' addresses as they are now:
// libp2p's own list (Host.Addrs) keeps the interfaces' for a minute.
func (h *Host) listenAddrsNow() []ma.Multiaddr {
	listen := h.host.Network().ListenAddresses()
	ifaces, err := manet.InterfaceMultiaddrs()
	if err != nil {
		return h.host.Addrs()
	}
	out, err := manet.ResolveUnspecifiedAddresses(listen, ifaces)
	if err != nil {
		return h.host.Addrs()
	}
	return out
}
