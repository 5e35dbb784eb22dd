package api_test

import (
	"bufio"
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

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// streamOnly hides the length of a reader, so the client sends it chunked,
// as it sends a file.
type streamOnly struct{ io.Reader }

// TestImportNotABundleUpload uploads files that are no bundle (a JPEG, as
// 'kith import photo.jpg' does) of several sizes through a real HTTP
// server, one after the other on kept-alive connections. The node stops
// reading after the first bytes; the server must still answer each with
// the bundle error and log no panic (it printed "http: panic serving …:
// invalid concurrent Body.Read call" and a stack trace when the handler
// returned before the upload was read).
func TestImportNotABundleUpload(t *testing.T) {
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	var serverLog, apiLog lockedBuffer
	srv := httptest.NewUnstartedServer(api.New(n, api.Options{Token: token, Logger: newTextLogger(&apiLog)}).Handler())
	srv.Config.ErrorLog = log.New(&serverLog, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)

	// A good bundle, to show the connection still serves imports after
	// the bad ones.
	var bundle bytes.Buffer
	exported, err := n.Export(t.Context(), &bundle, nil, nil)
	if err != nil || exported.Entries == 0 {
		t.Fatalf("export: %+v, %v", exported, err)
	}
	jpeg := func(size int) io.Reader {
		return streamOnly{io.MultiReader(strings.NewReader("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), io.LimitReader(zeros{}, int64(size)))}
	}
	cases := []struct {
		name string
		body io.Reader
		bad  bool
	}{
		{"1 KB photo", jpeg(1 << 10), true},
		{"200 KB photo", jpeg(200 << 10), true},
		{"300 KB photo", jpeg(300 << 10), true},
		{"good bundle", streamOnly{bytes.NewReader(bundle.Bytes())}, false},
		{"600 KB photo", jpeg(600 << 10), true},
		{"3 MB photo", jpeg(3 << 20), true},
		{"good bundle again", streamOnly{bytes.NewReader(bundle.Bytes())}, false},
		{"40 MB file", jpeg(40 << 20), true},
	}
	for _, c := range cases {
		req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/api/v1/import", c.body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		final, err := lastImportLine(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			t.Errorf("%s: answer: %v", c.name, err)
		case c.bad && (final.Error == nil || final.Error.Code != wire.CodeBadBundle || !strings.Contains(final.Error.Message, "not a kith bundle")):
			t.Errorf("%s: final line %+v / %+v, want a bad_bundle error saying it is not a kith bundle", c.name, final.Result, final.Error)
		case !c.bad && (final.Error != nil || final.Result == nil || final.Result.EntriesKnown != exported.Entries):
			t.Errorf("%s: final line %+v / %+v, want %d entries known and no error", c.name, final.Result, final.Error, exported.Entries)
		}
	}
	srv.Close()
	if s := serverLog.String(); s != "" {
		t.Errorf("the HTTP server logged:\n%s", s)
	}
	if s := apiLog.String(); strings.Contains(s, "panic") {
		t.Errorf("the API logged a panic:\n%s", s)
	}
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// lastImportLine reads an import's NDJSON answer and returns its last line.
func lastImportLine(r io.Reader) (wire.ImportLine, error) {
	var last wire.ImportLine
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, wire.MaxImportLine)
	for sc.Scan() {
		last = wire.ImportLine{}
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			return last, err
		}
	}
	return last, sc.Err()
}
