package netnode

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/services"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// PunchProtocol carries the coordinated direct dial of two peers connected
// through a relay (doc/protocol/services.md §10).
const PunchProtocol = services.PunchProtocol

// Bounds of hole punching (doc/protocol/services.md §10). Variables only
// so that tests can shorten them.
var (
	// punchTimeout bounds the exchange, and then the dial, of one punch.
	punchTimeout = 10 * time.Second
	// punchInterval is the least time between two punches a peer asks of
	// this host.
	punchInterval = 2 * time.Second
)

// maxPunches is how many punches a host runs at once, asked or not.
const maxPunches = 8

// puncher holds the punches under way and what became of each peer's
// last attempt.
type puncher struct {
	mu     sync.Mutex
	active map[peer.ID]bool
	last   map[peer.ID]time.Time // when the peer last asked; only connected peers
	tries  map[peer.ID]int       // failed attempts since the peer connected
	status map[peer.ID]string    // the outcome of the last attempt, for Peers
}

func newPuncher() *puncher {
	return &puncher{active: map[peer.ID]bool{}, last: map[peer.ID]time.Time{}, tries: map[peer.ID]int{}, status: map[peer.ID]string{}}
}

// startPunch registers the handler of PunchProtocol and forgets a peer's
// punches when it disconnects.
func (h *Host) startPunch() {
	h.punches = newPuncher()
	h.host.SetStreamHandler(protocol.ID(PunchProtocol), h.answerPunch)
	h.Subscribe(func(ev Event) {
		if ev.Kind != Disconnected {
			return
		}
		if id, err := peerIDOf(ev.Peer); err == nil {
			p := h.punches
			p.mu.Lock()
			delete(p.last, id)
			delete(p.tries, id)
			delete(p.status, id)
			p.mu.Unlock()
		}
	})
}

// begin reserves a punch with id; it returns why not when one is under way
// with the peer, or maxPunches are, or (asked) the peer asked less than
// punchInterval ago.
func (p *puncher) begin(id peer.ID, asked bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active[id] {
		return errors.New("a punch with this peer is under way; try later")
	}
	if len(p.active) >= maxPunches {
		return fmt.Errorf("%d punches are under way, the most at once; try later", maxPunches)
	}
	if asked {
		if t, ok := p.last[id]; ok && time.Since(t) < punchInterval {
			return fmt.Errorf("asked again within %v; try later", punchInterval)
		}
		p.last[id] = time.Now()
	}
	p.active[id] = true
	return nil
}

// end releases the punch with id and records its outcome.
func (p *puncher) end(id peer.ID, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.active, id)
	if err == nil {
		p.status[id] = "direct after a hole punch"
		delete(p.tries, id)
		return
	}
	p.tries[id]++
	p.status[id] = fmt.Sprintf("hole punching failed %d times (last: %v); the peer stays relayed", p.tries[id], err)
}

// punchStatus says what became of the last attempt to connect to id
// directly; "" if none was made.
func (h *Host) punchStatus(id peer.ID) string {
	if h.punches == nil {
		return ""
	}
	h.punches.mu.Lock()
	defer h.punches.mu.Unlock()
	return h.punches.status[id]
}

// punchRole reports whether this host starts the punch with id: the side
// the relayed connection came in to starts (as in libp2p's DCUtR); when
// both dialled through the relay, the one of the lower key.
func (h *Host) punchRole(id peer.ID) bool {
	var in, out bool
	for _, c := range h.host.Network().ConnsToPeer(id) {
		if !c.Stat().Limited {
			continue
		}
		if c.Stat().Direction == network.DirInbound {
			in = true
		} else {
			out = true
		}
	}
	if in && out {
		return h.host.ID() < id
	}
	return in
}

// supportsPunch reports whether id said (identify) that it speaks
// PunchProtocol.
func (h *Host) supportsPunch(id peer.ID) bool {
	ps, err := h.host.Peerstore().SupportsProtocols(id, protocol.ID(PunchProtocol))
	return err == nil && len(ps) > 0
}

