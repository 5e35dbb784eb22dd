package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// ErrNoNode means that no node answers on a home: the endpoint file is
// missing, unreadable, or names a node that does not answer (or does not
// take its token). The command line then opens the home itself.
var ErrNoNode = errors.New("no node is running")

// HealthTimeout bounds the check FromHome makes.
const HealthTimeout = 2 * time.Second

// maxErrorBody and maxJSONBody bound the answers the client reads.
const (
	maxErrorBody = 64 << 10
	maxJSONBody  = 64 << 20
)

// Client is a connection to one node's API.
type Client struct {
	base  string // http://ADDRESS:PORT, no trailing slash
	token string
	pid   int
	hc    *http.Client
}

// New returns a client of the API an endpoint names. It checks the
// endpoint (wire.Endpoint.Check) but does not contact the node.
func New(e wire.Endpoint) (*Client, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:               nil, // never through a proxy: the node is on this machine
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
	return &Client{
		base:  strings.TrimSuffix(e.URL, "/"),
		token: e.Token,
		pid:   e.PID,
		hc:    &http.Client{Transport: tr},
	}, nil
}

// FromHome returns a client of the node running on home. It reads the
// endpoint file and asks the node for its health, waiting at most
// HealthTimeout; it returns an error matching ErrNoNode, saying why, when
// there is no file or no node answers as the file says.
func FromHome(home string) (*Client, error) {
	e, err := wire.ReadEndpoint(home)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w on %s: it has no %s", ErrNoNode, home, wire.EndpointFile)
	}
	if err != nil {
		return nil, fmt.Errorf("%w on %s: %v", ErrNoNode, home, err)
	}
	c, err := New(e)
	if err != nil {
		return nil, fmt.Errorf("%w on %s: %v", ErrNoNode, home, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), HealthTimeout)
	defer cancel()
	h, err := c.Health(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w on %s: %s names %s, which does not answer as a node: %v", ErrNoNode, home, wire.EndpointFile, c.base, err)
	}
	if !h.OK || h.PID != e.PID {
		return nil, fmt.Errorf("%w on %s: %s names process %d, but the node at %s is process %d", ErrNoNode, home, wire.EndpointFile, e.PID, c.base, h.PID)
	}
	return c, nil
}

// URL returns the API's base URL.
func (c *Client) URL() string { return c.base }

// PID returns the node's process id, as the endpoint file gives it.
func (c *Client) PID() int { return c.pid }

// request makes a request of the API; path starts with /api/v1/.
func (c *Client) request(ctx context.Context, method, path string, query url.Values, body io.Reader) (*http.Request, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	return req, nil
}

// do sends a request and returns the answer when its status is want; any
// other answer is read as an API error and closed.
func (c *Client) do(req *http.Request, want int) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("the node at %s did not answer %s %s: %w", c.base, req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != want {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, decodeError(resp.StatusCode, b)
	}
	return resp, nil
}

// call sends in (nil: no body) as JSON and decodes the answer into out.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := c.request(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.do(req, http.StatusOK)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeJSON(resp.Body, out, fmt.Sprintf("the answer to %s %s", method, path))
}

// decodeJSON decodes one JSON answer of at most maxJSONBody bytes. Numbers
// in untyped values (entry payloads) stay exactly as sent.
func decodeJSON(r io.Reader, out any, what string) error {
	dec := json.NewDecoder(io.LimitReader(r, maxJSONBody))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s is not the JSON expected: %v", what, err)
	}
	return nil
}

// decodeError reads an error answer: the API's {"error":{...}}, or, from
// something that is not the API, an error quoting what came.
func decodeError(status int, body []byte) *wire.Error {
	var eb wire.ErrorBody
	if err := json.Unmarshal(body, &eb); err == nil && eb.Error != nil && eb.Error.Code != "" {
		return eb.Error
	}
	snippet := strings.TrimSpace(string(body))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "…"
	}
	return &wire.Error{Code: wire.CodeFailed, Message: fmt.Sprintf("the node answered %d %s: %q", status, http.StatusText(status), snippet)}
}

// Health asks the node whether it is up.
func (c *Client) Health(ctx context.Context) (wire.Health, error) {
	var h wire.Health
	err := c.call(ctx, http.MethodGet, "/api/v1/health", nil, nil, &h)
	return h, err
}
