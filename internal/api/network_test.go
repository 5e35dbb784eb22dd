package api_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestNetworkNotServing checks the network endpoints of a node that does
// not run its network: each is a 409 not_serving, after its input checks.
func TestNetworkNotServing(t *testing.T) {
	f := newFixture(t)
	const msg = "the node's network is not running: start it with 'kith serve'"
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/peers", ""},
		{"POST", "/api/v1/peers", `{"addr":"/ip4/127.0.0.1/tcp/7696/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"}`},
		{"GET", "/api/v1/status", ""},
		{"POST", "/api/v1/invites", `{"ttl_seconds":3600}`},
		{"POST", "/api/v1/invites", `{}`},
		{"POST", "/api/v1/invites", ``},
		{"POST", "/api/v1/join", `{"code":"kith1-whatever"}`},
	} {
		f.expectError(c.method, c.path, c.body, 409, wire.CodeNotServing, msg)
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
