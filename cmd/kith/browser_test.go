package main

// A real browser for the web UI's end-to-end tests: Debian's chromium,
// headless, driven over the DevTools protocol with chromedp. The tests of
// the package share one chromium, each in a browser context of its own (a
// fresh profile); a test that needs its profile on disk starts its own.
// Without a chromium the browser tests skip, unless KITH_REQUIRE_BROWSER=1
// (CI sets it), which makes them fail. Screenshots go to build/screenshots
// at the module root, or to KITH_SCREENSHOT_DIR.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds a chromium to run, or skips (fails under
// KITH_REQUIRE_BROWSER=1) when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KITH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH (install Debian's chromium, or set KITH_CHROMIUM to a Chromium binary)"
	if os.Getenv("KITH_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless chromium; each tab is a chromedp context.
type browser struct {
	t    *testing.T
	ctx  context.Context // the browser's first tab
	dir  string          // screenshots
	logs *syncBuffer     // console errors and uncaught exceptions of every tab
	// close stops the browser (and waits for it to exit); the test's end
	// does it too.
	close func()

	mu         sync.Mutex
	exceptions []string // uncaught exceptions: each fails the test
}

// newBrowser gives the test a browser of its own with a fresh profile: a
// new browser context (a separate profile: its own cookies, storage,
// IndexedDB, caches and service workers, nothing of it on disk) in the
// chromium that the package's tests share (sharedBrowser), so that a test
// does not pay for a chromium start (a few CPU-seconds each). It is closed
// when the test ends. A test that needs a profile on disk, or chromium
// flags of its own, uses newBrowserAt.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	root := sharedBrowser(t)
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open a browser context in the shared chromium: %v", err)
	}
	return startedBrowser(t, ctx, cancel)
}

// newBrowserAt starts a chromium of its own, with its profile in profile
// (a second start with the same folder is the same browser profile: its
// IndexedDB, its keys) and the extra options.
func newBrowserAt(t *testing.T, profile string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	path := chromiumPath(t)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserOptions(path, profile, extra...)...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	return startedBrowser(t, ctx, func() { cancel(); cancelAlloc() })
}

// browserOptions are chromium's flags: headless, a profile in profile,
// kept off the network (only the loopback pages the test opens), and a
// desktop window; then extra.
func browserOptions(path, profile string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-proxy-server", true),
	)
	return append(opts, extra...)
}

// startedBrowser watches the first tab ctx of a browser the test has
// started, and arranges its end: stop (closes the test's browser context,
// or its own chromium), then the console it saw is logged and each
// uncaught exception fails the test.
func startedBrowser(t *testing.T, ctx context.Context, stop func()) *browser {
	t.Helper()
	b := &browser{t: t, ctx: ctx, dir: screenshotDir(t), logs: &syncBuffer{}}
	b.watch(ctx, "tab 1") // after the start: watching a context starts its browser
	var once sync.Once
	b.close = func() { once.Do(stop) }
	t.Cleanup(func() {
		b.close()
		if l := b.logs.String(); l != "" {
			t.Logf("browser console:\n%s", l)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.exceptions {
			t.Errorf("the page threw an uncaught exception: %s", e)
		}
	})
	return b
}

// shared is the chromium the package's tests share (newBrowser), started
// by the first test that wants it and stopped by TestMain.
var shared struct {
	mu      sync.Mutex
	root    context.Context // its first tab; done when chromium is gone
	stop    func()
	profile string
}

// sharedBrowser answers the first tab of the shared chromium, starting it
// (again, if it went away) when needed.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.root != nil && shared.root.Err() == nil {
		return shared.root
	}
	stopSharedBrowserLocked()
	profile, err := os.MkdirTemp("", "kith-e2e-chromium")
	if err != nil {
		t.Fatal(err)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserOptions(path, profile)...)
	root, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(root); err != nil {
		cancel()
		cancelAlloc()
		os.RemoveAll(profile)
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	shared.root, shared.profile = root, profile
	shared.stop = func() { cancel(); cancelAlloc() }
	return root
}

// stopSharedBrowser stops the shared chromium, if it runs (TestMain).
func stopSharedBrowser() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	stopSharedBrowserLocked()
}

func stopSharedBrowserLocked() {
	if shared.stop != nil {
		shared.stop()
		os.RemoveAll(shared.profile)
	}
	shared.root, shared.stop, shared.profile = nil, nil, ""
}

// tab opens a new tab in the browser.
func (b *browser) tab(name string) context.Context {
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open tab %s: %v", name, err)
	}
	b.watch(ctx, name)
	return ctx
}

// watch records a tab's console errors and warnings and its uncaught
// exceptions, which the test prints when it ends (a failing page usually
// says why there).
func (b *browser) watch(ctx context.Context, name string) {
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.IsException() {
				b.mu.Lock()
				b.exceptions = append(b.exceptions, fmt.Sprintf("%s: %s %s", name, m.String(), m.URL))
				b.mu.Unlock()
			}
			if m.IsException() || m.Type == "error" || m.Type == "warning" {
				fmt.Fprintf(b.logs, "%s %s: %s %s\n", name, m.Type, m.String(), m.URL)
			}
		}
	}()
}

// do runs actions in a tab within timeout, failing the test with what was
// being done.
func (b *browser) do(ctx context.Context, what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	defer step(b.t, what)()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		b.failed(ctx, what, err)
	}
}

// get runs one action that answers a value, within timeout.
func get[T any](b *browser, ctx context.Context, what string, timeout time.Duration, a chromedp.Action[T]) T {
	b.t.Helper()
	defer step(b.t, what)()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		b.failed(ctx, what, err)
	}
	return v
}

// waitJS polls a JavaScript expression in the tab until it is truthy, for
// at most timeout, and answers its value.
func waitJS[T any](b *browser, ctx context.Context, what string, timeout time.Duration, expr string) T {
	b.t.Helper()
	return get(b, ctx, what, timeout, chromedp.Poll[T](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
}

// failed ends the test after a browser step failed, with a screenshot
// of the tab (FAILED.png) and the page's text.
func (b *browser) failed(ctx context.Context, what string, err error) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	page := ""
	if png, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100)); serr == nil {
		path := filepath.Join(b.dir, "FAILED.png")
		if os.WriteFile(path, png, 0o644) == nil {
			page = "screenshot: " + path + "\n"
		}
	}
	if text, terr := chromedp.Run(sctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`)); terr == nil {
		page += "page text:\n" + text
	}
	b.t.Fatalf("browser: %s: %v\n%s\nbrowser console so far:\n%s", what, err, page, b.logs)
}

// screenshot saves the tab's viewport as NAME.png in the screenshot folder.
func (b *browser) screenshot(ctx context.Context, name string) {
	b.t.Helper()
	png := get(b, ctx, "screenshot "+name, time.Minute, chromedp.FullScreenshot(100)) // a long page takes a while under -race on a loaded machine
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
}

// screenshotDir is KITH_SCREENSHOT_DIR, or build/screenshots at the module
// root (two folders up from cmd/kith).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KITH_SCREENSHOT_DIR")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(wd, "..", "..", "build", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
