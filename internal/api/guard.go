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

// CookieName is the name of the cookie that /login sets and that
// authenticates the web UI's requests like the bearer token, for a server
// reached at host (the request's Host): kith_token_PORT. Browsers keep one
// cookie jar per host name whatever the port, so two nodes on one machine
// (127.0.0.1:7690 and 127.0.0.1:7691) need cookies of their own, or signing
// in to one would sign the browser out of the other.
func CookieName(host string) string {
	if _, port, err := net.SplitHostPort(host); err == nil && port != "" {
		return "kith_token_" + port
	}
	return "kith_token"
}

// guard checks every request. The Host must be a loopback name or address
// on every path (403 host_not_allowed: a web page that rebinds its DNS
// name to 127.0.0.1 still sends its own name). Then:
//
//   - under /api/: a request from another origin is refused (403
//     cross_origin), one without the token, as a bearer token or the
//     kith_token_PORT cookie, too (401 unauthorized), and one authenticated by
//     the cookie whose method is not GET or HEAD must carry an Origin
//     header naming this server (403 cross_origin), so that no other page
//     can make the browser send it;
//   - /login signs the browser in (login.go);
//   - every other path is the web UI's files, served without the token.
type guard struct {
	tokenHash [sha256.Size]byte
	api       http.HandlerFunc
	login     http.Handler
	ui        http.Handler
	peer      http.Handler // nil: no browser peer served
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopbackHost(r.Host) {
		writeError(w, apiError(wire.CodeHostNotAllowed, "the Host %q is not this machine's loopback (localhost, 127.0.0.1 or [::1]); the API answers only local requests", shortText(r.Host)))
		return
	}
	switch p := r.URL.Path; {
	case p == "/api" || strings.HasPrefix(p, "/api/"):
	case p == loginPath:
		g.login.ServeHTTP(w, r)
		return
	case g.peer != nil && (p == "/peer" || strings.HasPrefix(p, "/peer/")):
		g.peer.ServeHTTP(w, r)
		return
	default:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, apiError(wire.CodeMethodNotAllowed, "%s is not allowed on %s, a file of the web UI; use GET, HEAD", r.Method, shortText(p)))
			return
		}
		g.ui.ServeHTTP(w, r)
		return
	}
	if why := crossOrigin(r); why != "" {
		writeError(w, apiError(wire.CodeCrossOrigin, "cross-origin requests are refused: %s", why))
		return
	}
	switch g.authorized(r) {
	case byBearer:
	case byCookie:
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("Origin") == "" {
			writeError(w, apiError(wire.CodeCrossOrigin, "a %s request signed in by the %s cookie must carry the header Origin: http://%s (browsers send it; other clients use 'Authorization: Bearer TOKEN')", r.Method, CookieName(r.Host), shortText(r.Host)))
			return
		}
	default:
		w.Header().Set("WWW-Authenticate", `Bearer realm="kith"`)
		writeError(w, apiError(wire.CodeUnauthorized, "send the node's API token as 'Authorization: Bearer TOKEN' (it is in the home's %s), or sign the browser in with the Web UI link 'kith serve' printed ('kith ui' prints it again)", wire.EndpointFile))
		return
	}
	g.api(w, r)
}

// How a request is authenticated.
const (
	unauthenticated = iota
	byBearer
	byCookie
)

// authorized says how the request carries the token: in the Authorization
// header (which, when present, decides alone) or in the kith_token_PORT cookie.
// The compare is of hashes, in constant time, so neither the token's bytes
// nor its length show in the timing.
func (g *guard) authorized(r *http.Request) int {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") && g.isToken(strings.TrimSpace(token)) {
			return byBearer
		}
		return unauthenticated
	}
	if c, err := r.Cookie(CookieName(r.Host)); err == nil && g.isToken(c.Value) {
		return byCookie
	}
	return unauthenticated
}

func (g *guard) isToken(token string) bool {
	got := sha256.Sum256([]byte(token))
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
