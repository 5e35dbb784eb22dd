package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPeerOffline: the browser peer is a progressive web app
// (doc/browser.md, "Offline"). Once opened, its service worker keeps the
// page's files; when the host that served it is gone, the page opens
// again from them, with its account and posts from IndexedDB, and can
// still post.
func TestBrowserPeerOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	buildPeer(t, dir)
	br := newBrowser(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	tab := br.ctx
	page := srv.URL + "/index.html"
	br.do(tab, "open the browser peer", time.Minute, chromedp.Navigate(page), chromedp.WaitVisible(tid("peer-create")))
	manifest := get(br, tab, "the page's manifest", 10*time.Second, chromedp.Evaluate[string](`fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json()).then(m => m.name + '|' + m.start_url + '|' + m.display)`, chromedp.EvalAwaitPromise))
	if manifest != "kith — browser peer|./|standalone" {
		t.Fatalf("the manifest says %q", manifest)
	}
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-post-text")))
	br.do(tab, "post", 10*time.Second, chromedp.SetValue(tid("peer-post-text"), "before the host went away"), click(tid("peer-post")))
	waitJS[bool](br, tab, "the first post shown", 10*time.Second, browserPosts+`.includes('before the host went away')`)

	// The service worker controls the page and has kept every file.
	waitJS[bool](br, tab, "the service worker in control", time.Minute, `navigator.serviceWorker.controller !== null`)
	kept := waitJS[[]string](br, tab, "the page's files kept", time.Minute, `caches.open('kith-peer-v1').then(c => c.keys()).then(ks => ks.length >= 10 && ks.map(k => new URL(k.url).pathname).sort())`)
	for _, f := range peerPageFiles {
		if f == "sw.js" { // the browser keeps the worker's own script
			continue
		}
		if !slices.Contains(kept, "/"+f) {
			t.Errorf("the service worker did not keep %s (kept %q)", f, kept)
		}
	}
	for _, f := range []string{"/kith.wasm", "/net.js", "/wasm_exec.js"} {
		if !slices.Contains(kept, f) {
			t.Errorf("the service worker did not keep %s (kept %q)", f, kept)
		}
	}

	// The host is gone: nothing answers at its address any more.
	srv.Close()
	if _, err := http.Get(page); err == nil {
		t.Fatal("the host still answers after Close")
	}
	br.do(tab, "open the page again without its host", time.Minute, chromedp.Navigate(page), chromedp.WaitVisible(tid("peer-account")))
	posts := waitJS[[]string](br, tab, "the post kept in IndexedDB", 20*time.Second, `(p => p.length === 1 && p)(`+browserPosts+`)`)
	if !slices.Equal(posts, []string{"before the host went away"}) {
		t.Fatalf("offline the page shows %q", posts)
	}
	br.do(tab, "post offline", 10*time.Second, chromedp.SetValue(tid("peer-post-text"), "written offline"), click(tid("peer-post")))
	waitJS[bool](br, tab, "the offline post shown", 10*time.Second, browserPosts+`.includes('written offline')`)
	made := get(br, tab, "the peer's own posts", 10*time.Second, chromedp.Evaluate[[]string](`window.kithPeer.peer.posts().then(ps => ps.filter(p => p.own).map(p => p.seq + ':' + p.text))`, chromedp.EvalAwaitPromise))
	if !slices.Equal(made, []string{"1:before the host went away", "2:written offline"}) {
		t.Fatalf("the peer made %q", made)
	}
	status := get(br, tab, "the page's status", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-status]').textContent`))
	if strings.TrimSpace(status) == "" {
		t.Fatal("the page shows no status offline")
	}
	br.screenshot(tab, "browserpeer-offline")
}
