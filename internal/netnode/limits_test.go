package netnode

import (
	"net/netip"
	"testing"

	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
)

func TestLimitConfig(t *testing.T) {
	cases := []struct {
		connHigh int
		conns    rcmgr.LimitVal
	}{
		{DefaultConnHigh, 512}, // the floor
		{400, 800},             // twice the high watermark
	}
	for _, tc := range cases {
		cfg := limitConfig(tc.connHigh).ToPartialLimitConfig()
		sys := cfg.System
		wantSys := rcmgr.ResourceLimits{
			Conns: tc.conns, ConnsInbound: tc.conns * 3 / 4, ConnsOutbound: tc.conns / 2,
			Streams: tc.conns * 16, StreamsInbound: tc.conns * 8, StreamsOutbound: tc.conns * 8,
			FD: tc.conns, Memory: 512 << 20,
		}
		if sys != wantSys {
			t.Fatalf("high %d: system limits %+v, want %+v", tc.connHigh, sys, wantSys)
		}
		wantPeer := rcmgr.ResourceLimits{
			Conns: 8, ConnsInbound: 8, ConnsOutbound: 8,
			Streams: 256, StreamsInbound: 128, StreamsOutbound: 128,
			FD: 8, Memory: 64 << 20,
		}
		if cfg.PeerDefault != wantPeer {
			t.Fatalf("peer limits %+v, want %+v", cfg.PeerDefault, wantPeer)
		}
		if got := cfg.Transient; got.Conns != 128 || got.Streams != 256 || got.Memory != 32<<20 {
			t.Fatalf("transient limits %+v", got)
		}
		if got := cfg.Stream.Memory; got != 16<<20 {
			t.Fatalf("stream memory %d, want 16 MiB", got)
		}
		if got := cfg.ProtocolPeer[SyncProtocol]; got.StreamsInbound != 4 || got.StreamsOutbound != 4 || got.Streams != 8 || got.Memory != 32<<20 {
			t.Fatalf("sync per-peer limits %+v", got)
		}
		if got := cfg.ProtocolPeer[BlobProtocol]; got.StreamsInbound != 32 || got.StreamsOutbound != 32 || got.Streams != 64 || got.Memory != 32<<20 {
			t.Fatalf("blob per-peer limits %+v", got)
		}
		// A kith protocol as a whole is bounded by the system's streams
		// only (and per peer above), not by libp2p's scaled protocol
		// default of 640 inbound streams, which cut a hub's presence and
		// sync sessions at 640 clients (bench/hub).
		wantProto := rcmgr.ResourceLimits{
			Streams: tc.conns * 16, StreamsInbound: tc.conns * 8, StreamsOutbound: tc.conns * 8, Memory: 512 << 20,
		}
		// (A protocol holds no connections or descriptors: libp2p blocks
		// them for every protocol.)
		wantProto.Conns, wantProto.ConnsInbound, wantProto.ConnsOutbound, wantProto.FD = rcmgr.BlockAllLimit, rcmgr.BlockAllLimit, rcmgr.BlockAllLimit, rcmgr.BlockAllLimit
		if got := cfg.ProtocolDefault; got != wantProto {
			t.Fatalf("high %d: protocol-wide limits %+v, want %+v", tc.connHigh, got, wantProto)
		}
		// libp2p's own services keep their limits.
		if got := cfg.ServicePeer["libp2p.ping"]; got.StreamsInbound != 2 {
			t.Fatalf("ping per-peer limits %+v: want libp2p's own (2 inbound streams)", got)
		}
	}
}

// TestPerAddressRateLimit runs the rate limiter's bookkeeping (no traffic)
// for one documentation address: 64 new connections at once, then no more
// until time passes; loopback is never limited.
func TestPerAddressRateLimit(t *testing.T) {
	_, rates := perAddressOptions()
	addr := netip.MustParseAddr("192.0.2.1")
	for i := range newConnsBurst {
		if !rates.Allow(addr) {
			t.Fatalf("connection %d of the burst refused", i+1)
		}
	}
	if rates.Allow(addr) {
		t.Fatalf("connection %d allowed right after a burst of %d", newConnsBurst+1, newConnsBurst)
	}
	if !rates.Allow(netip.MustParseAddr("192.0.2.2")) {
		t.Fatal("another address is limited by the first one's burst")
	}
	loop := netip.MustParseAddr("127.0.0.1")
	for i := range 10 * newConnsBurst {
		if !rates.Allow(loop) {
			t.Fatalf("loopback connection %d refused", i+1)
		}
	}
}
