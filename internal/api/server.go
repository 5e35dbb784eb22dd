package api

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// Options configure a Server.
type Options struct {
	// Token is the bearer token every request must carry; see NewToken.
	// It must pass wire.CheckToken: New panics on an empty token, which
	// would be a programming error.
	Token string
	// Logger receives failed requests (warn) and the others (debug); nil
	// discards them.
	Logger *slog.Logger
	// PingInterval is how often an event stream sends a ping comment; 0
	// means DefaultPingInterval.
	PingInterval time.Duration
	// EventBuffer is how many node events may wait for one event stream
	// before it falls behind and gets resync; 0 means DefaultEventBuffer.
	EventBuffer int
	// PeerDir, when set, is a folder of the browser peer's files
	// (doc/browser.md), served at /peer/ without the token: the page holds
	// its own keys and asks the node for nothing but sync.
	PeerDir string
}

// DefaultEventBuffer is the default of Options.EventBuffer.
const DefaultEventBuffer = 256

// DefaultPingInterval is how often an event stream sends ": ping".
const DefaultPingInterval = 15 * time.Second

// SetupOptions configure a server started in setup mode (NewSetup).
type SetupOptions struct {
	Options
	// Home is where POST /api/v1/setup creates the account.
	Home string
	// Node are the options of the node setup creates (key file passphrase,
	// blob size, a default device name); the phrase passphrase, and the
	// device name when one is given, come from the request.
	Node node.Options
	// OnInit, when set, is called with the new node once setup created the
	// account and the server serves it, before the answer is sent. It must
	// not block for long; the caller owns the node (and closes it).
	OnInit func(*node.Node)
}

// Server is the HTTP API of one node: the /api/v1 endpoints, the sign-in
// of the web UI at /login, and the web UI's files. A server made by
// NewSetup starts without a node and gets one, once, by POST /api/v1/setup.
type Server struct {
	n   *node.Node // nil in setup mode
	svc *Service   // nil in setup mode
	log *slog.Logger
	r   *root
	mux http.Handler // the /api/ endpoints
}

// root is what the servers of one handler share: the checks, the server
// that answers /api/ now (the setup-mode one, then the node's), and the
// signal that ends the event streams.
type root struct {
	log       *slog.Logger
	tokenHash [sha256.Size]byte
	ping      time.Duration
	evBuffer  int
	setup     *SetupOptions // nil unless made by NewSetup
	cur       atomic.Pointer[Server]
	initMu    sync.Mutex    // serialises setups
	inited    chan struct{} // closed when setup made the node
	closing   chan struct{} // closed by Close
	closeOnce sync.Once
	handler   http.Handler
}

// New returns the API server of an open node.
func New(n *node.Node, o Options) *Server {
	r := newRoot(o, nil)
	s := r.serverOf(n)
	r.cur.Store(s)
	return s
}

// NewSetup returns an API server in setup mode: there is no account in
// o.Home yet. It answers health, the setup endpoints and the event stream;
// every other endpoint answers 409 not_initialized until POST
// /api/v1/setup creates the account, after which it serves the new node's
// whole API.
func NewSetup(o SetupOptions) *Server {
	r := newRoot(o.Options, &o)
	s := r.serverOf(nil)
	r.cur.Store(s)
	return s
}

