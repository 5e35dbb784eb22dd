package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/netip"
	"time"

	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/turnrelay"
)

// The node's STUN and TURN server for the browser peers it serves
// (turn_listen; doc/protocol/ice.md, doc/browser.md "Browsers on
// different networks"), and its answers on /kith/ice/1.

// checkTURN checks turn_listen: "" (off) or an IPv4 IP:PORT.
func (c Config) checkTURN() error {
	if c.TURNListen == "" {
		return nil
	}
	ap, err := netip.ParseAddrPort(c.TURNListen)
	if err != nil || !ap.Addr().Unmap().Is4() {
		return fmt.Errorf("turn_listen = %q: give an IPv4 address and a UDP port, such as 0.0.0.0:7699 (every IPv4 address of this machine), or leave it empty for no STUN/TURN server", c.TURNListen)
	}
	return nil
}

// startTURN starts the STUN/TURN server of turn_listen, if set, with a
// fresh secret: credentials die with the network.
func (n *Node) startTURN(nw *network) error {
	if nw.cfg.TURNListen == "" {
		return nil
	}
	nw.iceSecret = make([]byte, ice.SecretSize)
	if _, err := rand.Read(nw.iceSecret); err != nil {
		return err
	}
	host := nw.host
	s, err := turnrelay.Start(turnrelay.Config{
		Listen:     nw.cfg.TURNListen,
		Secret:     nw.iceSecret,
		Connected:  host.BrowserPeer,
		BrowserIPs: host.BrowserIPs,
		// Swept every 30 s: a browser whose account is no longer
		// followed loses its allocations then, not when they expire.
		Allowed: func(dev identity.PublicKey) bool {
			if !host.BrowserPeer(dev) {
				return false
			}
			ctx, cancel := context.WithTimeout(context.Background(), iceTimeout)
			defer cancel()
			return n.inCircle(ctx, nw, dev)
		},
		// Per account caps count a device for its account. Called as an
		// Allocate is handled, so it never asks the peer for its
		// certificate: the store's, or the one learnt when the browser
		// was given credentials (inCircle), else the device alone.
		AccountOf: func(dev identity.PublicKey) identity.PublicKey {
			ctx, cancel := context.WithTimeout(context.Background(), iceTimeout)
			defer cancel()
			if d, err := n.store.AccountOf(ctx, dev); err == nil {
				return d.Account
			}
			if account, ok := nw.certs.cache.account(dev); ok {
				return account
			}
			return dev
		},
		Logger: nw.log,
	})
	if err != nil {
		return fmt.Errorf("turn_listen: %w", err)
	}
	nw.turn = s
	nw.log.Info("STUN/TURN server for browser peers", "udp", s.Addrs())
	return nil
}

// iceTimeout bounds one answer on /kith/ice/1, the certificate exchange
// it may need included.
const iceTimeout = 10 * time.Second

// serveICE answers a peer's /kith/ice/1 (doc/protocol/ice.md): the TURN
// server's port and credentials bound to the peer's device key, for a
// browser peer (connected over WebSocket or WebRTC-direct) of this node's
// circle; else why not. Nothing is stored: the credentials are an HMAC
// under the network's secret, with an expiry rounded to the minute, so a
// peer asking in a loop gets the same bytes.
func (n *Node) serveICE(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	defer s.Close()
	ctx, cancel := context.WithTimeout(ctx, iceTimeout)
	defer cancel()
	_ = s.SetDeadline(time.Now().Add(iceTimeout))
	a := n.iceAnswer(ctx, nw, remote)
	if a.Status != ice.Given {
		nw.log.Debug("no TURN credentials for a peer: "+a.Reason(), "peer", remote.Device()) // any peer can ask in a loop
	}
	b, err := ice.Encode(a)
	if err != nil {
		_ = s.Reset()
		return
	}
	_, _ = s.Write(b)
}

func (n *Node) iceAnswer(ctx context.Context, nw *network, remote identity.PublicKey) ice.Answer {
	switch {
	case nw.turn == nil:
		return ice.Answer{Status: ice.Off}
	case !nw.host.BrowserPeer(remote):
		return ice.Answer{Status: ice.NotBrowser}
	case !n.inCircle(ctx, nw, remote):
		return ice.Answer{Status: ice.NotCircle}
	}
	u, p, ttl := ice.Credentials(nw.iceSecret, remote, time.Now())
	return ice.Answer{Status: ice.Given, Port: uint16(nw.turn.Port()), TTL: uint32(ttl / time.Second), Username: u, Password: p}
}

// TURNStats are the counts of the node's STUN/TURN server.
type TURNStats struct {
	Addrs []string // where it listens (UDP)
	turnrelay.Stats
}

// TURN returns the counts of the node's STUN/TURN server; nil when it
// runs none.
func (n *Node) TURN() *TURNStats {
	nw := n.net.Load()
	if nw == nil || nw.turn == nil {
		return nil
	}
	return &TURNStats{Addrs: nw.turn.Addrs(), Stats: nw.turn.Stats()}
}
