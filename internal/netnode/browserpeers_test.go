package netnode

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBrowserPeer: a peer connected over WebSocket is a browser peer (it
// may take the node's TURN credentials) and its IP is among BrowserIPs;
// a peer connected over TCP is neither, nor a node this host dialled over
// WebSocket.
func TestBrowserPeer(t *testing.T) {
	node := startHost(t, loopbackConfig(t, testKey(t, 1), tcpLoopback, "/ip4/127.0.0.1/tcp/0/ws"))
	var tcpAddr, wsAddr string
	for _, a := range node.Addrs() {
		switch {
		case strings.Contains(a, "/ws/"):
			wsAddr = a
		case strings.Contains(a, "/tcp/"):
			tcpAddr = a
		}
	}
	overTCP := startHost(t, loopbackConfig(t, testKey(t, 2)))
	if _, err := overTCP.Connect(testContext(t, 10*time.Second), tcpAddr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the TCP peer connected", func() bool { return len(node.Peers()) == 1 })
	if node.BrowserPeer(overTCP.Key()) || len(node.BrowserIPs()) != 0 {
		t.Fatalf("a peer on TCP: BrowserPeer %v, BrowserIPs %v", node.BrowserPeer(overTCP.Key()), node.BrowserIPs())
	}
	overWS := startHost(t, loopbackConfig(t, testKey(t, 3)))
	if _, err := overWS.Connect(testContext(t, 10*time.Second), wsAddr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the WebSocket peer connected", func() bool { return len(node.Peers()) == 2 })
	if !node.BrowserPeer(overWS.Key()) || !slices.Equal(node.BrowserIPs(), []netip.Addr{netip.MustParseAddr("127.0.0.1")}) {
		t.Fatalf("a peer on WebSocket: BrowserPeer %v, BrowserIPs %v", node.BrowserPeer(overWS.Key()), node.BrowserIPs())
	}
	if node.BrowserPeer(testKey(t, 4).Public()) {
		t.Fatal("a peer not connected is a browser peer")
	}
	// A node this host dials over WebSocket (a hub at /ws) is not a
	// browser: counting it let a browser aim the TURN relay at the hub.
	hub := startHost(t, loopbackConfig(t, testKey(t, 5), "/ip4/127.0.0.2/tcp/0/ws"))
	var hubWS string
	for _, a := range hub.Addrs() {
		if strings.Contains(a, "/ws/") {
			hubWS = a
		}
	}
	if _, err := node.Connect(testContext(t, 10*time.Second), hubWS); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the hub connected", func() bool { return len(node.Peers()) == 3 })
	if node.BrowserPeer(hub.Key()) || !slices.Equal(node.BrowserIPs(), []netip.Addr{netip.MustParseAddr("127.0.0.1")}) {
		t.Fatalf("a hub this host dialled over WebSocket: BrowserPeer %v, BrowserIPs %v", node.BrowserPeer(hub.Key()), node.BrowserIPs())
	}
}
