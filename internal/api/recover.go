package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
)

// recovering turns a panic in a handler into one log line, never a stack
// trace on the node's output. Before the answer started, the client gets a
// JSON 500; after it, the answer is cut off (http.ErrAbortHandler, which
// net/http does not log), so the client sees it incomplete rather than a
// well-formed answer with an error glued on. A handler's own
// http.ErrAbortHandler passes through unlogged.
func recovering(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &startedWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("api handler panicked", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "at", panicSite(), "answer_started", sw.started)
			if sw.started {
				panic(http.ErrAbortHandler)
			}
			writeError(w, apiError(wire.CodeFailed, "internal error while handling %s %s", r.Method, shortText(r.URL.Path)))
		}()
		next.ServeHTTP(sw, r)
	})
}

// panicSite names the functions and lines a panic went through, innermost
// first, in one line: the frames between the panic and recovering, without
// the runtime's own.
func panicSite() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs) // runtime.Callers, panicSite, the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	var parts []string
	for {
		f, more := frames.Next()
		switch {
		case strings.HasPrefix(f.Function, "runtime."):
		case strings.Contains(f.Function, ".recovering.func"):
			return strings.Join(parts, " < ")
		default:
			if len(parts) < 8 {
				parts = append(parts, fmt.Sprintf("%s (%s:%d)", f.Function, shortFile(f.File), f.Line))
			}
		}
		if !more {
			return strings.Join(parts, " < ")
		}
	}
}

// shortFile is a source file's directory and name.
func shortFile(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
			return path[j+1:]
		}
	}
	return path
}

// startedWriter notes whether the answer's header was sent. Unwrap lets
// http.ResponseController reach the server's writer (flushing, deadlines,
// full duplex).
type startedWriter struct {
	http.ResponseWriter
	started bool
}

func (s *startedWriter) WriteHeader(code int) {
	if code >= 200 { // 1xx answers are informational; the real one follows
		s.started = true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *startedWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.ResponseWriter.Write(p)
}

// Flush sends what was written; a writer that had nothing to flush has
// still sent its header.
func (s *startedWriter) Flush() {
	s.started = true
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *startedWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
