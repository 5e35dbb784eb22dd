package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
)

// EndpointFile is the name of the endpoint file in a home: a running node
// writes it (mode 0600) and removes it when it stops; clients read it to
// find the node's API.
const EndpointFile = "api.json"

// MaxEndpointFile bounds the size of an endpoint file, in bytes.
const MaxEndpointFile = 4096

// MaxTokenLen bounds the length of an API token, in bytes.
const MaxTokenLen = 256

// Endpoint is the content of the endpoint file:
//
//	{"url":"http://127.0.0.1:PORT","token":"…","pid":N}
type Endpoint struct {
	URL   string `json:"url"`   // http:// and a loopback IP address with a port
	Token string `json:"token"` // the bearer token
	PID   int    `json:"pid"`   // the node's process id
}

// EndpointPath returns the path of the endpoint file of home.
func EndpointPath(home string) string { return filepath.Join(home, EndpointFile) }

// ReadEndpoint reads and checks the endpoint file of home. A missing file
// gives an error matching fs.ErrNotExist.
func ReadEndpoint(home string) (Endpoint, error) {
	path := EndpointPath(home)
	f, err := os.Open(path)
	if err != nil {
		return Endpoint{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxEndpointFile+1))
	if err != nil {
		return Endpoint{}, fmt.Errorf("read %s: %w", path, err)
	}
	e, err := ParseEndpoint(b)
	if err != nil {
		return Endpoint{}, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// ParseEndpoint decodes and checks the bytes of an endpoint file: one JSON
// object with exactly the fields of Endpoint, a URL that is http:// with a
// loopback IP address and a port and nothing else, a token of 1 to
// MaxTokenLen visible ASCII characters, a positive pid.
func ParseEndpoint(b []byte) (Endpoint, error) {
	if len(b) > MaxEndpointFile {
		return Endpoint{}, fmt.Errorf("endpoint file is larger than %d bytes", MaxEndpointFile)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var e Endpoint
	if err := dec.Decode(&e); err != nil {
		return Endpoint{}, fmt.Errorf("endpoint file is not the expected JSON object: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Endpoint{}, errors.New("endpoint file has data after its JSON object")
	}
	if err := e.Check(); err != nil {
		return Endpoint{}, err
	}
	return e, nil
}

// Check reports what is wrong with e, if anything (see ParseEndpoint).
func (e Endpoint) Check() error {
	if err := CheckBaseURL(e.URL); err != nil {
		return err
	}
	if err := CheckToken(e.Token); err != nil {
		return err
	}
	if e.PID <= 0 {
		return fmt.Errorf("endpoint pid %d is not a process id", e.PID)
	}
	return nil
}

// CheckToken reports whether a token can be sent in an Authorization
// header: 1 to MaxTokenLen visible ASCII characters.
func CheckToken(token string) error {
	if token == "" {
		return errors.New("the API token is empty")
	}
	if len(token) > MaxTokenLen {
		return fmt.Errorf("the API token is %d bytes long, more than %d", len(token), MaxTokenLen)
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("the API token has a character that is not visible ASCII at byte %d", i+1)
		}
	}
	return nil
}

// CheckBaseURL reports whether u can be the URL of a node's API: http://,
// a loopback IP address (127.0.0.0/8 or [::1]) and a port, and no path
// beyond "/", query, fragment or user. Only an IP address is accepted, so
// that a client never sends its token to whatever a name resolves to.
func CheckBaseURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("API url %q: %v", u, err)
	}
	if p.Scheme != "http" {
		return fmt.Errorf("API url %q: the scheme is not http", u)
	}
	if p.User != nil || p.RawQuery != "" || p.Fragment != "" || p.Opaque != "" || (p.Path != "" && p.Path != "/") {
		return fmt.Errorf("API url %q: only http://ADDRESS:PORT is allowed", u)
	}
	host, port, err := net.SplitHostPort(p.Host)
	if err != nil {
		return fmt.Errorf("API url %q: %v", u, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("API url %q: port %q is not a port number", u, port)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" || !a.Unmap().IsLoopback() {
		return fmt.Errorf("API url %q: %q is not a loopback IP address", u, host)
	}
	return nil
}
