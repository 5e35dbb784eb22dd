package node_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// serveLoopback starts n's network on real TCP on loopback, without mDNS
// or the DHT.
func serveLoopback(t *testing.T, n *node.Node) {
	t.Helper()
	serveLoopbackWith(t, n, func(*node.Config) {})
}

// serveLoopbackWith is serveLoopback with set changing the config first.
func serveLoopbackWith(t *testing.T, n *node.Node, set func(*node.Config)) {
	t.Helper()
	off := false
	cfg := node.DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	set(&cfg)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg, Logger: log}); err != nil {
		t.Fatalf("StartNetwork: %v", err)
	}
	t.Cleanup(func() { _ = n.StopNetwork() })
}

// throwawayPeer is a throwaway identity: a fresh account with one device, a
// real libp2p host on loopback that answers /kith/cert/1 and nothing else.
type throwawayPeer struct {
	account, device identity.PrivateKey
	host            *netnode.Host
}

func newThrowaway(t *testing.T) *throwawayPeer {
	t.Helper()
	account, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	device, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := content.NewDeviceCert(account, device, "throwaway", 1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := netnode.New(t.Context(), netnode.Config{Key: device, Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatalf("starting a stranger's host: %v", err)
	}
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	return &throwawayPeer{account: account, device: device, host: h}
}

// knock connects to n, opens a sync stream (so that n asks for the
// certificate) and waits until n names the stranger's account among its
// peers; then it hangs up.
func (s *throwawayPeer) knock(t *testing.T, n *node.Node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	nodeKey, err := s.host.Connect(ctx, n.Addrs()[0])
	if err != nil {
		t.Fatalf("stranger connecting: %v", err)
	}
	st, err := s.host.Open(ctx, nodeKey, node.SyncProtocol)
	if err != nil {
		t.Fatalf("stranger opening sync: %v", err)
	}
	defer st.Reset()
	// Stream negotiation is lazy: a read sends the protocol's name.
	go func() { _, _ = st.Read(make([]byte, 1)) }()
	eventually(t, "the node to know the stranger's account", func() bool {
		for _, p := range n.Peers() {
			if p.Device == s.device.Public().Device() {
				return p.Account == s.account.Public().Account()
			}
		}
		return false
	})
}

func logCount(t *testing.T, n *node.Node) int {
	t.Helper()
	heads, err := n.Store().Heads(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return len(heads)
}

// Issue 11, item 2: 66 throwaway identities that each open a stream leave
// the store as it was (their certificates were written as 66 new logs);
// the node still knows their accounts. Once the node follows one of them,
// that certificate is stored, though the stranger is gone by then.
func TestStrangerCertsNotStored(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	serveLoopback(t, n)
	// A post opens this node's public log, where the follow goes later.
	if _, err := n.Post(t.Context(), "hello", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	before := logCount(t, n)

	const strangers = 66
	var last *throwawayPeer
	for range strangers {
		s := newThrowaway(t)
		s.knock(t, n)
		if err := s.host.Close(); err != nil {
			t.Fatal(err)
		}
		last = s
	}
	if got := logCount(t, n); got != before {
		t.Fatalf("the store holds %d logs after %d strangers opened streams, want %d as before", got, strangers, before)
	}
	if _, err := n.Store().AccountOf(t.Context(), last.device.Public()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AccountOf(a stranger's device) = %v, want ErrNotFound: its certificate is in the store", err)
	}

	// Followed, the account's certificate log is in scope: the cached
	// certificate is stored then.
	if _, err := n.Follow(t.Context(), last.account.Public(), true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the followed stranger's certificate to be stored", func() bool {
		d, err := n.Store().AccountOf(t.Context(), last.device.Public())
		return err == nil && d.Account == last.account.Public()
	})
	if got := logCount(t, n); got != before+1 {
		t.Fatalf("the store holds %d logs after following one stranger, want %d", got, before+1)
	}
}
