package node_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
)

// freeTCPPort returns a TCP port free on both 0.0.0.0 and ::.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "[::]:0") // dual-stack: free on both
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDefaultListenHasIPv6WebSocket starts a host on the default listen
// set (its two ports moved to free ones, as on a machine where the
// defaults are taken) and dials its WebSocket listener over ::1: before,
// the defaults had no IPv6 WebSocket address, so there was none.
func TestDefaultListenHasIPv6WebSocket(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("skipped: no IPv6 loopback here: %v", err)
	} else {
		ln.Close()
	}
	p2p, ws := freeP2PPort(t), freeTCPPort(t)
	listen := defaultListenOn(p2p, ws)
	server := startNetHost(t, 1, listen)
	want := fmt.Sprintf("/ip6/::1/tcp/%d/ws/p2p/%s", ws, server.PeerID())
	found := false
	for _, a := range server.Addrs() {
		found = found || a == want
	}
	if !found {
		t.Fatalf("the host on the default listen set %v has no %s among %v", listen, want, server.Addrs())
	}
	client := startNetHost(t, 2, []string{"/ip6/::1/tcp/0/ws"})
	if _, err := client.Connect(t.Context(), want); err != nil {
		t.Fatalf("dialling %s: %v", want, err)
	}
	peers := client.Peers()
	if len(peers) != 1 || peers[0].Transport != "ws" || !strings.HasPrefix(peers[0].Addr, "/ip6/::1/") {
		t.Fatalf("client's peers %+v: want the server over WebSocket on ::1", peers)
	}
}

// TestOldDefaultListenUpgraded: a config.toml written with an old default
// listen set (no IPv6 WebSocket; then no WebRTC-direct) gets today's
// defaults, and a set its user chose stays as it is.
func TestOldDefaultListenUpgraded(t *testing.T) {
	for _, tc := range []struct {
		name, listen string
		want         []string
	}{
		{"before IPv6 WebSocket", `["/ip4/0.0.0.0/tcp/7696", "/ip4/0.0.0.0/udp/7696/quic-v1", "/ip4/0.0.0.0/tcp/7697/ws", "/ip6/::/tcp/7696", "/ip6/::/udp/7696/quic-v1"]`, node.DefaultConfig().Listen},
		{"before WebRTC-direct", `["/ip4/0.0.0.0/tcp/7696", "/ip4/0.0.0.0/udp/7696/quic-v1", "/ip4/0.0.0.0/tcp/7697/ws", "/ip6/::/tcp/7696", "/ip6/::/udp/7696/quic-v1", "/ip6/::/tcp/7697/ws"]`, node.DefaultConfig().Listen},
		{"chosen by its user", `["/ip4/0.0.0.0/tcp/7696", "/ip4/0.0.0.0/udp/7696/quic-v1", "/ip4/0.0.0.0/tcp/7697/ws"]`, []string{"/ip4/0.0.0.0/tcp/7696", "/ip4/0.0.0.0/udp/7696/quic-v1", "/ip4/0.0.0.0/tcp/7697/ws"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if err := os.WriteFile(filepath.Join(home, node.ConfigFile), []byte("listen = "+tc.listen+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := node.LoadConfig(home)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(c.Listen, " "), strings.Join(tc.want, " "); got != want {
				t.Fatalf("listen %q, want %q", got, want)
			}
		})
	}
	d := strings.Join(node.DefaultConfig().Listen, " ")
	for _, a := range []string{"/ip6/::/tcp/7697/ws", "/ip4/0.0.0.0/udp/7696/webrtc-direct", "/ip6/::/udp/7696/webrtc-direct"} {
		if !strings.Contains(d, a) {
			t.Errorf("the default listen set %q has no %s", d, a)
		}
	}
}

// startNetHost starts a libp2p host whose key has the seed 32 × seed.
func startNetHost(t *testing.T, seed byte, listen []string) *netnode.Host {
	t.Helper()
	key, err := identity.KeyFromSeed([]byte(strings.Repeat(string(rune(seed)), 32)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := netnode.New(t.Context(), netnode.Config{Key: key, Listen: listen})
	if err != nil {
		t.Fatalf("starting a host on %v: %v", listen, err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}
