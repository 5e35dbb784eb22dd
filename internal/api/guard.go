package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
)

// guard refuses, in this order, a request whose Host is not a loopback
// name or address (403 host_not_allowed: a web page that rebinds its DNS
// name to 127.0.0.1 still sends its own name), one from another origin
// (403 cross_origin), and one without the token (401 unauthorized).
type guard struct {
	tokenHash [sha256.Size]byte
	next      http.Handler
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopbackHost(r.Host) {
		writeError(w, apiError(wire.CodeHostNotAllowed, "the Host %q is not this machine's loopback (localhost, 127.0.0.1 or [::1]); the API answers only local requests", shortText(r.Host)))
		return
	}
	if why := crossOrigin(r); why != "" {
		writeError(w, apiError(wire.CodeCrossOrigin, "cross-origin requests are refused: %s", why))
		return
	}
	if !g.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kith"`)
		writeError(w, apiError(wire.CodeUnauthorized, "send the node's API token as 'Authorization: Bearer TOKEN' (it is in the home's %s)", wire.EndpointFile))
		return
	}
	g.next.ServeHTTP(w, r)
}

// authorized reports whether the request carries the token. The compare
// is of hashes, in constant time, so neither the token's bytes nor its
// length show in the timing.
func (g *guard) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], g.tokenHash[:]) == 1
}

// loopbackHost reports whether a Host header names this machine's
// loopback: localhost (any case), an address in 127.0.0.0/8, or ::1, with
// or without a port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, port, err := net.SplitHostPort(hostport); err == nil {
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return false
		}
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Zone() == "" && a.Unmap().IsLoopback()
}

// crossOrigin says why a request comes from another origin, or "" when it
// does not: its Origin header, when there is one, must be this server's
// own origin (http:// and the request's Host), and its Sec-Fetch-Site,
// when there is one, must be same-origin or none (typed by the user).
func crossOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" && !strings.EqualFold(o, "http://"+r.Host) {
		return fmt.Sprintf("Origin %q is not http://%s", shortText(o), shortText(r.Host))
	}
	switch s := r.Header.Get("Sec-Fetch-Site"); s {
	case "", "same-origin", "none":
	default:
		return fmt.Sprintf("Sec-Fetch-Site is %q", shortText(s))
	}
	return ""
}
