package netnode

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	ma "github.com/multiformats/go-multiaddr"
)

// startSignalRelay starts a host with the signalling relay on loopback
// TCP and WebSocket, and returns it with its WebSocket address.
func startSignalRelayHost(t *testing.T) (*Host, string) {
	t.Helper()
	cfg := loopbackConfig(t, testKey(t, 1), tcpLoopback, "/ip4/127.0.0.1/tcp/0/ws")
	cfg.SignalRelay = true
	relay := startHost(t, cfg)
	for _, a := range relay.Addrs() {
		if strings.Contains(a, "/ws/") {
			return relay, a
		}
	}
	t.Fatalf("the relay's addresses %v: none on WebSocket", relay.Addrs())
	return nil, ""
}

// reserveAt connects h to the relay at addr and asks for a slot.
func reserveAt(t *testing.T, h *Host, addr string) error {
	t.Helper()
	info, err := peer.AddrInfoFromP2pAddr(ma.StringCast(addr))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t, 10*time.Second)
	if err := h.host.Connect(ctx, *info); err != nil {
		t.Fatalf("connect to the relay at %s: %v", addr, err)
	}
	_, err = client.Reserve(ctx, h.host, *info)
	return err
}

// TestSignalRelaySlotsPerIP: the signalling relay gives at most
// SignalRelaySlotsPerIP slots to peers from one IP address; the next peer
// from it is refused, and counted as refused.
func TestSignalRelaySlotsPerIP(t *testing.T) {
	relay, wsAddr := startSignalRelayHost(t)
	for i := range SignalRelaySlotsPerIP {
		h := startHost(t, loopbackConfig(t, testKey(t, byte(10+i))))
		if err := reserveAt(t, h, wsAddr); err != nil {
			t.Fatalf("peer %d of %d from 127.0.0.1 was refused a slot: %v", i+1, SignalRelaySlotsPerIP, err)
		}
	}
	extra := startHost(t, loopbackConfig(t, testKey(t, 200)))
	if err := reserveAt(t, extra, wsAddr); err == nil {
		t.Fatalf("peer %d from 127.0.0.1 got a slot; the cap is %d", SignalRelaySlotsPerIP+1, SignalRelaySlotsPerIP)
	}
	if got := len(relay.SignalPeers()); got != SignalRelaySlotsPerIP {
		t.Fatalf("the relay lists %d peers, want %d", got, SignalRelaySlotsPerIP)
	}
	// The relay counts a refusal once it has answered it.
	waitFor(t, 5*time.Second, "the relay to count the refused slot", func() bool {
		return relay.RelayStats().SlotsRefused["not_served"] == 1
	})
	if st := relay.RelayStats(); st.SlotsGiven != SignalRelaySlotsPerIP || st.SlotsRefused["not_served"] != 1 {
		t.Fatalf("relay counts %+v: want %d slots given, 1 refused", st, SignalRelaySlotsPerIP)
	}
}

// TestSignalRelayDataLimit: a connection relayed between two browser
// peers carries a signalling exchange, and no more than SignalRelayData
// bytes in a direction: a stream that tries to send four times that is
// cut, and the other end has read at most the limit.
func TestSignalRelayDataLimit(t *testing.T) {
	noUpgrade(t) // the two peers could dial each other on loopback
	_, wsAddr := startSignalRelayHost(t)
	aCfg := loopbackConfig(t, testKey(t, 2))
	aCfg.Relay = true
	a := startHost(t, aCfg)
	bCfg := loopbackConfig(t, testKey(t, 3), "/p2p-circuit")
	bCfg.Relay = true
	b := startHost(t, bCfg)
	for _, h := range []*Host{a, b} {
		if err := reserveAt(t, h, wsAddr); err != nil {
			t.Fatalf("a peer on WebSocket was refused a slot: %v", err)
		}
	}
	var read atomic.Int64
	done := make(chan error, 1)
	b.Handle("/kith/test/sink/1", func(_ identity.PublicKey, s Stream) {
		defer s.Close()
		_ = s.SetDeadline(time.Now().Add(20 * time.Second))
		buf := make([]byte, 4096)
		for {
			n, err := s.Read(buf)
			read.Add(int64(n))
			if err != nil {
				if err == io.EOF {
					_, _ = s.Write([]byte("ok"))
					err = nil
				}
				done <- err
				return
			}
		}
	})
	circuit := wsAddr + "/p2p-circuit/p2p/" + b.PeerID()
	if got, err := a.Connect(testContext(t, 10*time.Second), circuit); err != nil || got != b.Key() {
		t.Fatalf("a dials b through the signalling relay: %v, %v", got.Device(), err)
	}
	send := func(n int) error {
		s, err := a.Open(testContext(t, 10*time.Second), b.Key(), "/kith/test/sink/1")
		if err != nil {
			return fmt.Errorf("open: %w", err)
		}
		defer s.Close()
		_ = s.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := s.Write(bytes.Repeat([]byte{'s'}, n)); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		if err := s.CloseWrite(); err != nil {
			return fmt.Errorf("close: %w", err)
		}
		ack, err := io.ReadAll(s)
		if err != nil {
			return fmt.Errorf("read the answer: %w", err)
		}
		if string(ack) != "ok" {
			return fmt.Errorf("answer %q", ack)
		}
		return nil
	}
	// A signalling exchange's size goes through.
	if err := send(4 << 10); err != nil {
		t.Fatalf("4 KiB through the signalling relay: %v", err)
	}
	if err := <-done; err != nil || read.Load() != 4<<10 {
		t.Fatalf("b read %d bytes (%v), want 4096", read.Load(), err)
	}
	read.Store(0)
	// Four times the limit does not.
	err := send(4 * SignalRelayData)
	if err == nil {
		t.Fatalf("%d bytes went through the signalling relay, whose limit is %d", 4*SignalRelayData, SignalRelayData)
	}
	t.Logf("sending %d bytes: %v", 4*SignalRelayData, err)
	// The relay ends the relayed connection (b's handler may never have
	// seen the stream: the cut can come before its protocol was read).
	aID, err2 := peer.Decode(a.PeerID())
	if err2 != nil {
		t.Fatal(err2)
	}
	waitFor(t, 10*time.Second, "the relayed connection to end", func() bool {
		return b.host.Network().Connectedness(aID) != network.Connected
	})
	if got := read.Load(); got > SignalRelayData {
		t.Fatalf("b read %d bytes through the relay, over its limit of %d", got, SignalRelayData)
	}
}
