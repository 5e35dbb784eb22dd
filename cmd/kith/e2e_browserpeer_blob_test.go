package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kithnet/kith/internal/blob"
)

// idbBlobs lists what the page's IndexedDB holds: its version, the marker
// the test put in version 1's keys store, and every kept blob as "id size
// sha256".
const idbBlobs = `new Promise((ok, no) => {
  const r = indexedDB.open('kith-peer')
  r.onerror = () => no(r.error)
  r.onsuccess = () => {
    const db = r.result
    const t = db.transaction(['keys', 'blobs'])
    const m = t.objectStore('keys').get('marker')
    const g = t.objectStore('blobs').getAll()
    t.oncomplete = async () => {
      const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('')
      const out = []
      for (const v of g.result) out.push(v.id + ' ' + v.size + ' ' + hex(await crypto.subtle.digest('SHA-256', v.bytes)))
      db.close()
      ok(JSON.stringify({ version: db.version, marker: m.result || null, blobs: out }))
    }
    t.onerror = () => no(t.error)
  }
})`

// shownImage is the decoded size of the first post picture the page
// shows, "WxH", or "" while there is none.
const shownImage = `(i => (i && !i.hidden && i.complete && i.naturalWidth > 0) ? i.naturalWidth + 'x' + i.naturalHeight : '')(document.querySelector('[data-testid=peer-post-image]'))`

// imageProblem is what the page says about a picture it does not show.
const imageProblem = `(p => (p && !p.hidden && p.textContent) || '')(document.querySelector('[data-testid=peer-post-image-problem]'))`