func newRoot(o Options, setup *SetupOptions) *root {
	if err := wire.CheckToken(o.Token); err != nil {
		panic(fmt.Sprintf("api.New: %v", err))
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ping := o.PingInterval
	if ping <= 0 {
		ping = DefaultPingInterval
	}
	evBuffer := o.EventBuffer
	if evBuffer <= 0 {
		evBuffer = DefaultEventBuffer
	}
	r := &root{
		log: log, tokenHash: sha256.Sum256([]byte(o.Token)), ping: ping, evBuffer: evBuffer, setup: setup,
		inited: make(chan struct{}), closing: make(chan struct{}),
	}
	g := &guard{tokenHash: r.tokenHash, api: r.serveAPI, login: http.HandlerFunc(r.login), ui: uiHandler(), peer: peerHandler(o.PeerDir, r.peerNode)}
	r.handler = recovering(log, commonHeaders(g))
	return r
}

// peerNode is what /peer/node.json answers: the current node's account and
// browser addresses; empty in setup mode.
func (r *root) peerNode() PeerNode {
	p := PeerNode{Addrs: []string{}}
	if s := r.cur.Load(); s != nil && s.n != nil {
		p.Account = s.n.Account().String()
		p.Addrs = s.n.BrowserAddrs()
	}
	return p
}

// serverOf builds the endpoints of a node (nil: of setup mode).
func (r *root) serverOf(n *node.Node) *Server {
	s := &Server{n: n, log: r.log, r: r}
	if n != nil {
		s.svc = NewService(n)
	}
	mux := http.NewServeMux()
	methods := map[string][]string{} // path → methods
	var paths []string
	for _, rt := range s.routes() {
		h := s.endpoint(rt)
		if n == nil && !rt.setup {
			h = notInitialized()
		}
		mux.Handle(rt.method+" "+rt.path, h)
		if methods[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		methods[rt.path] = append(methods[rt.path], rt.method)
	}
	for _, p := range paths {
		mux.Handle(p, methodNotAllowed(methods[p]))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apiError(wire.CodeNotFound, "no endpoint %s %s; see doc/api.md for the list", r.Method, shortText(r.URL.Path)))
	}))
	s.mux = mux
	return s
}

// serveAPI answers a request under /api/ with the current server.
func (r *root) serveAPI(w http.ResponseWriter, req *http.Request) {
	r.cur.Load().mux.ServeHTTP(w, req)
}

// Handler returns the server's HTTP handler: every endpoint behind the
// checks of the Host, the origin and the token, /login, and the web UI's
// files behind the Host check.
func (s *Server) Handler() http.Handler { return s.r.handler }

// Node returns the node the server serves now: nil in setup mode before
// setup.
func (s *Server) Node() *node.Node { return s.r.cur.Load().n }

// Close ends the open event streams (and refuses new ones), so that
// http.Server.Shutdown, which waits for active requests, does not wait for
// them: call it, e.g. with http.Server.RegisterOnShutdown, when the server
// stops. The other endpoints keep working.
func (s *Server) Close() {
	s.r.closeOnce.Do(func() { close(s.r.closing) })
}

// notInitialized answers the endpoints that need an account in setup mode.
func notInitialized() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errNotInitialized())
	})
}

func errNotInitialized() *wire.Error {
	return apiError(wire.CodeNotInitialized, "this node has no account yet: open the Web UI link 'kith serve' printed (or run 'kith ui') to create or restore one, or stop the node and run 'kith init'")
}

// A route is one endpoint: method, path pattern (net/http.ServeMux syntax),
// the query parameters it takes, and its handler.
type route struct {
	method string
	path   string
	params []string // allowed query parameters
	repeat []string // those of params that may be given more than once
	setup  bool     // answered in setup mode too (health, setup, events)
	h      func(w http.ResponseWriter, r *http.Request, q url.Values) error
}

// endpoint runs a route's handler after checking the query; an error it
// returns becomes the JSON error answer (handlers that started an answer
// report their errors in it and return nil).
func (s *Server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := queryOf(r, rt.params, rt.repeat...)
		if err == nil {
			err = rt.h(w, r, q)
		}
		if err == nil {
			s.log.Debug("api request", "method", r.Method, "path", r.URL.Path)
			return
		}
		e := ErrorOf(err)
		if wire.HTTPStatus(e.Code) >= 500 {
			s.log.Warn("api request failed", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", e.Message)
		} else {
			s.log.Debug("api request refused", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", e.Message)
		}
		writeError(w, e)
	})
}

// methodNotAllowed answers a known path asked with another method.
func methodNotAllowed(methods []string) http.Handler {
	allow := slices.Clone(methods)
	if slices.Contains(allow, http.MethodGet) {
		allow = append(allow, http.MethodHead)
	}
	list := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", list)
		writeError(w, apiError(wire.CodeMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, shortText(r.URL.Path), list))
	})
}

// commonHeaders sets the headers of every answer: nothing is cached, and
// browsers take content types as given.
func commonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
