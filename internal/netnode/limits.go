package netnode

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/x/rate"
)

// The resource manager's limits. doc/network.md gives the reasoning behind
// every number; keep the two in step.
// minSystemConns is the floor of the system-wide connection limit, which
// is otherwise twice the connection manager's high watermark. A variable
// only so that tests can scale the limits down.
var minSystemConns = 512

const (
	// streamsPerConn is the system-wide stream budget per connection.
	streamsPerConn = 16
	// systemMemory bounds the memory all libp2p buffers may reserve.
	systemMemory = 512 << 20
	// peerMemory bounds one peer: four yamux streams at the full 16 MiB
	// receive window.
	peerMemory = 64 << 20
	// streamMemory is the yamux maximum receive window.
	streamMemory = 16 << 20
	// transientMemory bounds connections and streams still negotiating.
	transientMemory = 32 << 20
	// kithProtocolMemory bounds one peer's streams of one kith protocol.
	kithProtocolMemory = 32 << 20
)

// Per-address limits. libp2p's defaults allow 8 concurrent connections and
// 0.2 new ones a second (burst 16) from one IPv4 address, which suits a
// public DHT node; kith expects whole households and community centres
// behind one NAT address, all connecting to the same hub. Loopback stays
// unlimited.
const (
	connsPerAddress   = 64  // concurrent, per IPv4 address or IPv6 /56
	connsPerIPv6Site  = 256 // concurrent, per IPv6 /48
	newConnsPerSecond = 1.0 // sustained, per IPv4 address or IPv6 /56
	newConnsBurst     = 64  // at once, per IPv4 address or IPv6 /56
	rateGracePeriod   = time.Minute
)

// connGracePeriod is how long a new connection is safe from trimming.
const connGracePeriod = time.Minute

// systemConns returns the system connection limit for a connection
// manager whose high watermark is connHigh.
func systemConns(connHigh int) int { return max(minSystemConns, 2*connHigh) }

// limitConfig returns the resource manager's limits for a connection
// manager whose high watermark is connHigh.
func limitConfig(connHigh int) rcmgr.ConcreteLimitConfig {
	conns := systemConns(connHigh)
	scaling := rcmgr.DefaultLimits
	// libp2p's own services (identify, ping, AutoNAT, relay, hole punching)
	// keep the limits their authors chose.
	libp2p.SetDefaultServiceLimits(&scaling)
	defaults := scaling.Scale(systemMemory, conns)

	kith := rcmgr.PartialLimitConfig{
		System: rcmgr.ResourceLimits{
			Conns:           rcmgr.LimitVal(conns),
			ConnsInbound:    rcmgr.LimitVal(conns * 3 / 4),
			ConnsOutbound:   rcmgr.LimitVal(conns / 2),
			Streams:         rcmgr.LimitVal(conns * streamsPerConn),
			StreamsInbound:  rcmgr.LimitVal(conns * streamsPerConn / 2),
			StreamsOutbound: rcmgr.LimitVal(conns * streamsPerConn / 2),
			FD:              rcmgr.LimitVal(conns),
			Memory:          systemMemory,
		},
		Transient: rcmgr.ResourceLimits{
			Conns:           128,
			ConnsInbound:    64,
			ConnsOutbound:   64,
			Streams:         256,
			StreamsInbound:  128,
			StreamsOutbound: 128,
			FD:              128,
			Memory:          transientMemory,
		},
		PeerDefault: rcmgr.ResourceLimits{
			Conns:           8,
			ConnsInbound:    8,
			ConnsOutbound:   8,
			Streams:         256,
			StreamsInbound:  128,
			StreamsOutbound: 128,
			FD:              8,
			Memory:          peerMemory,
		},
		Stream: rcmgr.ResourceLimits{
			Memory: streamMemory,
		},
		// A kith protocol as a whole: the system's streams, nothing less.
		// libp2p's scaled default (640 inbound streams at 512 MiB) cut a
		// hub's presence and sync sessions at 640 clients; kith bounds
		// each protocol per peer (ProtocolPeer) and all of them by the
		// system limits. libp2p's own protocols keep their own limits.
		ProtocolDefault: rcmgr.ResourceLimits{
			Streams:         rcmgr.LimitVal(conns * streamsPerConn),
			StreamsInbound:  rcmgr.LimitVal(conns * streamsPerConn / 2),
			StreamsOutbound: rcmgr.LimitVal(conns * streamsPerConn / 2),
			Memory:          systemMemory,
		},
		ProtocolPeer: map[protocol.ID]rcmgr.ResourceLimits{
			SyncProtocol: {
				Streams:         8,
				StreamsInbound:  4,
				StreamsOutbound: 4,
				Memory:          kithProtocolMemory,
			},
			BlobProtocol: {
				Streams:         64,
				StreamsInbound:  32,
				StreamsOutbound: 32,
				Memory:          kithProtocolMemory,
			},
			// One message each way: a stranger has no use for many.
			VillageRequestProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          1 << 20,
			},
			// One announcement at a time (doc/protocol/services.md).
			ServicesProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          1 << 20,
			},
			LeaseProtocol: leaseLimits, // lease.go
			// One question at a time: up to 1,024 logs, an answer of at
			// most 48 KiB (doc/protocol/services.md §6).
			HeadsProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          1 << 20,
			},
			// One punch at a time: at most 4 messages of 1 KiB
			// (doc/protocol/services.md §10).
			PunchProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          1 << 20,
			},
			// One session at a time lives with the connection, and one
			// replacing it; frames of at most 96 KiB (doc/protocol/
			// services.md §7).
			PresenceProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          4 << 20,
			},
			// One deposit or collection at a time: a request of at most
			// 144 KiB, an answer of at most 528 KiB (services.md §8).
			DropboxProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          2 << 20,
			},
			// One address record at a time: at most 768 bytes
			// (doc/protocol/services.md §11).
			AddrsProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          1 << 20,
			},
			// One founding or invitation at a time: at most 256 KiB.
			VillageFoundProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          1 << 20,
			},
			// One question at a time: an answer of at most 266 bytes
			// (doc/protocol/ice.md).
			ICEProtocol: {
				Streams:         2,
				StreamsInbound:  1,
				StreamsOutbound: 1,
				Memory:          1 << 20,
			},
			// One question at a time: an answer of at most 2,050 bytes
			// (doc/protocol/introduce.md).
			IntroduceProtocol: {
				Streams:         2,
				StreamsInbound:  1,
				StreamsOutbound: 1,
				Memory:          1 << 20,
			},
			// One run at a time is all a new device needs; its result
			// carries up to 1 MiB of certificates.
			PairProtocol: {
				Streams:         4,
				StreamsInbound:  2,
				StreamsOutbound: 2,
				Memory:          4 << 20,
			},
		},
	}
	return kith.Build(defaults)
}

