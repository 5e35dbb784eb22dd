package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
)

func TestHostCheck(t *testing.T) {
	f := newFixture(t)
	for _, host := range []string{"localhost", "LocalHost:7690", "127.0.0.1", "127.0.0.1:80", "127.1.2.3:9", "[::1]:7690", "[::1]", "[::ffff:127.0.0.1]:1"} {
		resp, b := f.request("GET", "/api/v1/health", nil, "Host", host)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("Host %q: status %d (%s), want 200", host, resp.StatusCode, b)
		}
	}
	for _, host := range []string{"evil.example", "evil.example:7690", "localhost.evil.example", "192.168.1.2:7690", "0.0.0.0:7690", "[::]:7690", "[fe80::1%25lo]:1", "127.0.0.1:x", "127.0.0.1:"} {
		resp, b := f.request("GET", "/api/v1/health", nil, "Host", host)
		wantError(t, resp, b, 403, wire.CodeHostNotAllowed, "is not this machine's loopback")
	}
	// The Host is checked before the token: a rebinding page learns nothing.
	resp, b := f.request("GET", "/api/v1/health", nil, "Host", "evil.example", "Authorization", "Bearer wrong")
	wantError(t, resp, b, 403, wire.CodeHostNotAllowed, `"evil.example"`)
}

func TestOriginCheck(t *testing.T) {
	f := newFixture(t)
	own := "http://" + strings.TrimPrefix(f.srv.URL, "http://")
	for _, h := range [][]string{
		{"Origin", own},
		{"Origin", strings.ToUpper(own)},
		{"Sec-Fetch-Site", "same-origin"},
		{"Sec-Fetch-Site", "none"},
	} {
		resp, b := f.request("GET", "/api/v1/health", nil, h...)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %s: status %d (%s), want 200", h[0], h[1], resp.StatusCode, b)
		}
	}
	for _, c := range []struct{ name, value, msg string }{
		{"Origin", "http://evil.example", `Origin "http://evil.example" is not ` + own},
		{"Origin", "null", `Origin "null"`},
		{"Origin", "https://" + strings.TrimPrefix(f.srv.URL, "http://"), "is not " + own},
		{"Sec-Fetch-Site", "cross-site", `Sec-Fetch-Site is "cross-site"`},
		{"Sec-Fetch-Site", "same-site", `Sec-Fetch-Site is "same-site"`},
	} {
		for _, method := range []string{"GET", "POST"} {
			resp, b := f.request(method, "/api/v1/posts", strings.NewReader(`{"text":"csrf"}`), c.name, c.value)
			wantError(t, resp, b, 403, wire.CodeCrossOrigin, c.msg)
		}
	}
	// Nothing was posted by those.
	var page wire.EntryPage
	f.call("GET", "/api/v1/entries", nil, &page)
	if len(page.Entries) != 1 || *page.Entries[0].Type != "device.add" {
		t.Errorf("entries after refused cross-origin posts: %+v", page.Entries)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Basic " + f.token, f.token, "Bearer " + f.token + "x", "Bearer " + f.token[:63]} {
		req, err := http.NewRequest("GET", f.srv.URL+"/api/v1/identity", nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b := readAll(t, resp)
		wantError(t, resp, b, 401, wire.CodeUnauthorized, "Authorization: Bearer TOKEN")
		if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer realm="kith"` {
			t.Errorf("WWW-Authenticate %q", got)
		}
	}
	// The scheme is case-insensitive.
	resp, b := f.request("GET", "/api/v1/identity", nil, "Authorization", "bearer "+f.token)
	if resp.StatusCode != 200 {
		t.Errorf("lower-case bearer: status %d (%s)", resp.StatusCode, b)
	}
	// Every answer says not to cache or sniff it.
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", resp.Header)
	}
}

func TestNewPanicsWithoutToken(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "the API token is empty") {
			t.Errorf("recover() = %v, want a panic about the empty token", r)
		}
	}()
	api.New(nil, api.Options{})
}

func TestUnknownEndpointAndMethod(t *testing.T) {
	f := newFixture(t)
	f.expectError("GET", "/api/v1/nothing", "", 404, wire.CodeNotFound, "no endpoint GET /api/v1/nothing")
	f.expectError("GET", "/api", "", 404, wire.CodeNotFound, "no endpoint GET /api")
	f.expectError("GET", "/api/", "", 404, wire.CodeNotFound, "no endpoint GET /api/")
	f.expectError("GET", "/api/v2/identity", "", 404, wire.CodeNotFound, "see doc/api.md")
	resp, b := f.request("DELETE", "/api/v1/identity", nil)
	wantError(t, resp, b, 405, wire.CodeMethodNotAllowed, "DELETE is not allowed on /api/v1/identity; use GET, HEAD")
	if resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow %q", resp.Header.Get("Allow"))
	}
	resp, b = f.request("POST", "/api/v1/follows/x", nil)
	wantError(t, resp, b, 405, wire.CodeMethodNotAllowed, "use PUT, DELETE")
	if resp.Header.Get("Allow") != "PUT, DELETE" {
		t.Errorf("Allow %q", resp.Header.Get("Allow"))
	}
	// Unknown query parameters are refused, not ignored.
	f.expectError("GET", "/api/v1/identity?verbose=1", "", 400, wire.CodeBadRequest, `unknown query parameter "verbose": this endpoint takes none`)
	f.expectError("GET", "/api/v1/entries?autor=x", "", 400, wire.CodeBadRequest, `unknown query parameter "autor": this endpoint takes author, cursor, limit`)
	f.expectError("GET", "/api/v1/entries?limit=1&limit=2", "", 400, wire.CodeBadRequest, `query parameter "limit" is given 2 times`)
	f.expectError("GET", "/api/v1/entries?limit=%zz", "", 400, wire.CodeBadRequest, "the query string is malformed")
}
