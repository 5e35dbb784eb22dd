package netnode

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// throwaway is a fresh identity on a bare libp2p host (TCP, Noise, yamux,
// no listener) that connects to target and then does nothing; it closes
// with the test. It reports whether the connection stayed up.
func throwaway(t *testing.T, target *Host) bool {
	t.Helper()
	key, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := libp2pKey(key)
	if err != nil {
		t.Fatal(err)
	}
	h, err := libp2p.New(libp2p.Identity(sk), libp2p.NoListenAddrs,
		libp2p.Transport(tcp.NewTCPTransport), libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport), libp2p.DisableRelay(),
		libp2p.ResourceManager(&network.NullResourceManager{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return dialAndHold(t, h, target)
}

// dialAndHold connects h to target's first address and reports whether the
// connection is still up a moment later (a refused or trimmed connection
// is closed by target right after the handshake).
func dialAndHold(t *testing.T, h host.Host, target *Host) bool {
	t.Helper()
	addr, err := ma.NewMultiaddr(target.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	info, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Connect(ctx, *info); err != nil {
		return false
	}
	time.Sleep(100 * time.Millisecond)
	return h.Network().Connectedness(info.ID) == network.Connected
}

// Issue 11, item 3: connections from throwaway identities that open no
// kith stream cannot keep out the peers the node wants, nor, once they
// are older than the grace period, honest newcomers. Limits are scaled
// down (64 connections, 48 inbound; the connection manager's watermarks
// 16 and 32) so that the test stays small.
func TestIdleStrangersCannotLockOut(t *testing.T) {
	if d := strangerConns(systemConns(DefaultConnHigh)); d != 192 {
		t.Fatalf("strangers' share by default %d, want 192 (doc/network.md)", d)
	}
	defer func(old int) { minSystemConns = old }(minSystemConns)
	minSystemConns = 64
	const inbound = 48 // the system inbound limit at 64 connections

	cfg := loopbackConfig(t, testKey(t, 1))
	cfg.ConnLow, cfg.ConnHigh = 16, 32
	server := startHost(t, cfg)
	echo(server, "/kith/test/1", nil)
	wanted := testKey(t, 2)
	server.Want("test", []identity.PublicKey{wanted.Public()})

	// While the flood lasts none of its connections is past the grace
	// period: strangers get their share and not one connection more.
	server.admission.setGrace(time.Hour)
	share := strangerConns(64)
	held := 0
	for range inbound {
		if throwaway(t, server) {
			held++
		}
	}
	if held != share {
		t.Errorf("%d of %d throwaway connections held, want the strangers' share %d", held, inbound, share)
	}
	want := ConnStats{Strangers: share, StrangerLimit: share, Refused: int64(inbound - share)}
	if got := server.ConnStats(); got != want {
		t.Errorf("ConnStats = %+v, want %+v", got, want)
	}

	// A wanted peer gets in at once.
	w := startHost(t, loopbackConfig(t, wanted))
	if _, err := w.Connect(testContext(t, 10*time.Second), server.Addrs()[0]); err != nil {
		t.Fatalf("the wanted peer cannot connect: %v", err)
	}
	if got := roundTrip(t, w, server.Key(), "/kith/test/1", []byte("hi")); string(got) != wanted.Public().Device().String()+":hi" {
		t.Fatalf("the wanted peer's stream answered %q", got)
	}

	if got := server.ConnStats(); got != want {
		t.Errorf("after the wanted peer, ConnStats = %+v, want %+v (it is not counted)", got, want)
	}

	// Honest newcomers get in once the idle connections are older than
	// the grace period, each in place of the one idle longest: a throwaway
	// one, not the first newcomer's, which carried a stream since.
	server.admission.setGrace(0)
	var newcomers []*Host
	for i := range 2 {
		key := testKey(t, byte(3+i))
		nc := startHost(t, loopbackConfig(t, key))
		if _, err := nc.Connect(testContext(t, 10*time.Second), server.Addrs()[0]); err != nil {
			t.Fatalf("honest newcomer %d cannot connect: %v", i+1, err)
		}
		if got := roundTrip(t, nc, server.Key(), "/kith/test/1", []byte("hi")); string(got) != key.Public().Device().String()+":hi" {
			t.Fatalf("newcomer %d's stream answered %q", i+1, got)
		}
		newcomers = append(newcomers, nc)
	}
	want.Trimmed = 2
	if got := server.ConnStats(); got != want {
		t.Errorf("after two newcomers ConnStats = %+v, want %+v", got, want)
	}
	if !connectedTo(server, newcomers[0].Key()) || !connectedTo(server, w.Key()) {
		t.Error("the first newcomer or the wanted peer was cut off")
	}
}

// A newcomer refused for want of room that dials again with the same key
// takes the place of a stranger's connection idle for minIdle, though
// younger than the grace: identities rotated to keep every connection
// young do not keep out a peer that comes back (the honest stranger of
// bench/hostile's conn-flood, ratio 0.39-0.46 before).
func TestReturningNewcomerGetsIn(t *testing.T) {
	defer func(old int) { minSystemConns = old }(minSystemConns)
	minSystemConns = 64
	cfg := loopbackConfig(t, testKey(t, 1))
	cfg.ConnLow, cfg.ConnHigh = 16, 32
	server := startHost(t, cfg)
	echo(server, "/kith/test/1", nil)
	server.admission.setGrace(time.Hour)
	share := strangerConns(64)
	for range share {
		if !throwaway(t, server) {
			t.Fatal("a throwaway connection within the strangers' share was refused")
		}
	}
	time.Sleep(2 * minIdle)
	key := testKey(t, 3)
	nc := startHost(t, loopbackConfig(t, key))
	stays := func() bool {
		if _, err := nc.Connect(testContext(t, 10*time.Second), server.Addrs()[0]); err != nil {
			return false
		}
		time.Sleep(100 * time.Millisecond)
		return connectedTo(nc, server.Key())
	}
	if stays() {
		t.Fatal("a first-time newcomer got in while every connection is younger than the grace")
	}
	if !stays() {
		t.Fatalf("the newcomer, refused once, was refused again on its return; ConnStats %+v", server.ConnStats())
	}
	if got := roundTrip(t, nc, server.Key(), "/kith/test/1", []byte("hi")); string(got) != key.Public().Device().String()+":hi" {
		t.Fatalf("the returning newcomer's stream answered %q", got)
	}
	if st := server.ConnStats(); st.Strangers != share || st.Trimmed != 1 {
		t.Fatalf("ConnStats %+v, want %d strangers and one trimmed", st, share)
	}
	// A fresh identity still gets no turn.
	if throwaway(t, server) {
		t.Fatal("a fresh identity took a young connection's place")
	}
}
