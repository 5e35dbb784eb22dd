package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// fixture is an API server over a node opened in a temporary home.
type fixture struct {
	t     *testing.T
	n     *node.Node
	srv   *httptest.Server
	token string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, node.Options{})
}

func newFixtureWith(t *testing.T, o node.Options) *fixture {
	t.Helper()
	n, _, err := node.Init(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return serveNode(t, n)
}

func serveNode(t *testing.T, n *node.Node) *fixture {
	t.Helper()
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(n, api.Options{Token: token}).Handler())
	t.Cleanup(srv.Close)
	return &fixture{t: t, n: n, srv: srv, token: token}
}

// request sends a request with the token and the given headers (name,
// value, name, value …) and returns the answer with its body read.
func (f *fixture) request(method, path string, body io.Reader, headers ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.t.Context(), method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp, b
}

// call sends in as JSON (nil: no body) and decodes a 200 answer into out.
func (f *fixture) call(method, path string, in, out any) {
	f.t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			f.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	resp, b := f.request(method, path, body)
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("%s %s: status %d, body %s", method, path, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// wantError checks that an answer is exactly the JSON error with status,
// code, and a message containing inMessage.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, code, inMessage string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var top map[string]map[string]string
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("body %s is not a JSON error: %v", body, err)
	}
	e, ok := top["error"]
	if len(top) != 1 || !ok || len(e) != 2 {
		t.Fatalf("body %s: want exactly {\"error\":{\"code\",\"message\"}}", body)
	}
	if e["code"] != code {
		t.Errorf("code %q, want %q (message %q)", e["code"], code, e["message"])
	}
	if !strings.Contains(e["message"], inMessage) {
		t.Errorf("message %q does not contain %q", e["message"], inMessage)
	}
	if wire.HTTPStatus(code) != status {
		t.Errorf("wire.HTTPStatus(%q) = %d, but the answer's status is %d", code, wire.HTTPStatus(code), status)
	}
}

// expectError sends a request and checks its error answer.
func (f *fixture) expectError(method, path, body string, status int, code, inMessage string, headers ...string) {
	f.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	resp, b := f.request(method, path, r, headers...)
	wantError(f.t, resp, b, status, code, inMessage)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func itoa(n int) string { return strconv.Itoa(n) }

// picture returns a 1×1 GIF followed by label, a picture that posts and
// profiles take (distinct labels make distinct blobs).
func picture(label string) []byte {
	return append([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"), label...)
}
