package main

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// noEd25519 makes the page's WebCrypto refuse Ed25519 keys as a browser
// without them does (NotSupportedError), before any of the page's scripts
// run: the page must fall back to a key kept under a passphrase.
const noEd25519 = `(() => {
  if (!globalThis.crypto || !crypto.subtle) return // about:blank
  const gen = crypto.subtle.generateKey.bind(crypto.subtle)
  crypto.subtle.generateKey = (alg, ...rest) => ((alg && (alg.name || alg)) === 'Ed25519')
    ? Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'))
    : gen(alg, ...rest)
})()`

// TestBrowserPeerPassphraseKey: in a browser without WebCrypto Ed25519 the
// page makes the device key in the WebAssembly build and keeps it in
// IndexedDB only encrypted under a passphrase (Argon2id,
// XChaCha20-Poly1305); the key signs entries and the libp2p handshake like
// a WebCrypto key (the node takes the browser's post). Reopened, the page
// asks for the passphrase: a wrong one is said and asked again, the right
// one gives the same account and its posts.
func TestBrowserPeerPassphraseKey(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	node := startNode(t, "node", filepath.Join(t.TempDir(), "node"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	node.post("from the node")
	pageURL := strings.TrimSuffix(node.API, "/") + "/peer/#node=" + url.QueryEscape(node.wsAddr())
	tab := br.ctx
	br.do(tab, "take Ed25519 out of WebCrypto", 10*time.Second, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: noEd25519})
		return err
	}))
	br.do(tab, "open the browser peer", time.Minute, chromedp.Navigate(pageURL), chromedp.WaitVisible(tid("peer-pass-again")))
	br.screenshot(tab, "browserpeer-passphrase-1-choose")
	br.do(tab, "two different passphrases", 10*time.Second,
		chromedp.SendKeys(tid("peer-pass"), "tulip river 42"), chromedp.SendKeys(tid("peer-pass-again"), "tulip river 43"), click(tid("peer-pass-submit")))
	if msg := waitJS[string](br, tab, "the message about the passphrases", 10*time.Second, `document.querySelector('[data-testid=peer-problem]').textContent`); msg != "The two passphrases differ; type the same one twice." {
		t.Fatalf("two different passphrases: the page says %q", msg)
	}
	br.do(tab, "the passphrase", 2*time.Minute,
		chromedp.SetValue(tid("peer-pass-again"), "tulip river 42"), click(tid("peer-pass-submit")), chromedp.WaitVisible(tid("peer-create")))
	kept := get(br, tab, "the kept key", 10*time.Second, chromedp.Evaluate[string](`new Promise((ok, no) => {
  const r = indexedDB.open('kith-peer')
  r.onsuccess = () => { const g = r.result.transaction('keys').objectStore('keys').get('device'); g.onsuccess = () => ok(JSON.stringify({pk: !!g.result.privateKey, kf: JSON.parse(g.result.key_file)})); g.onerror = () => no(g.error) }
  r.onerror = () => no(r.error)
})`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(kept, `{"pk":false,"kf":{"format":"kith-key","version":1,"role":"device","public_key":"`) ||
		!strings.Contains(kept, `"encrypted_seed":{"kdf":"argon2id","time":3,"memory_kib":65536,"threads":4,`) || strings.Contains(kept, `"seed":`) {
		t.Fatalf("IndexedDB keeps the device key as %s; want only an Argon2id-encrypted key file", kept)
	}
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	account := get(br, tab, "the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
	if got := waitJS[string](br, tab, "connect to the node", 60*time.Second, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`); got != node.Account {
		t.Fatalf("the browser says the node's account is %s, want %s", got, node.Account)
	}
	node.kith("follow", account)
	br.do(tab, "post", 10*time.Second, chromedp.SendKeys(tid("peer-post-text"), "signed without WebCrypto"), click(tid("peer-post")))
	waitFor(t, syncTimeout, "the node to hold the browser's post", func() bool {
		return slices.Equal(node.posts(account), []string{"signed without WebCrypto"})
	})
	waitJS[bool](br, tab, "the node's post in the browser", syncTimeout, browserPosts+`.includes('from the node')`)
	// The person names the account in the page: a profile entry, signed
	// with the same key; the page shows the name, and so does the node.
	br.do(tab, "set the name", 20*time.Second, chromedp.SendKeys(tid("peer-name"), "Bea"), click(tid("peer-name-save")))
	waitJS[bool](br, tab, "the page to show the name", 20*time.Second, `document.querySelector('[data-testid=peer-me-name]').textContent === 'Bea' && Array.from(document.querySelectorAll('[data-testid=peer-post-author]'), a => a.textContent).includes('Bea (you)')`)
	waitFor(t, syncTimeout, "the node to know the browser's account as Bea", func() bool {
		var a wire.Account
		return json.Unmarshal(node.kith("profile", "show", account), &a) == nil && a.Profile != nil && a.Profile.Name == "Bea"
	})

	br.do(tab, "reopen the page", time.Minute, chromedp.Navigate("about:blank"), chromedp.Navigate(pageURL), chromedp.WaitVisible(tid("peer-pass")))
	if again := get(br, tab, "the second passphrase field", 10*time.Second, chromedp.Evaluate[bool](`!document.getElementById('pass-again-box').hidden`)); again {
		t.Fatal("unlocking asks for the passphrase twice")
	}
	br.do(tab, "a wrong passphrase", 10*time.Second, chromedp.SendKeys(tid("peer-pass"), "tulip river 43"), click(tid("peer-pass-submit")))
	msg := waitJS[string](br, tab, "the message about the wrong passphrase", 2*time.Minute, `document.querySelector('[data-testid=peer-problem]').textContent`)
	if !strings.HasPrefix(msg, "Wrong passphrase: this browser's device key did not decrypt with it; try again") {
		t.Fatalf("a wrong passphrase: the page says %q", msg)
	}
	br.screenshot(tab, "browserpeer-passphrase-2-wrong")
	br.do(tab, "the right passphrase", 2*time.Minute,
		chromedp.SetValue(tid("peer-pass"), "tulip river 42"), click(tid("peer-pass-submit")), chromedp.WaitVisible(tid("peer-account")))
	if again := get(br, tab, "the account after reopening", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`)); again != account {
		t.Fatalf("after reopening the account is %s, want %s", again, account)
	}
	waitJS[bool](br, tab, "the posts after reopening", syncTimeout, browserPosts+`.includes('signed without WebCrypto') && `+browserPosts+`.includes('from the node')`)
	br.screenshot(tab, "browserpeer-passphrase-3-unlocked")
}
