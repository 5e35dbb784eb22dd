package api_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
)

// TestNetworkNotServing checks the network endpoints of a node that does
// not run its network: each is a 409 not_serving, after its input checks.
func TestNetworkNotServing(t *testing.T) {
	f := newFixture(t)
	const msg = "the node's network is not running: start it with 'kith serve'"
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/peers", ""},
		{"POST", "/api/v1/peers", `{"addr":"/ip4/127.0.0.1/tcp/7696/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"}`},
		{"POST", "/api/v1/invites", `{"ttl_seconds":3600}`},
		{"POST", "/api/v1/invites", `{}`},
		{"POST", "/api/v1/invites", ``},
		{"POST", "/api/v1/join", `{"code":"kith1-whatever"}`},
	} {
		f.expectError(c.method, c.path, c.body, 409, wire.CodeNotServing, msg)
	}
	// Status answers without the network: what the node holds.
	var st wire.Status
	f.call("GET", "/api/v1/status", nil, &st)
	if st.Serving || st.Logs != 1 || st.Entries != 1 || st.Peers != 0 || st.Addrs == nil || len(st.Addrs) != 0 || st.Strangers != nil {
		t.Fatalf("status of a node not serving: %+v", st)
	}
	for _, c := range []struct{ method, path, body, want string }{
		{"POST", "/api/v1/peers", `{}`, "addr is missing: give a multiaddr ending in /p2p/PEER_ID"},
		{"POST", "/api/v1/peers", `{"addr":"` + strings.Repeat("/", 1025) + `"}`, "addr is 1025 bytes long, more than 1024"},
		{"POST", "/api/v1/peers", ``, "the body is empty"},
		{"POST", "/api/v1/invites", `{"ttl_seconds":59}`, "ttl_seconds 59 is not between 60 (1 minute) and 2592000 (30 days)"},
		{"POST", "/api/v1/invites", `{"ttl_seconds":2592001}`, "ttl_seconds 2592001 is not between"},
		{"POST", "/api/v1/invites", `{"ttl_seconds":-5}`, "ttl_seconds -5 is not between"},
		{"POST", "/api/v1/invites", `{"ttl":60}`, `unknown field "ttl"`},
		{"POST", "/api/v1/join", `{"code":"  "}`, "code is missing"},
		{"POST", "/api/v1/join", `{"code":"` + strings.Repeat("k", 4097) + `"}`, "code is 4097 bytes long, more than 4096"},
	} {
		f.expectError(c.method, c.path, c.body, 400, wire.CodeBadRequest, c.want)
	}
}

// servingPair returns fixtures over two nodes serving on one in-process
// mock network.
func servingPair(t *testing.T) (*fixture, *fixture) {
	t.Helper()
	mn := netnode.NewMockNet()
	t.Cleanup(func() { mn.Close() })
	var out []*fixture
	for i := 0; i < 2; i++ {
		f := newFixture(t)
		off := false
		cfg := node.DefaultConfig()
		cfg.MDNS, cfg.DHT = &off, &off
		if err := f.n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg, Mock: mn}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.n.StopNetwork() })
		out = append(out, f)
	}
	return out[0], out[1]
}

// TestNetworkServing checks the network endpoints of serving nodes: a
// join through the API, and the error codes of what goes wrong.
func TestNetworkServing(t *testing.T) {
	a, b := servingPair(t)
	var inv wire.Invite
	a.call("POST", "/api/v1/invites", wire.InviteRequest{TTLSeconds: 3600}, &inv)
	if inv.Account != a.n.Account().String() || !strings.HasPrefix(inv.Code, "KITH1:") {
		t.Fatalf("invite: %+v", inv)
	}
	var joined wire.JoinResult
	b.call("POST", "/api/v1/join", wire.JoinRequest{Code: inv.Code}, &joined)
	if !joined.Mutual || joined.Account != a.n.Account().String() || joined.FollowID == "" {
		t.Fatalf("join: %+v", joined)
	}
	var peers wire.PeerList
	b.call("GET", "/api/v1/peers", nil, &peers)
	if len(peers.Peers) != 1 || peers.Peers[0].Device != a.n.Device().String() {
		t.Fatalf("peers: %+v", peers)
	}
	// A serving node reports its guards against strangers.
	var st wire.Status
	a.call("GET", "/api/v1/status", nil, &st)
	if g := st.Strangers; g == nil || g.Sessions.Rate != node.DefaultStrangerWork || g.Sessions.MaxWaiting != 64 || g.Requests.Rate != node.DefaultStrangerWork || g.CertificatesLimit != node.MaxStrangerCerts {
		t.Fatalf("status of a serving node: strangers %+v", st.Strangers)
	}
	// The code is single-use.
	b.expectError("POST", "/api/v1/join", `{"code":"`+inv.Code+`"}`, 403, wire.CodeInviteRefused, "unknown or already used invite")
	// One's own code.
	var own wire.Invite
	b.call("POST", "/api/v1/invites", wire.InviteRequest{}, &own)
	b.expectError("POST", "/api/v1/join", `{"code":"`+own.Code+`"}`, 400, wire.CodeBadRequest, "made by your own account")
	b.expectError("POST", "/api/v1/join", `{"code":"KITH1:AAAA"}`, 400, wire.CodeBadRequest, "not a valid invite code")
	b.expectError("POST", "/api/v1/peers", `{"addr":"/ip4/127.0.0.1/tcp/1"}`, 400, wire.CodeBadRequest, "does not name its peer")
	// A well-formed address of a peer that is not there.
	nobody, _ := identity.GenerateKey(nil)
	id, err := netnode.PeerIDOf(nobody.Public())
	if err != nil {
		t.Fatal(err)
	}
	b.expectError("POST", "/api/v1/peers", `{"addr":"/ip4/127.0.0.1/tcp/9/p2p/`+id+`"}`, 502, wire.CodeUnreachable, "cannot be reached")
}
