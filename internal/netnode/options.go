package netnode

import (
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	webrtc "github.com/libp2p/go-libp2p/p2p/transport/webrtc"
	ws "github.com/libp2p/go-libp2p/p2p/transport/websocket"
	ma "github.com/multiformats/go-multiaddr"
)

// userAgent is what identify tells peers this host runs.
const userAgent = "kith"

// libp2pOptions returns the options of a real (not mock) libp2p host for
// cfg, which has its defaults applied. bootstrap are the parsed
// cfg.Bootstrap peers. If the host cannot be built from the options, the
// caller must call release, which stops the managers they started.
// extraAddrs returns addresses the host announces besides its own (the
// circuit addresses of its hubs).
func libp2pOptions(cfg Config, sk crypto.PrivKey, bootstrap []peer.AddrInfo, g *gater, extraAddrs func() []ma.Multiaddr) (opts []libp2p.Option, release func(), err error) {
	if cfg.HolePunch && !cfg.Relay {
		return nil, nil, errors.New("netnode: HolePunch needs Relay: hole punching upgrades relayed connections")
	}
	if len(cfg.Hubs) > 0 && !cfg.Relay {
		return nil, nil, errors.New("netnode: Hubs need Relay: a slot at a hub is a relay reservation")
	}
	listen, err := parseListen(cfg.Listen)
	if err != nil {
		return nil, nil, err
	}
	cm, err := newConnManager(cfg.ConnLow, cfg.ConnHigh)
	if err != nil {
		return nil, nil, err
	}
	rcm, err := newResourceManager(cfg.ConnHigh)
	if err != nil {
		_ = cm.Close()
		return nil, nil, err
	}
	release = func() {
		_ = rcm.Close()
		_ = cm.Close()
	}
	opts = []libp2p.Option{
		libp2p.Identity(sk),
		libp2p.ListenAddrs(listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Transport(ws.New),
		// WebRTC-direct: a browser dials it with no certificate authority
		// (the certificate's hash is in the address); listened on only
		// where Config.Listen names a /webrtc-direct address
		// (doc/browser.md). Its own DTLS and SCTP replace Noise and yamux.
		libp2p.Transport(webrtc.New),
		// QUIC brings its own TLS 1.3 handshake; TCP and WebSocket use Noise.
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ResourceManager(rcm),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(g),
		libp2p.UserAgent(userAgent),
		libp2p.DisableMetrics(),
	}
	if cfg.Relay {
		opts = append(opts, libp2p.EnableRelay())
		if len(bootstrap) > 0 {
			opts = append(opts, libp2p.EnableAutoRelayWithStaticRelays(bootstrap))
		}
	} else {
		opts = append(opts, libp2p.DisableRelay())
	}
	// The relay service (RelayService) is started by New itself
	// (relayservice.go), not by libp2p, which waits for AutoNAT.
	opts = append(opts, libp2p.AddrsFactory(func(addrs []ma.Multiaddr) []ma.Multiaddr {
		return append(addrs, extraAddrs()...)
	}))
	if cfg.HolePunch {
		opts = append(opts, libp2p.EnableHolePunching())
	}
	if cfg.AutoNAT {
		opts = append(opts, libp2p.EnableAutoNATv2(), libp2p.EnableNATService())
	}
	return opts, release, nil
}

// parseListen parses the listen multiaddrs.
func parseListen(addrs []string) ([]ma.Multiaddr, error) {
	if len(addrs) == 0 {
		return nil, errors.New("netnode: Config.Listen is empty: the host needs at least one address to listen on")
	}
	out := make([]ma.Multiaddr, 0, len(addrs))
	for i, s := range addrs {
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("netnode: listen address %d %q: %w", i+1, s, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// parseBootstrap parses the bootstrap peers; each must name its peer.
func parseBootstrap(addrs []string) ([]peer.AddrInfo, error) {
	return parsePeers("bootstrap peer", addrs)
}

// parsePeers parses peer multiaddrs (what names them in errors: "hub");
// each must name its peer. Addresses of one peer are merged.
func parsePeers(what string, addrs []string) ([]peer.AddrInfo, error) {
	var infos []peer.AddrInfo
	for i, s := range addrs {
		info, _, err := parsePeerAddr(s)
		if err != nil {
			return nil, fmt.Errorf("netnode: %s %d: %w", what, i+1, err)
		}
		infos = append(infos, info)
	}
	return mergeAddrInfos(infos), nil
}

// mergeAddrInfos merges the addresses of infos that name the same peer,
// keeping the order in which peers first appear.
func mergeAddrInfos(infos []peer.AddrInfo) []peer.AddrInfo {
	var out []peer.AddrInfo
	index := make(map[peer.ID]int)
	for _, info := range infos {
		i, ok := index[info.ID]
		if !ok {
			index[info.ID] = len(out)
			out = append(out, peer.AddrInfo{ID: info.ID})
			i = len(out) - 1
		}
		out[i].Addrs = append(out[i].Addrs, info.Addrs...)
	}
	return out
}
