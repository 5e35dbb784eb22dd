package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// wsAddr is the node's loopback WebSocket multiaddr with /p2p/.
func (p *proc) wsAddr() string {
	for _, a := range p.Addrs {
		if strings.HasPrefix(a, "/ip4/127.0.0.1/tcp/") && strings.Contains(a, "/ws/p2p/") {
			return a
		}
	}
	p.t.Fatalf("%s has no loopback WebSocket address in %v", p.name, p.Addrs)
	return ""
}

// browserPosts are the texts of the posts the browser peer's page shows,
// newest first.
const browserPosts = `Array.from(document.querySelectorAll('[data-testid=peer-post-item] div:last-child'), d => d.textContent)`

// TestBrowserPeer: a node serves the browser peer at /peer/ and listens on
// WebSocket; in headless Chromium the page makes an account with a
// non-extractable WebCrypto device key, connects to the node with
// js-libp2p (Noise, yamux), learns the node's account from its certificate
// and follows it; the node follows the browser's account. The browser's
// post, signed in the browser by kith's Go compiled to WebAssembly,
// reaches the node; the node's posts, old and live, reach the browser;
// after a reload without the node, IndexedDB still has them all.
func TestBrowserPeer(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	node := startNode(t, "node", filepath.Join(t.TempDir(), "node"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	node.post("from the node, before")
	page := strings.TrimSuffix(node.API, "/") + "/peer/"
	tab := br.ctx

	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(page+"#node="+url.QueryEscape(node.wsAddr())), chromedp.WaitVisible(tid("peer-create")))
	hasKey := get(br, tab, "the device key's kind", 10*time.Second, chromedp.Evaluate[string](
		`(async () => { const k = window.kithPeer.key.privateKey; return k.algorithm.name + ' extractable=' + k.extractable })()`, chromedp.EvalAwaitPromise))
	if hasKey != "Ed25519 extractable=false" {
		t.Fatalf("the device key is %q, want a non-extractable Ed25519 WebCrypto key", hasKey)
	}
	br.screenshot(tab, "browserpeer-1-setup")
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase")))
	words := get(br, tab, "read the phrase", 10*time.Second, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid=peer-phrase] li'), li => li.textContent)`))
	if len(words) != 24 {
		t.Fatalf("the phrase has %d words: %v", len(words), words)
	}
	br.screenshot(tab, "browserpeer-2-phrase")
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	account := waitJS[string](br, tab, "the browser's account", 10*time.Second, `document.querySelector('[data-testid=peer-account]').textContent`)
	if !strings.HasPrefix(account, "acc_") {
		t.Fatalf("account %q", account)
	}
	got := waitJS[string](br, tab, "connect to the node and learn its account", 60*time.Second, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`)
	if got != node.Account {
		t.Fatalf("the browser says the node's account is %s, want %s", got, node.Account)
	}
	node.kith("follow", account)

	br.do(tab, "post", 10*time.Second, chromedp.SendKeys(tid("peer-post-text"), "hello from the browser"), click(tid("peer-post")))
	waitFor(t, syncTimeout, "the node to hold the browser's post", func() bool {
		return slices.Equal(node.posts(account), []string{"hello from the browser"})
	})
	waitJS[bool](br, tab, "the node's old post in the browser", syncTimeout, browserPosts+`.includes('from the node, before')`)
	node.post("from the node, live")
	waitJS[bool](br, tab, "the node's live post in the browser", syncTimeout, browserPosts+`.includes('from the node, live')`)
	br.screenshot(tab, "browserpeer-3-synced")
	// Every entry the page holds is in IndexedDB before the reload.
	waitJS[bool](br, tab, "IndexedDB to have every entry", 10*time.Second, `window.kithPeer.written >= 5 && !window.kithPeer.failed`)

	// Reload without the node's address: the page has only IndexedDB.
	br.do(tab, "reload without the node", time.Minute, chromedp.Navigate(page), chromedp.WaitVisible(tid("peer-account")))
	status := waitJS[string](br, tab, "load from IndexedDB", 30*time.Second, `(document.querySelector('[data-testid=peer-status]').textContent.startsWith('Ready') && document.querySelector('[data-testid=peer-status]').textContent) || ''`)
	posts := waitJS[[]string](br, tab, "the posts after the reload", 10*time.Second, `(p => p.length === 3 && p)(`+browserPosts+`)`)
	slices.Sort(posts)
	if want := []string{"from the node, before", "from the node, live", "hello from the browser"}; !slices.Equal(posts, want) {
		t.Fatalf("after the reload the page shows %q, want %q", posts, want)
	}
	if again := get(br, tab, "the account after the reload", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`)); again != account {
		t.Fatalf("after the reload the account is %s, want %s", again, account)
	}
	br.screenshot(tab, "browserpeer-4-reloaded")
	t.Log(status)

	// The node posts while the page is away; opened again with the node,
	// the page catches up.
	br.do(tab, "leave the page", 10*time.Second, chromedp.Navigate("about:blank"))
	node.post("while the browser was away")
	br.do(tab, "open the page again with the node", time.Minute,
		chromedp.Navigate(page+"#node="+url.QueryEscape(node.wsAddr())), chromedp.WaitVisible(tid("peer-account")))
	waitJS[bool](br, tab, "the post made while away", syncTimeout, browserPosts+`.includes('while the browser was away')`)
}

