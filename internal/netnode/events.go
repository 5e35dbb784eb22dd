package netnode

import (
	"fmt"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
)

// EventKind says what happened to a peer.
type EventKind int

// The kinds of Event.
const (
	// Connected: the first connection to the peer is up.
	Connected EventKind = iota + 1
	// Disconnected: the last connection to the peer is down.
	Disconnected
)

// String returns "connected" or "disconnected".
func (k EventKind) String() string {
	switch k {
	case Connected:
		return "connected"
	case Disconnected:
		return "disconnected"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event reports that a peer connected or disconnected. Outbound and Addr
// describe the peer's oldest connection when the Connected event was
// handled; Disconnected repeats them. (Addr is empty if that connection had
// already closed.)
type Event struct {
	Kind     EventKind
	Peer     identity.PublicKey
	Outbound bool   // this host dialled
	Addr     string // the peer's address on that connection
}

// eventBuffer is how many connectedness changes may wait for the event
// loop before libp2p's emitter blocks.
const eventBuffer = 256

// events turns libp2p's connectedness changes into one Connected and one
// Disconnected per peer and hands them to the subscribers.
type events struct {
	h   *Host
	sub event.Subscription

	// deliverMu orders deliveries: held while a change is recorded and
	// handed out, and while Subscribe replays the connected peers.
	deliverMu   sync.Mutex
	subscribers []func(Event) // guarded by deliverMu

	mu sync.Mutex
	up map[peer.ID]connState // connected peers; guarded by mu
}

// connState describes a connected peer.
type connState struct {
	key      identity.PublicKey
	since    time.Time
	outbound bool
	addr     string
}

func startEvents(h *Host) (*events, error) {
	sub, err := h.host.EventBus().Subscribe(new(event.EvtPeerConnectednessChanged), eventbus.BufSize(eventBuffer))
	if err != nil {
		return nil, fmt.Errorf("netnode: subscribing to connection events: %w", err)
	}
	e := &events{h: h, sub: sub, up: make(map[peer.ID]connState)}
	h.spawn(e.loop)
	return e, nil
}

// Subscribe calls fn with a Connected event for every peer connected now,
// then with every Connected and Disconnected event, in order and never
// concurrently: each peer's events alternate, starting with Connected. The
// replay runs before Subscribe returns; later events come from the host's
// event goroutine. fn must return quickly (while it runs, later events
// wait) and must not call Subscribe.
func (h *Host) Subscribe(fn func(Event)) {
	e := h.events
	e.deliverMu.Lock()
	defer e.deliverMu.Unlock()
	e.mu.Lock()
	replay := make([]Event, 0, len(e.up))
	for _, st := range e.up {
		replay = append(replay, Event{Kind: Connected, Peer: st.key, Outbound: st.outbound, Addr: st.addr})
	}
	e.mu.Unlock()
	for _, ev := range replay {
		fn(ev)
	}
	e.subscribers = append(e.subscribers, fn)
}

func (e *events) loop() {
	// Peers that connected before the subscription took effect.
	for _, p := range e.h.host.Network().Peers() {
		e.update(p, e.h.host.Network().Connectedness(p))
	}
	for ev := range e.sub.Out() {
		change := ev.(event.EvtPeerConnectednessChanged)
		e.update(change.Peer, change.Connectedness)
	}
}

func (e *events) stop() {
	if err := e.sub.Close(); err != nil {
		e.h.log.Debug("closing the connection event subscription", "err", err)
	}
}

// update records that p's connectedness changed to c and reports a change
// of p's state (connected or not) to the host and the subscribers. A peer
// counts as connected while it has a connection that is not limited (a
// limited relay connection cannot carry kith's streams). A report that it
// is no longer connected while the network still has a connection to it is
// stale (the mock network reports every closed connection) and ignored.
// A refused peer is disconnected and counts as not connected.
func (e *events) update(p peer.ID, c network.Connectedness) {
	key, err := keyOf(p)
	if err != nil {
		return // the gater refuses such peers; the mock network does not
	}
	isUp := usable(c) || usable(e.h.host.Network().Connectedness(p))
	if isUp && e.h.refuse(p, key) {
		isUp = false
	}
	e.deliverMu.Lock()
	defer e.deliverMu.Unlock()
	e.mu.Lock()
	st, wasUp := e.up[p]
	if isUp == wasUp {
		e.mu.Unlock()
		return
	}
	if isUp {
		st = e.describe(p, key)
		e.up[p] = st
	} else {
		delete(e.up, p)
	}
	e.mu.Unlock()

	ev := Event{Kind: Disconnected, Peer: key, Outbound: st.outbound, Addr: st.addr}
	if isUp {
		ev.Kind = Connected
		e.h.peerConnected(p)
	} else {
		e.h.keeper.disconnected(key)
	}
	for _, fn := range e.subscribers {
		fn(ev)
	}
}

// describe returns the state of newly connected p from its oldest
// connection.
func (e *events) describe(p peer.ID, key identity.PublicKey) connState {
	st := connState{key: key, since: time.Now()}
	if c := oldestConn(e.h.host.Network().ConnsToPeer(p)); c != nil {
		st.outbound = c.Stat().Direction == network.DirOutbound
		st.addr = c.RemoteMultiaddr().String()
	}
	return st
}

// state returns the recorded state of p, if it is connected.
func (e *events) state(p peer.ID) (connState, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.up[p]
	return st, ok
}

// oldestConn returns the oldest connection of conns that is not limited,
// else the oldest limited (relayed) one, or nil.
func oldestConn(conns []network.Conn) network.Conn {
	var best network.Conn
	for _, c := range conns {
		switch {
		case best == nil,
			best.Stat().Limited && !c.Stat().Limited,
			best.Stat().Limited == c.Stat().Limited && c.Stat().Opened.Before(best.Stat().Opened):
			best = c
		}
	}
	return best
}

// refuse disconnects p if it is serving a penalty, and reports whether it
// did. The gater already keeps refused peers out of real networks; this
// catches connections that were up before the penalty took effect, and
// every connection on the mock network, which has no gater.
func (h *Host) refuse(p peer.ID, key identity.PublicKey) bool {
	if _, refused := h.penalties.refusedUntil(key); !refused {
		return false
	}
	_ = h.host.Network().ClosePeer(p)
	return true
}

// peerConnected is the host's own reaction to a new peer: it measures the
// latency of a peer it dialled or wants. A stranger that dialled in is
// measured at the next round of pingLoop, if it is still connected: a
// flood of strangers' connections made a ping each, 5 % of the node's CPU.
func (h *Host) peerConnected(p peer.ID) {
	if !h.pings || !h.dialledOrWanted(p) {
		return
	}
	h.spawn(func() { h.ping(p) })
}

// dialledOrWanted reports whether this host dialled one of its
// connections to p, or wants p (Wants).
func (h *Host) dialledOrWanted(p peer.ID) bool {
	for _, c := range h.host.Network().ConnsToPeer(p) {
		if c.Stat().Direction == network.DirOutbound {
			return true
		}
	}
	key, err := keyOf(p)
	return err == nil && h.Wants(key)
}
