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
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
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

// shownImages are the decoded sizes of the pictures shown, in the
// order of the page (the newest post first; a post's in its order).
const shownImages = `Array.from(document.querySelectorAll('[data-testid=peer-post-image]')).filter(i => !i.hidden && i.complete && i.naturalWidth > 0).map(i => i.naturalWidth + 'x' + i.naturalHeight)`

// imageProblems are what the page says about the pictures it does not
// show.
const imageProblems = `Array.from(document.querySelectorAll('[data-testid=peer-post-image-problem]')).filter(p => !p.hidden).map(p => p.textContent)`

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

	// A picture of 64×48 pixels, with noise so that it is some KB; and
	// a post of three more (a node serves 2 transfers at once to a peer:
	// the page waits its turn for the third).
	pic := noisyPNG(t, 64, 48, 19)
	id := postImages(t, node, dir, "a photo from the node", pic)[0]
	if want := blob.Sum(pic).String(); id != want {
		t.Fatalf("the node's picture is %s, want the file's %s", id, want)
	}
	three := [][]byte{noisyPNG(t, 30, 20, 1), noisyPNG(t, 31, 21, 2), noisyPNG(t, 32, 22, 3)}
	for _, b := range append([][]byte{pic}, three...) {
		if len(b) < 256 || len(b) >= 65536 {
			t.Fatalf("a picture is %d bytes; the corrupting wrapper below counts on 256 to 65535", len(b))
		}
	}
	ids := postImages(t, node, dir, "three more", three...)
	kept := map[string]string{}
	for i, b := range append([][]byte{pic}, three...) {
		sum := sha256.Sum256(b)
		kept[append([]string{id}, ids...)[i]] = fmt.Sprintf("%d %s", len(b), hex.EncodeToString(sum[:]))
	}

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
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
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
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	waitJS[bool](br, tab, "the node's post in the browser", syncTimeout, browserPosts+`.includes('a photo from the node')`)
	waitJS[bool](br, tab, "the node's second post in the browser", syncTimeout, browserPosts+`.includes('three more')`)
	said := waitJS[[]string](br, tab, "the page to say the pictures were refused", syncTimeout, `(p => p.length === 4 && p)(`+imageProblems+`)`)
	refused := "This picture is not shown: refused: the bytes the node sent are not this picture (they do not match its id), so they were not kept."
	if !slices.Equal(said, []string{refused, refused, refused, refused}) {
		t.Fatalf("the page says %q\nwant 4 times %q", said, refused)
	}
	if shown := get(br, tab, "the pictures", 10*time.Second, chromedp.Evaluate[[]string](shownImages)); len(shown) != 0 {
		t.Fatalf("refused pictures are shown (%s)", shown)
	}
	if display := get(br, tab, "the pictures' boxes", 10*time.Second, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('[data-testid=peer-post-image]'), i => getComputedStyle(i).display).join(' ')`)); display != "none none none none" {
		t.Fatalf("the refused pictures' elements are displayed (%s): broken images", display)
	}
	if kept := get(br, tab, "IndexedDB", 10*time.Second, chromedp.Evaluate[string](idbBlobs, chromedp.EvalAwaitPromise)); kept != `{"version":2,"marker":"kept from version 1","blobs":[]}` {
		t.Fatalf("after the refusal IndexedDB holds %s", kept)
	}
	br.screenshot(tab, "browserpeer-blob-1-refused")

	// The node as it is: the picture is fetched, kept and shown.
	br.do(tab, "open the page again", time.Minute, chromedp.Navigate("about:blank"), chromedp.Navigate(withNode), chromedp.WaitVisible(tid("peer-account")))
	if shown := waitJS[string](br, tab, "the pictures shown", syncTimeout, shownImages+`.length === 4 && `+shownImages+`.join(' ')`); shown != "30x20 31x21 32x22 64x48" {
		t.Fatalf("the pictures are shown as %s, want 30x20 31x21 32x22 64x48", shown)
	}
	var wantList []string
	for _, k := range slices.Sorted(maps.Keys(kept)) {
		wantList = append(wantList, k+" "+kept[k])
	}
	wantJSON, _ := json.Marshal(wantList)
	want := fmt.Sprintf(`{"version":2,"marker":"kept from version 1","blobs":%s}`, wantJSON)
	if got := get(br, tab, "IndexedDB", 10*time.Second, chromedp.Evaluate[string](idbBlobs, chromedp.EvalAwaitPromise)); got != want {
		t.Fatalf("IndexedDB holds %s\nwant %s", got, want)
	}
	if p := get(br, tab, "the pictures' problems", 10*time.Second, chromedp.Evaluate[[]string](imageProblems)); len(p) != 0 {
		t.Fatalf("the page says %q about pictures it shows", p)
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
	if shown := waitJS[string](br, tab, "the pictures shown from IndexedDB", 30*time.Second, shownImages+`.length === 4 && `+shownImages+`.join(' ')`); shown != "30x20 31x21 32x22 64x48" {
		t.Fatalf("without the node the pictures are shown as %s, want 30x20 31x21 32x22 64x48", shown)
	}
	if src := get(br, tab, "the picture's source", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-post-image]').src`)); !strings.HasPrefix(src, "blob:") {
		t.Fatalf("the picture's source is %q, want a blob: URL of the kept bytes", src)
	}
	br.screenshot(tab, "browserpeer-blob-3-offline")
}

