package netnode

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// The signalling relay (Config.SignalRelay, doc/browser.md): a circuit
// relay v2 service that carries only what two browser peers need to set
// up a direct WebRTC connection (js-libp2p's private-to-private WebRTC:
// a Noise handshake, identify and the SDP offer, answer and ICE
// candidates over one relayed connection), never their traffic. Its
// limits are those of signalling:
const (
	// SignalRelayDuration is how long one relayed connection may last.
	SignalRelayDuration = 2 * time.Minute
	// SignalRelayData is how many bytes one relayed connection may carry
	// in each direction (a signalling exchange is a few KiB).
	SignalRelayData = 64 << 10
	// SignalRelayCircuits is how many relayed connections one peer may
	// have through the relay at once, either end.
	SignalRelayCircuits = 4
	// SignalRelaySlots is how many peers may hold a slot at once, and
	// SignalRelaySlotsPerIP how many of them from one IP address.
	SignalRelaySlots      = 128
	SignalRelaySlotsPerIP = 32
	// signalRelaySlotTTL is how long a slot lasts unless renewed
	// (js-libp2p renews before it ends); a slot also ends when its peer
	// disconnects.
	signalRelaySlotTTL = 10 * time.Minute
)

// isBrowserTransport reports whether a connection whose remote address is
// addr came over a transport a browser dials: WebSocket or WebRTC-direct.
// Only such peers may hold a slot at the signalling relay or use it.
func isBrowserTransport(addr ma.Multiaddr) bool {
	switch transportOf(addr) {
	case "ws", "webrtc-direct":
		return true
	}
	return false
}

// startSignalRelay starts the signalling relay for browser peers: slots
// only for peers connected over WebSocket or WebRTC-direct that allow
// admits (nil: all of them) and are not refused for misbehaviour, and
// relayed connections only between such peers, within the Signal*
// limits.
func (h *Host) startSignalRelay(allow func(identity.PublicKey) bool) error {
	rc := relay.DefaultResources()
	rc.Limit = &relay.RelayLimit{Duration: SignalRelayDuration, Data: SignalRelayData}
	rc.ReservationTTL = signalRelaySlotTTL
	rc.MaxCircuits = SignalRelayCircuits
	rc.MaxReservations = SignalRelaySlots
	rc.MaxReservationsPerIP = SignalRelaySlotsPerIP
	rc.MaxReservationsPerASN = SignalRelaySlots
	h.relaying = newRelayMeter(SignalRelayDuration)
	h.signal = &signalSlots{h: h, held: map[peer.ID]signalSlot{}}
	r, err := relay.New(h.host, relay.WithResources(rc), relay.WithACL(signalACL{h: h, allow: allow}),
		relay.WithMetricsTracer(h.relaying),
		// A browser on the LAN or on this machine dials the node's own
		// addresses: tell it those, not only public ones.
		relay.WithReservationAddressFilter(isBrowserTransport))
	if err != nil {
		return fmt.Errorf("netnode: starting the signalling relay: %w", err)
	}
	h.closers = append(h.closers, r.Close)
	return nil
}

// signalACL admits browser peers to the signalling relay.
type signalACL struct {
	h     *Host
	allow func(identity.PublicKey) bool
}

func (a signalACL) admits(id peer.ID, addr ma.Multiaddr) bool {
	if addr == nil || !isBrowserTransport(addr) {
		return false
	}
	key, err := keyOf(id)
	if err != nil {
		return false
	}
	if _, refused := a.h.penalties.refusedUntil(key); refused {
		return false
	}
	return a.allow == nil || a.allow(key)
}

func (a signalACL) AllowReserve(p peer.ID, addr ma.Multiaddr) bool {
	if !a.admits(p, addr) {
		a.h.log.Info("signalling slot refused: only browser peers (WebSocket, WebRTC-direct) hold one", "peer", p.String())
		return false
	}
	if why := a.h.signal.reserve(p, addr); why != "" {
		a.h.log.Info("signalling slot refused: "+why, "peer", p.String())
		return false
	}
	return true
}

func (a signalACL) AllowConnect(src peer.ID, srcAddr ma.Multiaddr, dest peer.ID) bool {
	// dest holds a slot (libp2p checks that after this), so it is a
	// browser peer too.
	return a.admits(src, srcAddr)
}

// signalSlots remembers the peers that were given a slot at the
// signalling relay, so that the node can introduce them to each other
// (SignalPeers). An entry lasts while its peer stays connected, at most a
// slot's time unless renewed: the map holds no more peers than are
// connected.
//
// It applies the relay's caps on slots (SignalRelaySlots, and
// SignalRelaySlotsPerIP) itself, before the relay does: a peer the relay
// refused after the ACL admitted it would be listed, and introduced to
// other browsers, without a slot.
type signalSlots struct {
	h *Host

	mu   sync.Mutex
	held map[peer.ID]signalSlot
}

// signalSlot is a slot given at the signalling relay.
type signalSlot struct {
	at time.Time // when it was given or renewed
	ip string    // the address the peer reserved from
}

// reserve gives p a slot, or renews its slot, unless a cap is reached; it
// returns why not, or "".
func (s *signalSlots) reserve(p peer.ID, addr ma.Multiaddr) string {
	ip := ""
	if a, err := manet.ToIP(addr); err == nil {
		ip = a.String()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked()
	if old, ok := s.held[p]; !ok || old.ip != ip {
		if len(s.held) >= SignalRelaySlots {
			return fmt.Sprintf("all %d slots are held", SignalRelaySlots)
		}
		n := 0
		for _, sl := range s.held {
			if sl.ip == ip {
				n++
			}
		}
		if n >= SignalRelaySlotsPerIP {
			return fmt.Sprintf("%d peers from %s hold a slot already, the most one address may", n, ip)
		}
	}
	s.held[p] = signalSlot{at: time.Now(), ip: ip}
	return ""
}

// pruneLocked forgets the slots of peers that are gone or did not renew.
func (s *signalSlots) pruneLocked() {
	for p, sl := range s.held {
		if time.Since(sl.at) > signalRelaySlotTTL || s.h.host.Network().Connectedness(p) != network.Connected {
			delete(s.held, p)
		}
	}
}

// SignalPeers returns the device keys of the browser peers that hold a
// slot at this host's signalling relay now (Config.SignalRelay), in
// ascending order; none without it.
func (h *Host) SignalPeers() []identity.PublicKey {
	s := h.signal
	if s == nil {
		return nil
	}
	s.mu.Lock()
	s.pruneLocked()
	out := make([]identity.PublicKey, 0, len(s.held))
	for p := range s.held {
		if k, err := keyOf(p); err == nil {
			out = append(out, k)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b identity.PublicKey) int { return slices.Compare(a[:], b[:]) })
	return out
}
