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

// idbCount answers how many entries the page's IndexedDB holds.
const idbCount = `new Promise((resolve, reject) => {
  const q = indexedDB.open('kith-peer')
  q.onerror = () => reject(q.error)
  q.onsuccess = () => {
    const c = q.result.transaction('entries').objectStore('entries').count()
    c.onsuccess = () => { q.result.close(); resolve(c.result) }
  }
})`

// TestBrowserPeerQuotaFull: when the browser's storage for the page is
// full, a post is refused with a message saying so and what to do, and
// nothing of it is written or made (the store does not hold it, so it is
// never sent); once there is room the next post takes the same seq, and a
// reload shows exactly what was kept.
func TestBrowserPeerQuotaFull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	buildPeer(t, dir)
	br := newBrowser(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	tab := br.ctx
	br.do(tab, "open the browser peer", time.Minute, chromedp.Navigate(srv.URL+"/index.html"), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-post-text")))
	post := func(text string) {
		br.do(tab, "post "+text, 10*time.Second, chromedp.SetValue(tid("peer-post-text"), text), click(tid("peer-post")))
	}
	count := func() int {
		return get(br, tab, "count IndexedDB's entries", 10*time.Second, chromedp.Evaluate[int](idbCount, chromedp.EvalAwaitPromise))
	}
	post("one")
	waitJS[bool](br, tab, "the first post shown", 10*time.Second, browserPosts+`.includes('one')`)
	if n := count(); n != 2 { // the device's certificate and the post
		t.Fatalf("IndexedDB holds %d entries, want 2", n)
	}

	// Chromium 156 kept writing small IndexedDB transactions under
	// DevTools' Storage.overrideQuotaForOrigin of 1 byte, so the full
	// storage is injected where IndexedDB reports it: add throws the
	// QuotaExceededError a full origin gets.
	quota := func(full bool) {
		js := `IDBObjectStore.prototype.add = window.realAdd || IDBObjectStore.prototype.add`
		if full {
			js = `window.realAdd = window.realAdd || IDBObjectStore.prototype.add; IDBObjectStore.prototype.add = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError') }`
		}
		br.do(tab, "set the storage full", 10*time.Second, chromedp.Evaluate[chromedp.Void](js))
	}
	quota(true)
	post("two")
	msg := waitJS[string](br, tab, "the message about the full storage", 20*time.Second, `document.querySelector('[data-testid=peer-problem]').textContent`)
	if !strings.Contains(msg, "storage for this page is full") || !strings.Contains(msg, "Free some space") {
		t.Fatalf("the page says %q", msg)
	}
	br.screenshot(tab, "browserpeer-quota-full")
	if n := count(); n != 2 {
		t.Fatalf("after the refused post IndexedDB holds %d entries, want still 2", n)
	}
	made := get(br, tab, "the peer's own posts", 10*time.Second, chromedp.Evaluate[[]string](`window.kithPeer.peer.posts().then(ps => ps.filter(p => p.own).map(p => p.seq + ':' + p.text))`, chromedp.EvalAwaitPromise))
	if !slices.Equal(made, []string{"1:one"}) {
		t.Fatalf("the peer made %q, want only 1:one", made)
	}

	quota(false)
	post("three")
	waitJS[bool](br, tab, "the third post shown", 10*time.Second, browserPosts+`.includes('three')`)
	made = get(br, tab, "the peer's own posts", 10*time.Second, chromedp.Evaluate[[]string](`window.kithPeer.peer.posts().then(ps => ps.filter(p => p.own).map(p => p.seq + ':' + p.text))`, chromedp.EvalAwaitPromise))
	if !slices.Equal(made, []string{"1:one", "2:three"}) {
		t.Fatalf("the peer made %q, want 1:one 2:three", made)
	}
	br.do(tab, "reload", time.Minute, chromedp.Navigate(srv.URL+"/index.html"), chromedp.WaitVisible(tid("peer-account")))
	posts := waitJS[[]string](br, tab, "the posts after the reload", 20*time.Second, `(p => p.length === 2 && p)(`+browserPosts+`)`)
	if !slices.Equal(posts, []string{"three", "one"}) {
		t.Fatalf("after the reload: %q", posts)
	}
}
