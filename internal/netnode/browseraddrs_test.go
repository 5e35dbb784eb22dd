package netnode

import (
	"slices"
	"testing"
)

func TestBrowserAddrs(t *testing.T) {
	const id = "/p2p/12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5"
	in := []string{
		"/ip4/127.0.0.1/tcp/7696" + id,
		"/ip4/127.0.0.1/udp/7696/quic-v1" + id,
		"/ip4/127.0.0.1/tcp/7697/ws" + id,
		"/ip6/::1/tcp/7697/ws" + id,
		"/ip4/127.0.0.1/tcp/443/tls/sni/example.test/ws" + id,
		"/dns4/hub.example.test/tcp/443/wss" + id,
		"/ip4/127.0.0.1/udp/7696/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g" + id,
		"/ip4/127.0.0.1/tcp/7696" + id + "/p2p-circuit/ws",
		"not a multiaddr",
	}
	want := []string{in[2], in[3], in[4], in[5], in[6]}
	if got := BrowserAddrs(in); !slices.Equal(got, want) {
		t.Fatalf("BrowserAddrs:\n got  %q\n want %q", got, want)
	}
	if got := BrowserAddrs(nil); got == nil || len(got) != 0 {
		t.Fatalf("BrowserAddrs(nil) = %#v, want an empty list", got)
	}
}
