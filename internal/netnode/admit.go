package netnode

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// defaultIdleGrace is how long a stranger's inbound connection may stay
// without a kith stream before it may be trimmed to make room for a
// newcomer. An honest kith peer opens one (the certificate exchange, sync,
// the DHT) within a second of connecting; and the idle connection trimmed
// is the one idle longest, so a newcomer is trimmed only after every
// older idle connection. The shorter the grace, the faster an attacker
// must rotate identities to keep every connection younger than it (192
// connections within 2 s: 96 a second; with 10 s, 20 a second kept an
// honest stranger out for most of a minute in bench/hostile conn-flood).
const defaultIdleGrace = 2 * time.Second

// returnWindow is how long a refused newcomer counts as returning: a peer
// refused for want of room that dials again within it may take the place
// of an idle stranger's connection younger than the grace (but at least
// minIdle old). Honest peers redial with the key they were refused under;
// an attacker that rotates identities to keep every connection young gets
// no such turn, and one that reuses its keys is back to the plain race.
const returnWindow = time.Minute

// minIdle is the least a stranger's connection without a kith stream must
// have been idle before a returning newcomer takes its place.
const minIdle = 250 * time.Millisecond

// maxReturning bounds the refused newcomers remembered.
const maxReturning = 4096

// wantTagPrefix prefixes the connection manager's protection tags of
// wanted peers (Want).
const wantTagPrefix = "kith-want:"

// strangerConns returns the inbound connections that peers the host does
// not want may hold at once, for a system connection limit of conns: half
// the inbound limit (3/4 of conns), so that however many throwaway
// identities connect, the other half, less the connections still
// handshaking, stays free for wanted peers.
func strangerConns(conns int) int { return conns * 3 / 8 }

// admission decides which inbound connections a host accepts. Peers the
// host wants (Want, Keep, KeepConnected) are always admitted and never
// counted. Everyone else is a stranger: strangers hold at most limit
// inbound connections; when they hold that many, a newcomer is admitted
// only in place of an idle stranger's connection: one with no kith stream
// open that has opened none for the grace period (the one idle longest is
// closed); else the newcomer is refused. Outbound connections are never
// counted.
type admission struct {
	limit int
	h     atomic.Pointer[Host] // set once the host is assembled

	mu        sync.Mutex
	grace     time.Duration
	strangers map[network.Conn]*strangerConn
	trimmed   int64
	refused   int64
	// refusedAt: when each newcomer refused for want of room was refused
	// (at most maxReturning; returnWindow long).
	refusedAt map[peer.ID]time.Time
}

// strangerConn is a stranger's inbound connection.
type strangerConn struct {
	peer   peer.ID
	active time.Time // when it opened, or last carried a new kith stream
}

func newAdmission(limit int) *admission {
	return &admission{limit: limit, grace: defaultIdleGrace, strangers: map[network.Conn]*strangerConn{}, refusedAt: map[peer.ID]time.Time{}}
}

// attach binds the admission to its host and starts watching connections,
// counting those that came up since the host started listening.
func (a *admission) attach(h *Host) {
	a.h.Store(h)
	h.host.Network().Notify(&network.NotifyBundle{
		ConnectedF:    func(_ network.Network, c network.Conn) { a.connected(c) },
		DisconnectedF: func(_ network.Network, c network.Conn) { a.disconnected(c) },
	})
	for _, c := range h.host.Network().Conns() {
		a.mu.Lock()
		_, counted := a.strangers[c]
		a.mu.Unlock()
		if !counted {
			a.connected(c)
		}
	}
}

// wanted reports whether the host wants the peer with id.
func (a *admission) wanted(id peer.ID) bool {
	h := a.h.Load()
	if h == nil {
		return false
	}
	key, err := keyOf(id)
	return err == nil && h.Wants(key)
}

