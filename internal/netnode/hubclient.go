package netnode

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	ma "github.com/multiformats/go-multiaddr"
)

// hubKeepTag keeps the configured hubs connected (KeepConnected).
const hubKeepTag = "hub"

// reserveTimeout bounds one reservation at a hub, dial included.
const reserveTimeout = 30 * time.Second

// hubClient holds a slot at each configured hub (Config.Hubs) from the
// start, without waiting for AutoNAT to find this host unreachable: a
// node behind NAT is reachable through its hubs at once. While a slot is
// held, the hub's circuit addresses (<hub addr>/p2p/<hub>/p2p-circuit)
// are among the host's addresses (Addrs, identify), so peers that learn
// them can dial this host through the hub.
type hubClient struct {
	h    *Host
	hubs []peer.AddrInfo

	mu       sync.Mutex
	reserved map[peer.ID]time.Time         // hub → when its slot expires
	gen      map[peer.ID]uint64            // hub → how many times it disconnected
	wake     map[peer.ID]chan struct{}     // pokes a hub's loop: it disconnected
	observed map[peer.ID]map[string]string // hub → transport → the address it sees this host at
}

func newHubClient(h *Host, hubs []peer.AddrInfo) *hubClient {
	c := &hubClient{h: h, hubs: hubs, reserved: map[peer.ID]time.Time{}, gen: map[peer.ID]uint64{}, wake: map[peer.ID]chan struct{}{}, observed: map[peer.ID]map[string]string{}}
	for _, hub := range hubs {
		c.wake[hub.ID] = make(chan struct{}, 1)
	}
	return c
}

// start keeps the hubs connected and reserves a slot at each.
func (c *hubClient) start() {
	var keys []identity.PublicKey
	for _, hub := range c.hubs {
		key, err := keyOf(hub.ID)
		if err != nil {
			continue
		}
		keys = append(keys, key)
		c.h.host.Peerstore().AddAddrs(hub.ID, hub.Addrs, knownAddrTTL)
	}
	c.h.KeepConnected(hubKeepTag, keys)
	c.h.Subscribe(func(ev Event) {
		if ev.Kind != Disconnected {
			return
		}
		id, err := peerIDOf(ev.Peer)
		if err != nil {
			return
		}
		if ch, ok := c.wake[id]; ok {
			c.mu.Lock()
			delete(c.reserved, id) // the hub drops the slot with the connection
			c.gen[id]++
			c.mu.Unlock()
			poke(ch)
		}
	})
	for _, hub := range c.hubs {
		c.h.spawn(func() { c.run(hub) })
	}
	c.watchObserved()
}

// run holds a slot at hub until the host closes: it reserves, renews
// before the slot expires, and reserves again after a failure (back-off
// RedialMin doubling to RedialMax) or a disconnect.
func (c *hubClient) run(hub peer.AddrInfo) {
	h := c.h
	delay := h.keeper.min
	for h.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(h.ctx, reserveTimeout)
		h.clearDialBackoff(hub.ID)
		gen := c.generation(hub.ID)
		rsvp, err := client.Reserve(ctx, h.host, hub)
		cancel()
		if err == nil && !c.record(hub.ID, gen, rsvp.Expiration) {
			err = errors.New("the hub disconnected while it gave the slot, which went with the connection")
		}
		if err != nil {
			if h.ctx.Err() == nil {
				h.log.Info("no relay slot at a hub", "hub", hub.ID.String(), "retry_in", delay, "err", err)
			}
			wait(h.ctx, c.wake[hub.ID], jitter(delay))
			delay = min(2*delay, h.keeper.max)
			continue
		}
		delay = h.keeper.min
		h.log.Debug("relay slot at a hub", "hub", hub.ID.String(), "expires", rsvp.Expiration, "limit_duration", rsvp.LimitDuration, "limit_data", rsvp.LimitData)
		// Renew when three quarters of the slot's time have passed.
		wait(h.ctx, c.wake[hub.ID], time.Until(rsvp.Expiration)*3/4)
	}
}

// generation is how many times hub disconnected so far.
func (c *hubClient) generation(hub peer.ID) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen[hub]
}

// record keeps a slot at hub, reserved when the hub had disconnected gen
// times, until exp, and reports whether it did: a slot whose connection
// ended while it was given (the hub drops it with the connection) is not
// kept, nor advertised among the host's addresses until it expires.
func (c *hubClient) record(hub peer.ID, gen uint64, exp time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen[hub] != gen || c.h.host.Network().Connectedness(hub) != network.Connected {
		return false
	}
	c.reserved[hub] = exp
	return true
}

// addrs returns the circuit addresses of the hubs where a slot is held,
// and the addresses the hubs see this host at.
func (c *hubClient) addrs() []ma.Multiaddr {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []ma.Multiaddr
	for _, byTransport := range c.observed {
		for _, s := range byTransport {
			if a, err := ma.NewMultiaddr(s); err == nil {
				out = append(out, a)
			}
		}
	}
	now := time.Now()
	for _, hub := range c.hubs {
		if exp, ok := c.reserved[hub.ID]; !ok || now.After(exp) {
			continue
		}
		suffix, err := ma.NewMultiaddr(fmt.Sprintf("/p2p/%s/p2p-circuit", hub.ID))
		if err != nil {
			continue
		}
		for _, a := range hub.Addrs {
			out = append(out, a.Encapsulate(suffix))
		}
	}
	return out
}

// HubSlots returns the hubs (their keys) at which this host holds a relay
// slot now.
func (h *Host) HubSlots() []identity.PublicKey {
	if h.hubs == nil {
		return nil
	}
	c := h.hubs
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []identity.PublicKey
	now := time.Now()
	for id, exp := range c.reserved {
		if key, err := keyOf(id); err == nil && now.Before(exp) {
			out = append(out, key)
		}
	}
	slices.SortFunc(out, func(a, b identity.PublicKey) int { return slices.Compare(a[:], b[:]) })
	return out
}

// parseHubs parses the configured hubs; each must name its peer.
func parseHubs(addrs []string) ([]peer.AddrInfo, error) { return parsePeers("hub", addrs) }
