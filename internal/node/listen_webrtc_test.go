package node_test

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/node"
)

// freeP2PPort returns a port free for TCP on both 0.0.0.0 and :: and for
// UDP on 0.0.0.0 and ::, as the default set's p2p port must be (TCP, QUIC
// and WebRTC-direct share it).
func freeP2PPort(t *testing.T) int {
	t.Helper()
	for range 20 {
		p := freeTCPPort(t)
		c4, err4 := net.ListenPacket("udp4", net.JoinHostPort("0.0.0.0", strconv.Itoa(p)))
		if err4 == nil {
			c4.Close()
		}
		c6, err6 := net.ListenPacket("udp6", net.JoinHostPort("::", strconv.Itoa(p)))
		if err6 == nil {
			c6.Close()
		}
		if err4 == nil && err6 == nil {
			return p
		}
	}
	t.Fatal("no port free for both TCP and UDP in 20 tries")
	return 0
}

// defaultListenOn returns the default listen set with its two ports moved
// to p2p and ws.
func defaultListenOn(p2p, ws int) []string {
	var listen []string
	for _, a := range node.DefaultConfig().Listen {
		parts := strings.Split(a, "/")
		for i, part := range parts {
			switch part {
			case strconv.Itoa(node.DefaultP2PPort):
				parts[i] = strconv.Itoa(p2p)
			case strconv.Itoa(node.DefaultWSPort):
				parts[i] = strconv.Itoa(ws)
			}
		}
		listen = append(listen, strings.Join(parts, "/"))
	}
	return listen
}

// TestDefaultListenHasWebRTCDirect starts a host on the default listen set
// (ports moved to free ones) and dials it over WebRTC-direct, as a browser
// does, and over QUIC on the same UDP port: before, the defaults had no
// WebRTC-direct address, so a browser could not dial a node without a
// certificate authority unless its user had added one by hand.
func TestDefaultListenHasWebRTCDirect(t *testing.T) {
	p2p := freeP2PPort(t)
	server := startNetHost(t, 1, defaultListenOn(p2p, freeTCPPort(t)))
	rtc := regexp.MustCompile(fmt.Sprintf(`^/ip4/127\.0\.0\.1/udp/%d/webrtc-direct/certhash/[A-Za-z0-9_-]+/p2p/%s$`, p2p, server.PeerID()))
	quic := fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1/p2p/%s", p2p, server.PeerID())
	var rtcAddr string
	hasQUIC := false
	for _, a := range server.Addrs() {
		if rtc.MatchString(a) {
			rtcAddr = a
		}
		hasQUIC = hasQUIC || a == quic
	}
	if rtcAddr == "" || !hasQUIC {
		t.Fatalf("the host on the default listen set has addresses %v: want a WebRTC-direct address with a certhash and QUIC, both on UDP port %d", server.Addrs(), p2p)
	}
	for _, tc := range []struct {
		name, addr, transport string
		seed                  byte
	}{
		{"webrtc-direct", rtcAddr, "webrtc-direct", 2},
		{"quic on the same port", quic, "quic", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := startNetHost(t, tc.seed, []string{"/ip4/127.0.0.1/tcp/0"})
			if _, err := client.Connect(t.Context(), tc.addr); err != nil {
				t.Fatalf("dialling %s: %v", tc.addr, err)
			}
			peers := client.Peers()
			if len(peers) != 1 || peers[0].Transport != tc.transport {
				t.Fatalf("client's peers %+v: want the server over %s", peers, tc.transport)
			}
		})
	}
}
