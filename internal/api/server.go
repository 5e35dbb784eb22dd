package api

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

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
}

// Server is the HTTP API of one open node.
type Server struct {
	n       *node.Node
	svc     *Service
	log     *slog.Logger
	handler http.Handler
}

// New returns the API server of an open node.
func New(n *node.Node, o Options) *Server {
	if err := wire.CheckToken(o.Token); err != nil {
		panic(fmt.Sprintf("api.New: %v", err))
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{n: n, svc: NewService(n), log: log}
	mux := http.NewServeMux()
	methods := map[string][]string{} // path → methods
	var paths []string
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.endpoint(rt))
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
	g := &guard{tokenHash: sha256.Sum256([]byte(o.Token)), next: mux}
	s.handler = s.recovering(commonHeaders(g))
	return s
}

// Handler returns the server's HTTP handler: every endpoint behind the
// checks of the Host, the origin and the token.
func (s *Server) Handler() http.Handler { return s.handler }

// A route is one endpoint: method, path pattern (net/http.ServeMux syntax),
// the query parameters it takes, and its handler.
type route struct {
	method string
	path   string
	params []string // allowed query parameters
	repeat []string // those of params that may be given more than once
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

// recovering turns a panic in a handler into a logged 500, except
// http.ErrAbortHandler, which aborts the answer on purpose.
func (s *Server) recovering(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("api handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
			writeError(w, apiError(wire.CodeFailed, "internal error while handling %s %s", r.Method, shortText(r.URL.Path)))
		}()
		next.ServeHTTP(w, r)
	})
}