// noisyPNG is a w×h PNG whose pixels are noise from seed.
func noisyPNG(t *testing.T, w, h int, seed uint32) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			seed = seed*1664525 + 1013904223
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: uint8(seed >> 24), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postImages has node post text with pictures, and returns their ids.
func postImages(t *testing.T, node *proc, dir, text string, pics ...[]byte) []string {
	t.Helper()
	args := []string{"post", text}
	for i, b := range pics {
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.png", strings.ReplaceAll(text, " ", "-"), i))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--image", path)
	}
	var posted struct {
		Images []string `json:"images"`
	}
	if err := json.Unmarshal(node.kith(args...), &posted); err != nil || len(posted.Images) != len(pics) {
		t.Fatalf("post: %+v %v", posted, err)
	}
	return posted.Images
}

// TestBrowserPeerPostImage: the page's person attaches a picture to a
// post; the page keeps it in IndexedDB, makes the post and shows the
// picture; the node, following the browser's account, takes the post and
// fetches the picture from the browser (blobsync.ServeHeld in WebAssembly),
// byte for byte.
func TestBrowserPeerPostImage(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	dir := t.TempDir()
	node := startNode(t, "node", filepath.Join(dir, "node"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	pic := noisyPNG(t, 40, 30, 7)
	path := filepath.Join(dir, "mine.png")
	if err := os.WriteFile(path, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	id := blob.Sum(pic).String()
	tab := br.ctx
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(strings.TrimSuffix(node.API, "/")+"/peer/#node="+url.QueryEscape(node.wsAddr())), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	account := waitJS[string](br, tab, "the browser's account", 10*time.Second, `document.querySelector('[data-testid=peer-account]').textContent`)
	waitJS[string](br, tab, "connect to the node", 60*time.Second, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`)
	node.kith("follow", account)

	br.do(tab, "post with a picture", 20*time.Second,
		chromedp.SetValue(tid("peer-post-text"), "my picture"),
		chromedp.SetUploadFiles(tid("peer-post-image-file"), []string{path}),
		click(tid("peer-post")))
	if shown := waitJS[string](br, tab, "the picture shown", 20*time.Second, shownImages+`.length === 1 && `+shownImages+`.join(' ')`); shown != "40x30" {
		t.Fatalf("the page shows its picture as %s, want 40x30", shown)
	}
	sum := sha256.Sum256(pic)
	want := fmt.Sprintf(`{"version":2,"marker":null,"blobs":["%s %d %s"]}`, id, len(pic), hex.EncodeToString(sum[:]))
	if got := get(br, tab, "IndexedDB", 10*time.Second, chromedp.Evaluate[string](idbBlobs, chromedp.EvalAwaitPromise)); got != want {
		t.Fatalf("IndexedDB holds %s\nwant %s", got, want)
	}
	if v := get(br, tab, "the file field", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-post-image-file]').value`)); v != "" {
		t.Fatalf("after the post the file field still holds %q", v)
	}
	br.screenshot(tab, "browserpeer-blob-own")

	waitFor(t, syncTimeout, "the node to hold the browser's post", func() bool {
		return slices.Equal(node.posts(account), []string{"my picture"})
	})
	got := filepath.Join(dir, "got.png")
	waitFor(t, syncTimeout, "the node to fetch the picture from the browser", func() bool {
		_, err := node.try("blob", "get", id, "--out", got)
		return err == nil
	})
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, pic) {
		t.Fatalf("the node's copy of the picture differs (%d bytes, want %d)", len(b), len(pic))
	}
}