// punch starts a punch with id over their relayed connection: it sends
// this host's addresses, reads the peer's, measures the round trip, tells
// the peer to dial and dials itself half a round trip later, so that both
// dials leave at about the same moment and each opens its NAT for the
// other's (doc/protocol/services.md §10).
func (h *Host) punch(id peer.ID) (err error) {
	if err := h.punches.begin(id, false); err != nil {
		return err
	}
	defer func() { h.punches.end(id, err) }()
	own := h.punchAddrs()
	if len(own) == 0 {
		return errors.New("this host has no address to be dialled at")
	}
	ctx, cancel := context.WithTimeout(h.ctx, punchTimeout)
	defer cancel()
	ctx = network.WithNoDial(network.WithAllowLimitedConn(ctx, "hole punch"), "hole punch")
	s, err := h.host.NewStream(ctx, id, protocol.ID(PunchProtocol))
	if err != nil {
		return fmt.Errorf("opening the punch stream: %w", err)
	}
	defer func() { _ = s.Close() }()
	_ = s.SetDeadline(time.Now().Add(punchTimeout))
	start := time.Now()
	if err := services.WritePunch(s, services.PunchMessage{Kind: services.PunchConnect, Addrs: own}); err != nil {
		_ = s.Reset()
		return err
	}
	m, err := h.readPunch(s, id)
	if err != nil {
		return err
	}
	rtt := time.Since(start)
	switch m.Kind {
	case services.PunchRefuse:
		return fmt.Errorf("the peer refused: %s", m.Reason)
	case services.PunchSync:
		_ = s.Reset()
		h.penalizePunch(id, "a sync where its addresses were due")
		return errors.New("the peer broke the exchange")
	}
	addrs := dialablePunchAddrs(m.Addrs)
	if len(addrs) == 0 {
		return errors.New("the peer gave no address to dial")
	}
	if err := services.WritePunch(s, services.PunchMessage{Kind: services.PunchSync}); err != nil {
		_ = s.Reset()
		return err
	}
	wait(h.ctx, nil, rtt/2)
	return h.punchDial(id, addrs, false)
}

// answerPunch is the other side of punch: it answers with this host's
// addresses and dials the peer's as soon as the sync comes. A peer with a
// direct connection, one that asks again too soon, and any beyond
// maxPunches at once are refused with a reason.
func (h *Host) answerPunch(s network.Stream) {
	id := s.Conn().RemotePeer()
	key, err := keyOf(id)
	if err != nil {
		_ = s.Reset()
		return
	}
	if _, refused := h.penalties.refusedUntil(key); refused {
		_ = s.Reset()
		return
	}
	_ = s.SetDeadline(time.Now().Add(punchTimeout))
	m, err := h.readPunch(s, id)
	if err != nil {
		return
	}
	if m.Kind != services.PunchConnect {
		_ = s.Reset()
		h.penalizePunch(id, "it did not start with its addresses")
		return
	}
	refuse := func(why string) {
		_ = services.WritePunch(s, services.PunchMessage{Kind: services.PunchRefuse, Reason: why})
		_ = s.Close()
	}
	if h.host.Network().Connectedness(id) == network.Connected {
		refuse("already connected directly")
		return
	}
	if err := h.punches.begin(id, true); err != nil {
		refuse(err.Error())
		return
	}
	err = func() error {
		addrs := dialablePunchAddrs(m.Addrs)
		own := h.punchAddrs()
		if len(addrs) == 0 || len(own) == 0 {
			refuse("no address to dial on one side")
			return errors.New("no address to dial on one side")
		}
		if err := services.WritePunch(s, services.PunchMessage{Kind: services.PunchConnect, Addrs: own}); err != nil {
			_ = s.Reset()
			return err
		}
		sync, err := h.readPunch(s, id)
		if err != nil {
			return err
		}
		if sync.Kind != services.PunchSync {
			_ = s.Reset()
			h.penalizePunch(id, "no sync after the addresses")
			return errors.New("the peer broke the exchange")
		}
		_ = s.Close()
		return h.punchDial(id, addrs, true)
	}()
	h.punches.end(id, err)
	if err == nil {
		h.closeRelayed(id)
	}
}

