package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Issue 15, item 1: a second node on the same machine, started with the
// same configured ports as the first, listened on them too (libp2p binds
// with SO_REUSEPORT) and the kernel shared new connections between the
// two: 2 of 8 dials failed with "peer id mismatch". Two nodes with the
// same config.toml ports (on loopback here, as tests must) now each listen
// on ports of their own, the second says which it could not have, and a
// fresh node reaches each one by its own id, every time.
func TestTwoNodesWithTheSamePorts(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	config := fmt.Sprintf("listen = [\"/ip4/127.0.0.1/tcp/%d\", \"/ip4/127.0.0.1/udp/%d/quic-v1\"]\n", port, port)
	start := func(name string) *proc {
		home := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(home, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		p := &proc{t: t, name: name, home: home, listen: listenFromConfig}
		p.start()
		t.Cleanup(p.stop)
		return p
	}
	first := start("first")
	second := start("second")
	portPart := fmt.Sprintf("/%d/", port)
	for _, a := range first.Addrs {
		if !strings.Contains(a, portPart) {
			t.Fatalf("the first node does not listen on its configured port %d: %v", port, first.Addrs)
		}
	}
	for _, a := range second.Addrs {
		if strings.Contains(a, portPart) {
			t.Fatalf("the second node listens on the first one's port %d: %v", port, second.Addrs)
		}
	}
	if len(first.Warnings) != 0 {
		t.Fatalf("the first node warns: %q", first.Warnings)
	}
	if len(second.Warnings) != 2 || !slices.ContainsFunc(second.Warnings, func(w string) bool {
		return strings.Contains(w, fmt.Sprintf("port %d is in use", port)) && strings.Contains(w, "listening on a free port instead")
	}) {
		t.Fatalf("the second node's warnings: %q, want the two ports it could not have", second.Warnings)
	}
	// Fresh nodes dial each of them: eight new connections, each to the
	// node its address names.
	for i := range 4 {
		dialer := startNode(t, fmt.Sprintf("dialer %d", i), filepath.Join(t.TempDir(), "dialer"))
		for _, target := range []*proc{first, second} {
			out, err := dialer.try("peer", "add", target.addr())
			if err != nil || !strings.Contains(string(out), target.Device) {
				t.Fatalf("dialer %d: peer add %s: %s %v; want %s", i, target.addr(), out, err, target.Device)
			}
		}
		dialer.stop()
	}
}
