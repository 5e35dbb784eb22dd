package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// holdWrites keeps every IndexedDB transaction that adds an entry open
// for ever (a request re-issued on each success), so that the tab can be
// closed while the post's write is under way.
const holdWrites = `(() => {
  const add = IDBObjectStore.prototype.add
  IDBObjectStore.prototype.add = function (...args) {
    const r = add.apply(this, args)
    const s = this
    const spin = () => { s.count().onsuccess = spin }
    spin()
    window.inWrite = true
    return r
  }
  return true
})()`

// idbEntries counts the entries in the page's IndexedDB.
const idbEntries = `new Promise((ok, no) => {
  const r = indexedDB.open('kith-peer')
  r.onsuccess = () => { const c = r.result.transaction('entries').objectStore('entries').count(); c.onsuccess = () => { r.result.close(); ok(c.result) }; c.onerror = () => no(c.error) }
  r.onerror = () => no(r.error)
})`

// TestBrowserPeerTabClosedMidWrite: a tab closed while its post's
// IndexedDB transaction is under way leaves nothing of the post: opened
// again, the page holds what it held before, and the next post takes the
// same seq (so the device's log does not fork).
func TestBrowserPeerTabClosedMidWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	buildPeer(t, dir)
	br := newBrowser(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	pageURL := srv.URL + "/index.html"
	first := br.ctx
	br.do(first, "open the browser peer", time.Minute, chromedp.Navigate(pageURL), chromedp.WaitVisible(tid("peer-create")))
	br.do(first, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(first, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-post-text")))
	br.do(first, "post", 20*time.Second, chromedp.SendKeys(tid("peer-post-text"), "kept"), click(tid("peer-post")))
	waitJS[bool](br, first, "the first post", 20*time.Second, browserPosts+`.includes('kept')`)
	before := get(br, first, "IndexedDB's entries", 10*time.Second, chromedp.Evaluate[float64](idbEntries, chromedp.EvalAwaitPromise))
	if before != 2 { // the certificate and the post
		t.Fatalf("IndexedDB holds %v entries, want 2", before)
	}
	get(br, first, "hold the writes", 10*time.Second, chromedp.Evaluate[bool](holdWrites))
	br.do(first, "post while the writes are held", 20*time.Second, chromedp.SendKeys(tid("peer-post-text"), "lost with the tab"), click(tid("peer-post")))
	waitJS[bool](br, first, "the write to start", 20*time.Second, `window.inWrite === true`)
	if shown := get(br, first, "the posts shown", 10*time.Second, chromedp.Evaluate[[]string](browserPosts)); len(shown) != 1 {
		t.Fatalf("while the write is under way the page shows %q; the post must not exist before it is kept", shown)
	}
	// The page goes away in the middle of the write: its document is
	// unloaded, as when the tab is closed, and IndexedDB aborts the
	// transaction. (Closing a second tab of this headless browser left
	// its page too throttled to run; leaving the page unloads it alike.)
	br.do(first, "leave the page mid-write", 20*time.Second, chromedp.Navigate("about:blank"))

	second := first
	br.do(second, "open the page again", time.Minute, chromedp.Navigate(pageURL), chromedp.WaitVisible(tid("peer-post-text")))
	posts := waitJS[[]string](br, second, "the posts after reopening", 20*time.Second, `(p => p.length >= 1 && p)(`+browserPosts+`)`)
	if strings.Join(posts, "|") != "kept" {
		t.Fatalf("after the tab closed mid-write the page shows %q, want only \"kept\"", posts)
	}
	if after := get(br, second, "IndexedDB's entries", 10*time.Second, chromedp.Evaluate[float64](idbEntries, chromedp.EvalAwaitPromise)); after != 2 {
		t.Fatalf("IndexedDB holds %v entries after the closed write, want 2", after)
	}
	br.do(second, "post again", 20*time.Second, chromedp.SendKeys(tid("peer-post-text"), "after reopening"), click(tid("peer-post")))
	who := waitJS[string](br, second, "the new post", 20*time.Second, `(li => li && li.textContent.includes('after reopening') && li.querySelector('.who').textContent)(document.querySelector('[data-testid=peer-post-item]'))`)
	if !strings.HasSuffix(who, " · #2") {
		t.Fatalf("the post after reopening is %q, want seq 2 (the seq the lost write would have taken)", who)
	}
	br.screenshot(second, "browserpeer-tab-closed-mid-write")
}