// readPunch reads one message; a malformed one, or none within the
// deadline, is a breach (penalised), another version or a broken stream
// a failure.
func (h *Host) readPunch(s network.Stream, id peer.ID) (services.PunchMessage, error) {
	m, err := services.ReadPunch(s)
	var ne net.Error
	switch {
	case errors.Is(err, services.ErrMalformedPunch):
		_ = s.Reset()
		h.penalizePunch(id, err.Error())
	case errors.As(err, &ne) && ne.Timeout():
		_ = s.Reset()
		h.penalizePunch(id, fmt.Sprintf("no message within %v", punchTimeout))
	case err != nil:
		_ = s.Reset()
	}
	return m, err
}

func (h *Host) penalizePunch(id peer.ID, why string) {
	if key, err := keyOf(id); err == nil {
		h.Penalize(key, "punch: "+why)
	}
}

// punchDial dials id at addrs, as one of two simultaneous dials: isClient
// says which side takes the dialler's part in the security handshake
// once the two dials meet as one TCP connection (the answering side).
func (h *Host) punchDial(id peer.ID, addrs []ma.Multiaddr, isClient bool) error {
	ctx, cancel := context.WithTimeout(h.ctx, punchTimeout)
	defer cancel()
	ctx = network.WithSimultaneousConnect(ctx, isClient, "hole punch")
	ctx = network.WithForceDirectDial(ctx, "hole punch")
	h.clearDialBackoff(id)
	if err := h.host.Connect(ctx, peer.AddrInfo{ID: id, Addrs: addrs}); err != nil {
		return fmt.Errorf("dialling %v: %w", addrs, err)
	}
	for _, c := range h.host.Network().ConnsToPeer(id) {
		if !c.Stat().Limited {
			return nil
		}
	}
	return errors.New("no direct connection came up")
}

// punchAddrs returns the addresses this host sends in a punch: the ones its
// hubs see it at first, then its own (no relay, loopback or unspecified
// address), at most services.MaxPunchAddrs.
func (h *Host) punchAddrs() []services.Bytes {
	var all []ma.Multiaddr
	if h.hubs != nil {
		all = append(all, h.hubs.addrs()...)
	}
	all = append(all, h.host.Addrs()...)
	var out []services.Bytes
	seen := map[string]bool{}
	for _, a := range all {
		if !dialable(a) || seen[string(a.Bytes())] || len(a.Bytes()) > services.MaxPunchAddr {
			continue
		}
		seen[string(a.Bytes())] = true
		out = append(out, services.Bytes(a.Bytes()))
		if len(out) == services.MaxPunchAddrs {
			break
		}
	}
	return out
}

// dialablePunchAddrs parses a peer's addresses, keeping only direct IP
// addresses a dial can reach (no relay, loopback, unspecified or multicast
// address, nothing but IP and TCP or UDP with QUIC or WebSocket above).
func dialablePunchAddrs(raw []services.Bytes) []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, b := range raw {
		a, err := ma.NewMultiaddrBytes(b)
		if err != nil || !dialable(a) {
			continue
		}
		out = append(out, a)
	}
	return out
}

func dialable(a ma.Multiaddr) bool {
	if _, err := a.ValueForProtocol(ma.P_CIRCUIT); err == nil {
		return false
	}
	if _, err := a.ValueForProtocol(ma.P_P2P); err == nil {
		return false
	}
	ip, err := manet.ToIP(a)
	if err != nil || ip.IsLoopback() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsLinkLocalUnicast() {
		return false
	}
	return transportOf(a) != "other"
}
