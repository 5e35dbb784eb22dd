package netnode

import (
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// watchObserved records, from identify, the address each hub sees this
// host at (per transport: the newest), and announces it among the host's
// addresses. Behind a NAT that keeps the port of the host's listener
// (libp2p dials from it), it is the NAT's address a peer can dial, where
// the NAT lets it in. libp2p itself announces an observed address only
// once four peers agree; a configured hub is trusted alone.
func (c *hubClient) watchObserved() {
	sub, err := c.h.host.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted), eventbus.BufSize(16))
	if err != nil {
		c.h.log.Warn("not recording the addresses hubs see this host at", "err", err)
		return
	}
	c.h.closers = append(c.h.closers, sub.Close)
	c.h.spawn(func() {
		for {
			select {
			case <-c.h.ctx.Done():
				return
			case e, ok := <-sub.Out():
				if !ok {
					return
				}
				ev := e.(event.EvtPeerIdentificationCompleted)
				c.observe(ev)
			}
		}
	})
}

// observe records what a hub sees, if ev is a hub's identify and its
// observation is a direct IP address (not a relay, not loopback).
func (c *hubClient) observe(ev event.EvtPeerIdentificationCompleted) {
	if _, ok := c.wake[ev.Peer]; !ok || ev.ObservedAddr == nil {
		return
	}
	a := ev.ObservedAddr
	if _, err := a.ValueForProtocol(ma.P_CIRCUIT); err == nil || manet.IsIPLoopback(a) || !manet.IsThinWaist(a) {
		return
	}
	key := transportOf(a)
	if _, err := a.ValueForProtocol(ma.P_IP6); err == nil {
		key += "6"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.observed[ev.Peer] == nil {
		c.observed[ev.Peer] = map[string]string{}
	}
	if c.observed[ev.Peer][key] != a.String() {
		c.observed[ev.Peer][key] = a.String()
		c.h.log.Info("a hub sees this host at", "hub", ev.Peer.String(), "addr", a.String())
	}
}
