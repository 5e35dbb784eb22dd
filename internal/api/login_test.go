package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/webui"
)

// plain sends a request without the bearer token, with the given headers
// (name, value, …; "Host" sets the Host), and does not follow redirects.
func (f *fixture) plain(method, path string, body io.Reader, headers ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.t.Context(), method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := f.srv.Client().Transport.RoundTrip(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, readAll(f.t, resp)
}

func (f *fixture) origin() string { return f.srv.URL } // http://127.0.0.1:PORT

// cookieName is the sign-in cookie's name for the fixture's server:
// kith_token_PORT.
func (f *fixture) cookieName() string {
	_, port, _ := strings.Cut(strings.TrimPrefix(f.srv.URL, "http://"), ":")
	return "kith_token_" + port
}

func TestLoginSetsCookie(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.plain("GET", "/login?token="+f.token, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("status %d, Location %q; want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Header.Values("Set-Cookie")
	want := f.cookieName() + "=" + f.token + "; Path=/; HttpOnly; SameSite=Strict"
	if len(cookies) != 1 || cookies[0] != want {
		t.Errorf("Set-Cookie %q, want exactly %q", cookies, want)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q", resp.Header.Get("Referrer-Policy"))
	}
}

func TestLoginBadToken(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"", "?token=", "?token=wrong", "?token=" + f.token + "x"} {
		resp, b := f.plain("GET", "/login"+q, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%q: status %d, want 401", q, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%q: Content-Type %q", q, ct)
		}
		if len(resp.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%q: a cookie was set", q)
		}
		if !strings.Contains(string(b), "kith serve") || !strings.Contains(string(b), "kith ui") {
			t.Errorf("%q: the page does not say where the link is: %s", q, b)
		}
	}
	resp, b := f.plain("POST", "/login?token="+f.token, nil)
	wantError(t, resp, b, 405, wire.CodeMethodNotAllowed, "use GET, HEAD")
	// The Host is checked on /login too.
	resp, b = f.plain("GET", "/login?token="+f.token, nil, "Host", "evil.example")
	wantError(t, resp, b, 403, wire.CodeHostNotAllowed, "evil.example")
}

func TestCookieAuth(t *testing.T) {
	f := newFixture(t)
	cookie := f.cookieName() + "=" + f.token
	// GET needs no Origin.
	resp, b := f.plain("GET", "/api/v1/identity", nil, "Cookie", cookie)
	if resp.StatusCode != 200 {
		t.Fatalf("GET with the cookie: status %d (%s)", resp.StatusCode, b)
	}
	// A wrong cookie is no token.
	resp, b = f.plain("GET", "/api/v1/identity", nil, "Cookie", f.cookieName()+"=wrong")
	wantError(t, resp, b, 401, wire.CodeUnauthorized, "Web UI link")
	// A Bearer header decides alone: a wrong one is not saved by the cookie.
	resp, b = f.plain("GET", "/api/v1/identity", nil, "Cookie", cookie, "Authorization", "Bearer wrong")
	wantError(t, resp, b, 401, wire.CodeUnauthorized, "Bearer TOKEN")

	post := `{"text":"from the browser"}`
	// A cookie POST without Origin is refused.
	resp, b = f.plain("POST", "/api/v1/posts", strings.NewReader(post), "Cookie", cookie)
	wantError(t, resp, b, 403, wire.CodeCrossOrigin, "must carry the header Origin: http://"+strings.TrimPrefix(f.origin(), "http://"))
	// With another Origin too.
	resp, b = f.plain("POST", "/api/v1/posts", strings.NewReader(post), "Cookie", cookie, "Origin", "http://evil.example")
	wantError(t, resp, b, 403, wire.CodeCrossOrigin, `Origin "http://evil.example"`)
	resp, b = f.plain("DELETE", "/api/v1/follows/acc_x", nil, "Cookie", cookie, "Origin", "null")
	wantError(t, resp, b, 403, wire.CodeCrossOrigin, `Origin "null"`)
	// With its own Origin it goes through.
	resp, b = f.plain("POST", "/api/v1/posts", strings.NewReader(post), "Cookie", cookie, "Origin", f.origin(), "Content-Type", "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("cookie POST with Origin: status %d (%s)", resp.StatusCode, b)
	}
	// A bearer POST needs no Origin (the command line sends none).
	resp, b = f.request("POST", "/api/v1/posts", strings.NewReader(`{"text":"from the cli"}`))
	if resp.StatusCode != 200 {
		t.Fatalf("bearer POST without Origin: status %d (%s)", resp.StatusCode, b)
	}
	var page wire.EntryPage
	f.call("GET", "/api/v1/entries", nil, &page)
	if len(page.Entries) != 3 { // the certificate and the two accepted posts
		t.Errorf("%d entries, want 3", len(page.Entries))
	}
}

func TestUIFiles(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/index.html"} {
		resp, b := f.plain("GET", path, nil)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s without a token: status %d (%s)", path, resp.StatusCode, b)
			continue
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: Content-Type %q", path, resp.Header.Get("Content-Type"))
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != webui.ContentSecurityPolicy {
			t.Errorf("GET %s: Content-Security-Policy %q, want %q", path, got, webui.ContentSecurityPolicy)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", path)
		}
	}
	resp, _ := f.plain("HEAD", "/", nil)
	if resp.StatusCode != 200 {
		t.Errorf("HEAD /: status %d", resp.StatusCode)
	}
	// The Host check holds for the UI's files (DNS rebinding).
	resp, b := f.plain("GET", "/", nil, "Host", "evil.example:7690")
	wantError(t, resp, b, 403, wire.CodeHostNotAllowed, "evil.example")
	// Only GET and HEAD.
	resp, b = f.plain("POST", "/", strings.NewReader("x"))
	wantError(t, resp, b, 405, wire.CodeMethodNotAllowed, "a file of the web UI; use GET, HEAD")
	// Unknown /api/ paths stay JSON 404s, and need the token.
	resp, b = f.plain("GET", "/api/v1/nothing", nil)
	wantError(t, resp, b, 401, wire.CodeUnauthorized, "Bearer")
	f.expectError("GET", "/api/v1/nothing", "", 404, wire.CodeNotFound, "no endpoint GET /api/v1/nothing")
}
