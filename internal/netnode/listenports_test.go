package netnode

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// freePort returns a TCP port free on 127.0.0.1 (and, almost surely, UDP).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Issue 15, item 1: a second node on the same machine listened on the
// first one's port 7696 (libp2p sets SO_REUSEPORT), the kernel shared new
// connections between the two, and dials to one reached the other ("peer
// id mismatch"). Now the second falls back to free ports with a warning,
// and a third peer reaches each by its own id, again and again. QUIC and
// WebRTC-direct share the UDP port, as in the default listen set.
func TestSecondHostOnTheSamePortFallsBack(t *testing.T) {
	port := freePort(t)
	listen := []string{fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port), fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", port), fmt.Sprintf("/ip4/127.0.0.1/udp/%d/webrtc-direct", port)}
	first := startHost(t, loopbackConfig(t, testKey(t, 1), listen...))
	if w := first.ListenWarnings(); len(w) != 0 {
		t.Fatalf("the first host's warnings: %q", w)
	}
	second := startHost(t, loopbackConfig(t, testKey(t, 2), listen...))
	w := second.ListenWarnings()
	if len(w) != 3 {
		t.Fatalf("the second host's warnings: %q, want three saying port %d is in use", w, port)
	}
	for i, l := range listen {
		if !strings.HasPrefix(w[i], "listen address "+l+": ") || !strings.Contains(w[i], fmt.Sprintf("port %d is in use", port)) || !strings.Contains(w[i], "listening on a free port instead") {
			t.Fatalf("the second host's warning %d: %q, want one saying %s's port %d is in use", i, w[i], l, port)
		}
	}
	if n := len(second.Addrs()); n != 3 {
		t.Fatalf("the second host listens on %d addresses, want 3 (TCP, QUIC, WebRTC-direct): %v", n, second.Addrs())
	}
	for _, a := range second.Addrs() {
		if strings.Contains(a, fmt.Sprintf("/%d/", port)) {
			t.Fatalf("the second host listens on the first one's port: %s (all: %v)", a, second.Addrs())
		}
	}
	for _, a := range first.Addrs() {
		if !strings.Contains(a, fmt.Sprintf("/%d/", port)) {
			t.Fatalf("the first host does not own its port: %s", a)
		}
	}
	// Every new connection reaches the host it names.
	for i := range 8 {
		for _, target := range []*Host{first, second} {
			dialer := startHost(t, loopbackConfig(t, testKey(t, byte(10+i))))
			for _, addr := range target.Addrs() {
				ctx := testContext(t, 10*time.Second)
				key, err := dialer.Connect(ctx, addr)
				if err != nil || key != target.self {
					t.Fatalf("dial %d to %s: key %v, err %v; want %v", i, addr, key, err, target.self)
				}
			}
			_ = dialer.Close()
		}
	}
}
