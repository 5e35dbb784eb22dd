package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/node"
)

// The page a node serves at /peer/ finds that node at /peer/node.json,
// without the token: its account and the addresses a browser dials
// (WebSocket, WebRTC-direct), none while the network is stopped; the API
// stays behind the token.
func TestPeerNodeFile(t *testing.T) {
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>peer</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(n, api.Options{Token: token, PeerDir: dir}).Handler())
	t.Cleanup(srv.Close)
	get := func() api.PeerNode {
		t.Helper()
		resp, err := http.Get(srv.URL + "/peer/node.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET /peer/node.json: %s, %q, %q", resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
		}
		var p api.PeerNode
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := get(); p.Account != n.Account().String() || p.Addrs == nil || len(p.Addrs) != 0 {
		t.Fatalf("network stopped: %+v, want the account and no addresses", p)
	}
	// The page connects by itself: no other origin may frame it.
	page, err := http.Get(srv.URL + "/peer/")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("the page's Content-Security-Policy %q lets other origins frame it", csp)
	}
	off := false
	cfg := node.DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Listen = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws", "/ip4/127.0.0.1/udp/0/webrtc-direct", "/ip4/127.0.0.1/udp/0/quic-v1"}
	if err := n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.StopNetwork() })
	p := get()
	ws := regexp.MustCompile(`^/ip4/127\.0\.0\.1/tcp/\d+/ws/p2p/12D3KooW\w+$`)
	rtc := regexp.MustCompile(`^/ip4/127\.0\.0\.1/udp/\d+/webrtc-direct/certhash/[\w-]+/p2p/12D3KooW\w+$`)
	if len(p.Addrs) != 2 || !ws.MatchString(p.Addrs[0]) && !ws.MatchString(p.Addrs[1]) || !rtc.MatchString(p.Addrs[0]) && !rtc.MatchString(p.Addrs[1]) {
		t.Fatalf("network running: addrs %q, want its WebSocket and WebRTC-direct addresses only (all: %q)", p.Addrs, n.Addrs())
	}
	// Only GET and HEAD; the API itself still wants the token.
	resp, err := http.Post(srv.URL+"/peer/node.json", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /peer/node.json: %s", resp.Status)
	}
	resp, err = http.Get(srv.URL + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/status without the token: %s", resp.Status)
	}
}