// TestBrowserPeerRestore: the account key vectors' phrase, restored in the
// page, gives the vectors' account; the browser is a new device of it.
func TestBrowserPeerRestore(t *testing.T) {
	t.Parallel()
	var acc struct {
		Vectors []map[string]string `json:"vectors"`
	}
	readVectors(t, "internal/identity/testdata/account-key-vectors.json", &acc)
	v := acc.Vectors[0]
	if v["passphrase"] != "" {
		t.Fatal("the first account key vector has a passphrase; the page restores without one")
	}
	dir := t.TempDir()
	buildPeer(t, dir)
	br := newBrowser(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	tab := br.ctx
	br.do(tab, "open the browser peer", time.Minute, chromedp.Navigate(srv.URL+"/index.html"), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "a wrong phrase", 10*time.Second, click("#restore summary"), chromedp.SetValue(tid("peer-restore-phrase"), "abandon abandon"), click(tid("peer-restore")))
	msg := waitJS[string](br, tab, "the message about the wrong phrase", 10*time.Second, `document.querySelector('[data-testid=peer-problem]').textContent`)
	if !strings.Contains(msg, "24 words") {
		t.Fatalf("a two-word phrase: the page says %q", msg)
	}
	br.do(tab, "restore", 10*time.Second, chromedp.SetValue(tid("peer-restore-phrase"), v["phrase"]), click(tid("peer-restore")), chromedp.WaitVisible(tid("peer-account")))
	got := get(br, tab, "the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
	if got != v["account_id"] {
		t.Fatalf("restored account %s, want %s", got, v["account_id"])
	}
	if p := get(br, tab, "the phrase field", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-restore-phrase]').value`)); p != "" {
		t.Fatalf("the phrase stays in the page: %q", p)
	}
	br.screenshot(tab, "browserpeer-restored")
}

// TestBrowserPeerWebRTCDirect: the node listens on WebRTC-direct, and the
// page dials it (no certificate authority: the address carries the hash
// of the node's certificate); the same exchange as over WebSocket
// follows: certificates, then sync both ways.
// TestBrowserPeerWebRTCDirect: the page, served by a node that listens
// only on WebRTC-direct and not told which node to use, finds the node's
// address at /peer/node.json, dials it with no certificate authority and
// syncs both ways.
func TestBrowserPeerWebRTCDirect(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	node := startNode(t, "node", filepath.Join(t.TempDir(), "node"), "--listen", "/ip4/127.0.0.1/udp/0/webrtc-direct", "--peer-dir", peerDir)
	var addr string
	for _, a := range node.Addrs {
		if strings.HasPrefix(a, "/ip4/127.0.0.1/udp/") && strings.Contains(a, "/webrtc-direct/certhash/") {
			addr = a
		}
	}
	if addr == "" {
		t.Fatalf("the node has no loopback WebRTC-direct address in %v", node.Addrs)
	}
	node.post("from the node")
	tab := br.ctx
	// Not told which node: the page asks the node that served it
	// (/peer/node.json), which listens only on WebRTC-direct here.
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(strings.TrimSuffix(node.API, "/")+"/peer/"), chromedp.WaitVisible(tid("peer-create")))
	if got := waitJS[string](br, tab, "the page to find its node", 30*time.Second, `document.querySelector('[data-testid=peer-node-addr]').value`); got != addr {
		t.Fatalf("the page's node address is %q, want the node's WebRTC-direct address %q", got, addr)
	}
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	account := get(br, tab, "the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
	if got := waitJS[string](br, tab, "connect over WebRTC-direct", 60*time.Second, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`); got != node.Account {
		t.Fatalf("the browser says the node's account is %s, want %s", got, node.Account)
	}
	node.kith("follow", account)
	br.do(tab, "post", 10*time.Second, chromedp.SendKeys(tid("peer-post-text"), "over WebRTC"), click(tid("peer-post")))
	waitFor(t, syncTimeout, "the node to hold the browser's post", func() bool {
		return slices.Equal(node.posts(account), []string{"over WebRTC"})
	})
	waitJS[bool](br, tab, "the node's post in the browser", syncTimeout, browserPosts+`.includes('from the node')`)
	var peers []struct {
		Account   string `json:"account"`
		Transport string `json:"transport"`
		Outbound  bool   `json:"outbound"`
		Addr      string `json:"addr"`
	}
	if err := json.Unmarshal(node.kith("peers"), &peers); err != nil {
		t.Fatal(err)
	}
	if len(peers) != 1 || peers[0].Transport != "webrtc-direct" || peers[0].Outbound || peers[0].Account != account {
		t.Fatalf("the node's peers: %+v, want the browser, inbound over webrtc-direct", peers)
	}
	br.screenshot(tab, "browserpeer-webrtc-direct")
}
