package api_test

import (
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// The requests and dropbox endpoints: an empty list, a request that is
// not held, hubs published and read back, a letter to someone whose
// dropbox is not known (with what to do), and bad input.
func TestDropboxEndpoints(t *testing.T) {
	a, b := servingPair(t)
	var rs wire.Requests
	a.call("GET", "/api/v1/requests", nil, &rs)
	if rs.Requests == nil || len(rs.Requests) != 0 {
		t.Fatalf("requests of a new node: %+v", rs)
	}
	a.expectError("GET", "/api/v1/requests/0123456789abcdef", "", 404, wire.CodeNotFound, "no such request")
	a.expectError("POST", "/api/v1/requests/0123456789abcdef/answer", `{"text":"hi"}`, 404, wire.CodeNotFound, "no such request")
	a.expectError("DELETE", "/api/v1/requests/01", "", 404, wire.CodeNotFound, "at least its first 8 digits")

	addr := b.n.Addrs()[0]
	var hs wire.Hubs
	a.call("PUT", "/api/v1/hubs", wire.Hubs{Hubs: []wire.HubAddr{{Addr: addr, Dropbox: true}}}, &hs)
	if len(hs.Hubs) != 1 || hs.Hubs[0].Hub != b.n.Device().String() || !hs.Hubs[0].Dropbox || hs.Hubs[0].Addr == "" {
		t.Fatalf("hubs after PUT: %+v", hs)
	}
	a.call("GET", "/api/v1/hubs?account="+a.n.Account().String(), nil, &hs)
	if len(hs.Hubs) != 1 {
		t.Fatalf("hubs by account: %+v", hs)
	}
	a.expectError("PUT", "/api/v1/hubs", `{"hubs":[{"addr":"/ip4/127.0.0.1/tcp/1","dropbox":true}]}`, 400, wire.CodeBadRequest, "/p2p/")

	// b knows nothing of a's dropbox yet (it does not follow a).
	b.expectError("POST", "/api/v1/letters", `{"to":"`+a.n.Account().String()+`","text":"hello"}`, 409, wire.CodeConflict, "names no dropbox here; follow them")
	b.expectError("POST", "/api/v1/letters", `{"to":"`+a.n.Account().String()+`","text":""}`, 400, wire.CodeBadRequest, "give 1 to 4000")
	b.expectError("POST", "/api/v1/dropbox/collect", `{"hub":"nope"}`, 400, wire.CodeBadRequest, "give the hub's device")
	// b is no hub: collecting from it is refused with the reason.
	a.expectError("POST", "/api/v1/dropbox/collect", `{"hub":"`+b.n.Device().String()+`"}`, 403, wire.CodeHubRefused, "it is not a hub")
}