// perAddressOptions returns the resource manager's per-address connection
// and rate limits.
func perAddressOptions() (count rcmgr.Option, rates *rate.Limiter) {
	count = rcmgr.WithLimitPerSubnet(
		[]rcmgr.ConnLimitPerSubnet{{PrefixLength: 32, ConnCount: connsPerAddress}},
		[]rcmgr.ConnLimitPerSubnet{
			{PrefixLength: 56, ConnCount: connsPerAddress},
			{PrefixLength: 48, ConnCount: connsPerIPv6Site},
		},
	)
	perAddress := rate.Limit{RPS: newConnsPerSecond, Burst: newConnsBurst}
	rates = &rate.Limiter{
		NetworkPrefixLimits: []rate.PrefixLimit{
			{Prefix: netip.MustParsePrefix("127.0.0.0/8")}, // zero Limit: unlimited
			{Prefix: netip.MustParsePrefix("::1/128")},
		},
		SubnetRateLimiter: rate.SubnetLimiter{
			IPv4SubnetLimits: []rate.SubnetLimit{{PrefixLength: 32, Limit: perAddress}},
			IPv6SubnetLimits: []rate.SubnetLimit{{PrefixLength: 56, Limit: perAddress}},
			GracePeriod:      rateGracePeriod,
		},
	}
	return count, rates
}

// newResourceManager returns the resource manager for limitConfig(connHigh)
// and the per-address limits.
func newResourceManager(connHigh int) (network.ResourceManager, error) {
	count, rates := perAddressOptions()
	// No metrics: the manager's own Prometheus reporter, on unless
	// disabled here (libp2p.DisableMetrics does not reach a manager built
	// outside libp2p.New), took 6 % of a node's CPU under a connection
	// flood, for figures nobody reads.
	mgr, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limitConfig(connHigh)),
		count, rcmgr.WithConnRateLimiters(rates), rcmgr.WithMetricsDisabled())
	if err != nil {
		return nil, fmt.Errorf("netnode: resource manager: %w", err)
	}
	return mgr, nil
}

// newConnManager returns the connection manager for the watermarks.
func newConnManager(low, high int) (*connmgr.BasicConnMgr, error) {
	mgr, err := connmgr.NewConnManager(low, high, connmgr.WithGracePeriod(connGracePeriod))
	if err != nil {
		return nil, fmt.Errorf("netnode: connection manager (low %d, high %d): %w", low, high, err)
	}
	return mgr, nil
}
