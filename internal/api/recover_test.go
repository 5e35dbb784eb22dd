package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRecovering serves handlers that panic through a real HTTP server: a
// panic before the answer started gives a JSON 500; one after it started
// cuts the answer off, so the client sees it incomplete. Either way the
// node logs one line that names the request and the panic, and the HTTP
// server prints nothing (no stack trace, no "superfluous WriteHeader").
func TestRecovering(t *testing.T) {
	var apiLog, serverLog safeBuffer
	logger := slog.New(slog.NewTextHandler(&apiLog, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/before", func(_ http.ResponseWriter, r *http.Request) {
		var s []byte
		_ = s[len(r.URL.Path)] // a runtime panic: index out of range
	})
	mux.HandleFunc("/after", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "{\"progress\":{}}\n")
		_ = http.NewResponseController(w).Flush()
		panic("half way")
	})
	mux.HandleFunc("/abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	srv := httptest.NewUnstartedServer(recovering(logger, mux))
	srv.Config.ErrorLog = log.New(&serverLog, "", 0)
	srv.Start()
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + "/before")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var eb wire.ErrorBody
	if resp.StatusCode != 500 || json.Unmarshal(body, &eb) != nil || eb.Error == nil || eb.Error.Code != wire.CodeFailed || eb.Error.Message != "internal error while handling GET /before" {
		t.Errorf("/before: status %d, body %q; want 500 with a failed error", resp.StatusCode, body)
	}

	resp, err = srv.Client().Get(srv.URL + "/after")
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "{\"progress\":{}}\n" || err == nil {
		t.Errorf("/after: status %d, body %q, read error %v; want the first line, then an error (the answer is cut off)", resp.StatusCode, body, err)
	}

	if _, err := srv.Client().Get(srv.URL + "/abort"); err == nil {
		t.Error("/abort: no error; want the answer aborted")
	}
	srv.Close()

	lines := strings.Split(strings.TrimSuffix(apiLog.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("API log has %d lines, want 2 (one per panic, none for the abort):\n%s", len(lines), apiLog.String())
	}
	for i, want := range []string{
		`path=/before panic="runtime error: index out of range [7] with length 0"`,
		`path=/after panic="half way"`,
	} {
		if !strings.Contains(lines[i], `msg="api handler panicked" method=GET `+want) || !strings.Contains(lines[i], "at=\"github.com/kithnet/kith/internal/api.TestRecovering.func") || !strings.Contains(lines[i], "(api/recover_test.go:") || strings.Contains(lines[i], "net/http.(*conn).serve") {
			t.Errorf("log line %d: %s\nwant it to contain %s and where it happened (at=), up to the middleware", i, lines[i], want)
		}
	}
	if s := serverLog.String(); s != "" {
		t.Errorf("the HTTP server logged:\n%s", s)
	}
}
