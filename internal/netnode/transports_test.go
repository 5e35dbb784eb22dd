package netnode

import (
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// addrWith returns the first of h's addresses that contains part.
func addrWith(t testing.TB, h *Host, part string) string {
	t.Helper()
	for _, a := range h.Addrs() {
		if strings.Contains(a, part) {
			return a
		}
	}
	t.Fatalf("no address with %q among %v", part, h.Addrs())
	return ""
}

func TestTransportsRoundTrip(t *testing.T) {
	cases := []struct {
		name, listen, marker, transport string
	}{
		{"tcp", tcpLoopback, "/tcp/", "tcp"},
		{"quic", quicLoopback, "/quic-v1", "quic"},
		{"websocket", wsLoopback, "/ws", "ws"},
		{"webrtc-direct", "/ip4/127.0.0.1/udp/0/webrtc-direct", "/webrtc-direct/certhash/", "webrtc-direct"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			server := startHost(t, loopbackConfig(t, testKey(t, 1), tc.listen))
			client := startHost(t, loopbackConfig(t, testKey(t, 2), tc.listen))
			remotes := make(chan identity.PublicKey, 1)
			echo(server, "/kith/test/1", remotes)

			addr := addrWith(t, server, tc.marker)
			if !strings.HasPrefix(addr, "/ip4/127.0.0.1/") || !strings.HasSuffix(addr, "/p2p/"+server.PeerID()) {
				t.Fatalf("server address %q: want a loopback address ending in /p2p/%s", addr, server.PeerID())
			}
			got, err := client.Connect(testContext(t, 5*time.Second), addr)
			if err != nil {
				t.Fatalf("Connect(%s): %v", addr, err)
			}
			if got != server.Key() {
				t.Fatalf("Connect returned %s, want the server's key %s", got.Device(), server.Key().Device())
			}

			resp := roundTrip(t, client, server.Key(), "/kith/test/1", []byte("hello"))
			want := client.Key().Device().String() + ":hello"
			if string(resp) != want {
				t.Fatalf("answer %q, want %q", resp, want)
			}
			if remote := <-remotes; remote != client.Key() {
				t.Fatalf("server saw remote %s, want the client's key %s", remote.Device(), client.Key().Device())
			}

			peers := client.Peers()
			if len(peers) != 1 {
				t.Fatalf("client has %d peers, want 1: %+v", len(peers), peers)
			}
			p := peers[0]
			if p.Key != server.Key() || p.PeerID != server.PeerID() || !p.Outbound || p.Transport != tc.transport || p.Kept {
				t.Fatalf("client's peer info %+v: want server %s, outbound, transport %s, not kept", p, server.PeerID(), tc.transport)
			}
			// A WebRTC-direct connection's address leaves out the
			// certificate hash the dialled address carries.
			if !strings.HasPrefix(addr, p.Addr+"/p2p/") && (tc.transport != "webrtc-direct" || !strings.HasPrefix(addr, p.Addr+"/certhash/")) {
				t.Fatalf("peer info address %q is not the dialled %q", p.Addr, addr)
			}
		})
	}
}
