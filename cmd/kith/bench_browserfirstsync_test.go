package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdprofiler "github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/browserpeer"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// TestBrowserFirstSync is a benchmark, not a test: with
// KITH_BENCH_BROWSER=1 it measures the browser peer's first sync of
// 10,000 posts from a node (a real 'kith serve' over WebSocket into the
// page in headless Chromium: Noise, yamux, kith's sync in WebAssembly,
// every signature verified, every entry committed to IndexedDB), and in
// the same run the verification and ingest rates of the WebAssembly build
// and of native code (browserpeer.MeasureVerify), for BENCHMARKS.md.
// Secure Scuttlebutt's browser core needed 5.1 s for its full-sync
// benchmark. It asserts only that every entry arrived.
func TestBrowserFirstSync(t *testing.T) {
	if os.Getenv("KITH_BENCH_BROWSER") != "1" {
		t.Skip("a benchmark: set KITH_BENCH_BROWSER=1 to run it")
	}
	const n = 10000
	home := filepath.Join(t.TempDir(), "node")
	a, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	for i := range n {
		if _, err := a.Post(t.Context(), fmt.Sprintf("post %d of the benchmark", i), nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d posts made on the node in %v", n, time.Since(t0))
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	nd := startNode(t, "node", home, "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	tab := br.ctx
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(strings.TrimSuffix(nd.API, "/")+"/peer/#node="+url.QueryEscape(nd.wsAddr())), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	// The node follows the browser's account, as a home node does (a
	// stranger's sync is held to the node's budget for strangers).
	account := get(br, tab, "the account", 10*time.Second, chromedp.Evaluate[string](`kithPeer.peer.account().account_id`))
	nd.kith("follow", account)
	// KITH_BENCH_PROFILE=file.cpuprofile records the page's CPU profile
	// (V8's sampling profiler, wasm functions by name when the build keeps
	// them: KITH_WASM_NAMES=1) from here to the end of the sync, for
	// Chrome's DevTools or `node bench/browserprofile/summary.js file`.
	profile := os.Getenv("KITH_BENCH_PROFILE")
	if profile != "" {
		br.do(tab, "start the profiler", 10*time.Second, func(ctx context.Context, c *chromedp.Target) (chromedp.Void, error) {
			if _, err := cdp.Call(ctx, c, cdprofiler.Enable, cdp.Empty{}); err != nil {
				return chromedp.Void{}, err
			}
			if _, err := cdp.Call(ctx, c, cdprofiler.SetSamplingInterval, cdprofiler.SetSamplingIntervalParams{Interval: 250}); err != nil {
				return chromedp.Void{}, err
			}
			_, err := cdp.Call(ctx, c, cdprofiler.Start, cdp.Empty{})
			return chromedp.Void{}, err
		})
	}
	// Closing the phrase connects: the first sync starts there.
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")))
	// The node's posts, its certificate and its custody entry.
	deadline := time.Now().Add(4 * time.Minute)
	for {
		st := get(br, tab, "the sync's progress", 10*time.Second, chromedp.Evaluate[string](`JSON.stringify({connects: kithPeer.connects, added: kithPeer.added, written: kithPeer.written, batches: kithPeer.batches, transactions: kithPeer.transactions, sessions: kithPeer.peer.sessions(), net: document.querySelector('[data-testid=peer-net]').textContent, problem: document.querySelector('[data-testid=peer-problem]').textContent})`))
		t.Logf("%s", st)
		if get(br, tab, "done?", 10*time.Second, chromedp.Evaluate[bool](`kithPeer.added >= 10002 && kithPeer.written >= kithPeer.added`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first sync did not end within 4 minutes: %s", st)
		}
		time.Sleep(15 * time.Second)
	}
	if profile != "" {
		prof := get(br, tab, "stop the profiler", time.Minute, func(ctx context.Context, c *chromedp.Target) (*cdprofiler.Profile, error) {
			r, err := cdp.Call(ctx, c, cdprofiler.Stop, cdp.Empty{})
			return r.Profile, err
		})
		b, err := json.Marshal(prof)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(profile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("the page's CPU profile: %s", profile)
	}
	res := get(br, tab, "the times", 10*time.Second, chromedp.Evaluate[map[string]float64](
		`({added: kithPeer.added, written: kithPeer.written, verified_ms: kithPeer.addedAt - kithPeer.firstConnectAt, kept_ms: kithPeer.writtenAt - kithPeer.firstConnectAt, connects: kithPeer.connects})`))
	t.Logf("the page's timeline (ms from the dial, entries): %s", get(br, tab, "the timeline", 10*time.Second, chromedp.Evaluate[string](`JSON.stringify(kithPeer.timeline)`)))
	if res["connects"] != 1 {
		// A connection that broke and was dialled again: the time
		// counts from the first dial all the same.
		t.Logf("the page connected to the node %v times; the node's log:\n%s", res["connects"], nd.stderr)
	}
	posts := get(br, tab, "the posts held", time.Minute, chromedp.Evaluate[float64](`kithPeer.peer.posts().then(p => p.length)`, chromedp.EvalAwaitPromise))
	if posts != n {
		t.Fatalf("the page holds %v posts, want %d", posts, n)
	}
	br.screenshot(tab, "browserpeer-firstsync")
	var wasm map[string]float64
	for range 2 { // the first run warms up
		wasm = get(br, tab, "measure in the browser", 5*time.Minute, chromedp.Evaluate[map[string]float64]("kith.measureVerify(10000)"))
	}
	native, err := browserpeer.MeasureVerify(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("GOMAXPROCS %d; %d posts on the node", runtime.GOMAXPROCS(0), n)
	t.Logf("first sync into the browser: %.0f entries verified and held in %.2f s (%.0f entries/s); all in IndexedDB at %.2f s (%.0f entries/s)",
		res["added"], res["verified_ms"]/1000, res["added"]/res["verified_ms"]*1000, res["kept_ms"]/1000, res["written"]/res["kept_ms"]*1000)
	t.Logf("browser (wasm): verify %.0f entries/s, ingest %.0f entries/s", wasm["verify_per_second"], wasm["ingest_per_second"])
	t.Logf("native:         verify %.0f entries/s, ingest %.0f entries/s", native.VerifyPerSecond, native.IngestPerSecond)
	t.Logf("native / browser: verify %.1f×, ingest %.1f×", native.VerifyPerSecond/wasm["verify_per_second"], native.IngestPerSecond/wasm["ingest_per_second"])
}