// TestBrowserPeerBlob: the node posts a picture; the page fetches it from
// the node with kith's blob protocol (blobsync in WebAssembly over a
// js-libp2p stream), keeps it in IndexedDB and shows it; bytes that are
// not the picture (here made so by the page's stream wrapper, as a lying
// node would send them) are refused, said in words and not kept; opened
// again with the node gone, the page shows the picture from IndexedDB. The
// page's database, made at version 1 before the page first ran, is
// upgraded to version 2 keeping what it held.
func TestBrowserPeerBlob(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	dir := t.TempDir()
	node := startNode(t, "node", filepath.Join(dir, "node"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)

	// A picture of 64×48 pixels, with noise so that it is some KB.
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	seed := uint32(19)
	for x := range 64 {
		for y := range 48 {
			seed = seed*1664525 + 1013904223
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: uint8(seed >> 24), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	pic := buf.Bytes()
	if len(pic) < 256 || len(pic) >= 65536 {
		t.Fatalf("the picture is %d bytes; the corrupting wrapper below counts on 256 to 65535", len(pic))
	}
	path := filepath.Join(dir, "photo.png")
	if err := os.WriteFile(path, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	var posted struct {
		Images []string `json:"images"`
	}
	if err := json.Unmarshal(node.kith("post", "a photo from the node", "--image", path), &posted); err != nil || len(posted.Images) != 1 {
		t.Fatalf("post: %+v %v", posted, err)
	}
	id := posted.Images[0]
	if want := blob.Sum(pic).String(); id != want {
		t.Fatalf("the node's picture is %s, want the file's %s", id, want)
	}
	sum := sha256.Sum256(pic)
	wantKept := fmt.Sprintf("%s %d %s", id, len(pic), hex.EncodeToString(sum[:]))

	page := strings.TrimSuffix(node.API, "/") + "/peer/"
	withNode := page + "#node=" + url.QueryEscape(node.wsAddr())
	tab := br.ctx

	// The database as version 1 of the page made it, with something in it.
	br.do(tab, "open a file of the page's origin", time.Minute, chromedp.Navigate(page+"manifest.json"))
	made := get(br, tab, "a version 1 database", 10*time.Second, chromedp.Evaluate[string](`new Promise((ok, no) => {
  const r = indexedDB.open('kith-peer', 1)
  r.onupgradeneeded = () => {
    r.result.createObjectStore('keys')
    r.result.createObjectStore('entries', { keyPath: 'n', autoIncrement: true }).createIndex('id', 'id', { unique: true })
  }
  r.onsuccess = () => {
    const t = r.result.transaction('keys', 'readwrite')
    t.objectStore('keys').put('kept from version 1', 'marker')
    t.oncomplete = () => { r.result.close(); ok('made') }
    t.onerror = () => no(t.error)
  }
  r.onerror = () => no(r.error)
})`, chromedp.EvalAwaitPromise))
	if made != "made" {
		t.Fatal(made)
	}

	br.do(tab, "open the browser peer", time.Minute, chromedp.Navigate(withNode), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, chromedp.Click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	// A node that sends other bytes: the page's stream flips the first
	// byte of the picture's data (after HAVE, 10 bytes; BLOB, 44; and
	// the DATA's head, 9), the page's only connection being to the node.
	get(br, tab, "corrupt the node's answers", 10*time.Second, chromedp.Evaluate[bool](`(() => {
  const orig = window.kith.fetchBlob
  window.kithTestFetchBlob = orig
  window.kith.fetchBlob = (id, s) => {
    let pos = 0
    return orig(id, { read: async () => {
      let b = await s.read()
      if (b && pos <= 63 && 63 < pos + b.length) { b = Uint8Array.from(b); b[63 - pos] ^= 0xff }
      if (b) pos += b.length
      return b
    }, write: (b) => s.write(b), close: () => s.close() })
  }
  return true
})()`))
	br.do(tab, "close the phrase", 10*time.Second, chromedp.Click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	waitJS[bool](br, tab, "the node's post in the browser", syncTimeout, browserPosts+`.includes('a photo from the node')`)
	said := waitJS[string](br, tab, "the page to say the picture was refused", syncTimeout, imageProblem)
	if want := "This picture is not shown: refused: the bytes the node sent are not this picture (they do not match its id), so they were not kept."; said != want {
		t.Fatalf("the page says %q\nwant %q", said, want)
	}
	if shown := get(br, tab, "the picture", 10*time.Second, chromedp.Evaluate[string](shownImage)); shown != "" {
		t.Fatalf("a refused picture is shown (%s)", shown)
	}
	if display := get(br, tab, "the picture's box", 10*time.Second, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('[data-testid=peer-post-image]')).display`)); display != "none" {
		t.Fatalf("the refused picture's element is displayed (%s): a broken image", display)
	}
	if kept := get(br, tab, "IndexedDB", 10*time.Second, chromedp.Evaluate[string](idbBlobs, chromedp.EvalAwaitPromise)); kept != `{"version":2,"marker":"kept from version 1","blobs":[]}` {
		t.Fatalf("after the refusal IndexedDB holds %s", kept)
	}
	br.screenshot(tab, "browserpeer-blob-1-refused")

	// The node as it is: the picture is fetched, kept and shown.
	br.do(tab, "open the page again", time.Minute, chromedp.Navigate("about:blank"), chromedp.Navigate(withNode), chromedp.WaitVisible(tid("peer-account")))
	if shown := waitJS[string](br, tab, "the picture shown", syncTimeout, shownImage); shown != "64x48" {
		t.Fatalf("the picture is shown as %s, want 64x48", shown)
	}
	want := fmt.Sprintf(`{"version":2,"marker":"kept from version 1","blobs":[%q]}`, wantKept)
	if kept := get(br, tab, "IndexedDB", 10*time.Second, chromedp.Evaluate[string](idbBlobs, chromedp.EvalAwaitPromise)); kept != want {
		t.Fatalf("IndexedDB holds %s\nwant %s", kept, want)
	}
	if p := get(br, tab, "the picture's problem", 10*time.Second, chromedp.Evaluate[string](imageProblem)); p != "" {
		t.Fatalf("the page says %q about a picture it shows", p)
	}
	br.screenshot(tab, "browserpeer-blob-2-shown")

	// Without the node (and its HTTP server, which served the page: the
	// service worker's copy opens it), the picture comes from IndexedDB.
	waitJS[bool](br, tab, "the service worker in control", time.Minute, `navigator.serviceWorker.controller !== null`)
	waitJS[bool](br, tab, "the page's files kept", time.Minute, `caches.open('kith-peer-v1').then(c => c.keys()).then(ks => ks.some(k => k.url.endsWith('/blobs.js')) && ks.some(k => k.url.endsWith('/kith.wasm')) && ks.some(k => k.url.endsWith('/net.js')))`)
	node.stop()
	if _, err := http.Get(page); err == nil {
		t.Fatal("the node still answers after it stopped")
	}
	br.do(tab, "open the page without the node", time.Minute, chromedp.Navigate("about:blank"), chromedp.Navigate(page), chromedp.WaitVisible(tid("peer-account")))
	if shown := waitJS[string](br, tab, "the picture shown from IndexedDB", 30*time.Second, shownImage); shown != "64x48" {
		t.Fatalf("without the node the picture is shown as %s, want 64x48", shown)
	}
	if src := get(br, tab, "the picture's source", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-post-image]').src`)); !strings.HasPrefix(src, "blob:") {
		t.Fatalf("the picture's source is %q, want a blob: URL of the kept bytes", src)
	}
	br.screenshot(tab, "browserpeer-blob-3-offline")
}
