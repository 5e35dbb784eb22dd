package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/browserpeer"
)

// TestBrowserVerifyRate is a benchmark, not a test: with
// KITH_BENCH_BROWSER=1 it measures, in one run on one machine, how fast
// the WebAssembly build in headless Chromium and the native code verify
// and ingest the same 10,000 signed entries (browserpeer.MeasureVerify),
// and logs both and their ratio for BENCHMARKS.md. It asserts nothing
// about speed.
func TestBrowserVerifyRate(t *testing.T) {
	if os.Getenv("KITH_BENCH_BROWSER") != "1" {
		t.Skip("a benchmark: set KITH_BENCH_BROWSER=1 to run it")
	}
	const n = 10000
	br := newBrowser(t)
	dir := t.TempDir()
	buildWasm(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(`<!doctype html><meta charset="utf-8"><title>bench</title><script src="wasm_exec.js"></script>
<script>window.kithReady = () => { document.title = 'ready' }; const go = new Go(); WebAssembly.instantiateStreaming(fetch('kith.wasm'), go.importObject).then(r => go.run(r.instance))</script>`), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	br.do(br.ctx, "open", time.Minute, chromedp.Navigate(srv.URL+"/index.html"))
	waitJS[bool](br, br.ctx, "load", time.Minute, `document.title === 'ready'`)
	var wasm map[string]float64
	for range 2 { // the first run warms up
		wasm = get(br, br.ctx, "measure in the browser", 5*time.Minute, chromedp.Evaluate[map[string]float64]("kith.measureVerify(10000)"))
	}
	native, err := browserpeer.MeasureVerify(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("GOMAXPROCS %d; %d entries", runtime.GOMAXPROCS(0), n)
	t.Logf("browser (wasm): verify %.0f entries/s (%.0f ms), ingest %.0f entries/s (%.0f ms)", wasm["verify_per_second"], wasm["verify_ms"], wasm["ingest_per_second"], wasm["ingest_ms"])
	t.Logf("native:         verify %.0f entries/s (%v), ingest %.0f entries/s (%v)", native.VerifyPerSecond, native.Verify, native.IngestPerSecond, native.Ingest)
	t.Logf("native / browser: verify %.1f×, ingest %.1f×", native.VerifyPerSecond/wasm["verify_per_second"], native.IngestPerSecond/wasm["ingest_per_second"])
}