// mayAdmit is the gater's early answer for an inbound connection from id,
// right after its handshake: no when strangers hold their share and none
// of their connections can make room.
func (a *admission) mayAdmit(id peer.ID) bool {
	if a.h.Load() == nil || a.wanted(id) {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if len(a.strangers) < a.limit || a.idlestFor(id, now) != nil {
		return true
	}
	a.refused++
	a.noteRefused(id, now)
	return false
}

// idlestFor is idlest for a newcomer id: a returning one (refused within
// returnWindow) may also take a connection idle for minIdle. a.mu is held.
func (a *admission) idlestFor(id peer.ID, now time.Time) network.Conn {
	if c := a.idlest(now, a.grace); c != nil {
		return c
	}
	if at, ok := a.refusedAt[id]; ok && now.Sub(at) < returnWindow {
		return a.idlest(now, min(minIdle, a.grace))
	}
	return nil
}

// noteRefused remembers that id was refused for want of room. a.mu is held.
func (a *admission) noteRefused(id peer.ID, now time.Time) {
	if _, ok := a.refusedAt[id]; !ok && len(a.refusedAt) >= maxReturning {
		for p, at := range a.refusedAt {
			if now.Sub(at) >= returnWindow {
				delete(a.refusedAt, p)
			}
		}
		if len(a.refusedAt) >= maxReturning {
			return
		}
	}
	a.refusedAt[id] = now
}

// connected counts a new inbound connection of a stranger, closing an idle
// one to make room, or the new one when there is none.
func (a *admission) connected(c network.Conn) {
	if c.Stat().Direction != network.DirInbound || a.wanted(c.RemotePeer()) {
		return
	}
	now := time.Now()
	a.mu.Lock()
	var victim network.Conn
	if len(a.strangers) >= a.limit {
		victim = a.idlestFor(c.RemotePeer(), now)
		if victim == nil {
			a.refused++
			a.noteRefused(c.RemotePeer(), now)
			a.mu.Unlock()
			a.logf("refused an inbound connection: strangers hold their share and none is idle", c)
			go c.Close() // not from within the notification
			return
		}
		delete(a.strangers, victim)
		delete(a.refusedAt, c.RemotePeer())
		a.trimmed++
	}
	a.strangers[c] = &strangerConn{peer: c.RemotePeer(), active: now}
	a.mu.Unlock()
	if victim != nil {
		a.logf("trimmed an idle stranger's connection for a newcomer", victim)
		go victim.Close()
	}
}

func (a *admission) logf(msg string, c network.Conn) {
	if h := a.h.Load(); h != nil {
		h.log.Debug(msg, "peer", c.RemotePeer().String(), "addr", c.RemoteMultiaddr().String())
	}
}

func (a *admission) disconnected(c network.Conn) {
	a.mu.Lock()
	delete(a.strangers, c)
	a.mu.Unlock()
}

// markUsed records that c carries a new kith stream.
func (a *admission) markUsed(c network.Conn) {
	a.mu.Lock()
	if sc := a.strangers[c]; sc != nil {
		sc.active = time.Now()
	}
	a.mu.Unlock()
}

// forget stops counting the connections of peer, now wanted.
func (a *admission) forget(p peer.ID) {
	a.mu.Lock()
	for c, sc := range a.strangers {
		if sc.peer == p {
			delete(a.strangers, c)
		}
	}
	a.mu.Unlock()
}

// idlest returns the stranger's connection idle longest, if one is idle:
// no kith stream open and none opened for grace. a.mu is held.
func (a *admission) idlest(now time.Time, grace time.Duration) network.Conn {
	var best network.Conn
	var bestActive time.Time
	for c, sc := range a.strangers {
		if now.Sub(sc.active) < grace || (best != nil && !sc.active.Before(bestActive)) || hasKithStream(c) {
			continue
		}
		best, bestActive = c, sc.active
	}
	return best
}

// hasKithStream reports whether c has a stream of a kith protocol open
// (the DHT's included).
func hasKithStream(c network.Conn) bool {
	for _, s := range c.GetStreams() {
		if strings.HasPrefix(string(s.Protocol()), "/kith/") {
			return true
		}
	}
	return false
}

// setGrace changes the grace period (tests).
func (a *admission) setGrace(d time.Duration) {
	a.mu.Lock()
	a.grace = d
	a.mu.Unlock()
}

// ConnStats describes the inbound connections of strangers: peers the
// host does not want (Want, Keep, KeepConnected).
type ConnStats struct {
	Strangers     int   // strangers' inbound connections now
	StrangerLimit int   // the most they may hold at once
	Trimmed       int64 // idle ones closed to make room for a newcomer
	Refused       int64 // newcomers refused because none was idle
}

// ConnStats reports the strangers' inbound connections. On the mock
// network, which has no admission, it is zero.
func (h *Host) ConnStats() ConnStats {
	a := h.admission
	if a == nil {
		return ConnStats{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return ConnStats{Strangers: len(a.strangers), StrangerLimit: a.limit, Trimmed: a.trimmed, Refused: a.refused}
}

// Want makes keys the set of peers wanted for tag (a reason, such as
// "scope"), in memory only. A wanted peer's inbound connections are always
// admitted and not counted among the strangers', and its connections are
// protected from the connection manager. Unlike KeepConnected, Want does
// not dial. Peers that left the set lose both. Kept peers (Keep,
// KeepConnected) are wanted too.
func (h *Host) Want(tag string, keys []identity.PublicKey) {
	set := make(map[identity.PublicKey]bool, len(keys))
	for _, k := range keys {
		if k != h.self {
			set[k] = true
		}
	}
	h.wantMu.Lock()
	old := h.wanted[tag]
	if len(set) == 0 {
		delete(h.wanted, tag)
	} else {
		h.wanted[tag] = set
	}
	h.wantMu.Unlock()
	cm := h.host.ConnManager()
	for k := range old {
		if !set[k] {
			if id, err := peerIDOf(k); err == nil {
				cm.Unprotect(id, wantTagPrefix+tag)
			}
		}
	}
	for k := range set {
		if old[k] {
			continue
		}
		id, err := peerIDOf(k)
		if err != nil {
			continue
		}
		cm.Protect(id, wantTagPrefix+tag)
		if h.admission != nil {
			h.admission.forget(id)
		}
		h.addrsWanted(k, id)
	}
}

// Wants reports whether the host wants the peer with key: wanted for some
// tag (Want) or kept (Keep, KeepConnected).
func (h *Host) Wants(key identity.PublicKey) bool {
	h.wantMu.Lock()
	for _, set := range h.wanted {
		if set[key] {
			h.wantMu.Unlock()
			return true
		}
	}
	h.wantMu.Unlock()
	return h.keeper.keeps(key)
}

// markUsed records that c carries a new kith stream.
func (h *Host) markUsed(c network.Conn) {
	if h.admission != nil && c != nil {
		h.admission.markUsed(c)
	}
}

// markingHost is the libp2p host as the DHT sees it: the DHT's streams,
// inbound and outbound, count as kith streams for the admission.
type markingHost struct {
	host.Host
	h *Host
}

func (m markingHost) SetStreamHandler(pid protocol.ID, handler network.StreamHandler) {
	m.Host.SetStreamHandler(pid, func(s network.Stream) {
		m.h.markUsed(s.Conn())
		handler(s)
	})
}

func (m markingHost) NewStream(ctx context.Context, p peer.ID, pids ...protocol.ID) (network.Stream, error) {
	s, err := m.Host.NewStream(ctx, p, pids...)
	if err == nil {
		m.h.markUsed(s.Conn())
	}
	return s, err
}
