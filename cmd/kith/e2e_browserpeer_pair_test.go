package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestBrowserPeerPairAndRevoke: 'kith device pair' on a node shows a code;
// the browser peer's page takes it and becomes a device of the node's
// account without the phrase, by the same exchange as 'kith init --pair'
// (internal/pairing, compiled to WebAssembly, signed by the browser's
// WebCrypto key). The node lists the browser by its name; posts go both
// ways. Then the node revokes the browser: the page says so, in words,
// and no longer posts.
func TestBrowserPeerPairAndRevoke(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	node := startNode(t, "node", filepath.Join(t.TempDir(), "node"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	node.kith("profile", "set", "--name", "Ann")
	node.post("from the node, before pairing")
	tab := br.ctx
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(strings.TrimSuffix(node.API, "/")+"/peer/"), chromedp.WaitVisible(tid("peer-create")))

	// A mistyped code is caught in the page, before anything is sent.
	pr := startPairer(t, node)
	bad := pr.code.Code[:len(pr.code.Code)-3] + "AAA"
	if bad == pr.code.Code {
		bad = pr.code.Code[:len(pr.code.Code)-3] + "BBB"
	}
	br.do(tab, "a mistyped code", 10*time.Second, click("#pair summary"), chromedp.SetValue(tid("peer-pair-code"), bad), click(tid("peer-pair-submit")))
	msg := waitJS[string](br, tab, "the message about the mistyped code", 10*time.Second, `document.querySelector('[data-testid=peer-problem]').textContent`)
	if !strings.Contains(msg, "This pairing code cannot be used") || !strings.Contains(msg, "mistyped or incomplete") {
		t.Fatalf("a mistyped code: the page says %q", msg)
	}

	br.do(tab, "pair", 10*time.Second,
		chromedp.SetValue(tid("peer-device-name"), "kitchen browser"), chromedp.SetValue(tid("peer-pair-code"), pr.code.Code),
		click(tid("peer-pair-submit")))
	br.screenshot(tab, "browserpeer-pair-1-code")
	br.do(tab, "wait for the pairing", time.Minute, chromedp.WaitVisible(tid("peer-account")))
	account := get(br, tab, "the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
	device := get(br, tab, "the device", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-device]').textContent`))
	if account != node.Account {
		t.Fatalf("the paired browser's account is %s, want the node's %s", account, node.Account)
	}
	st, err := pr.end()
	if err != nil || st.State != wire.PairingUsed || st.Device != device || st.Name != "kitchen browser" {
		t.Fatalf("device pair ended with %+v, %v; want the browser's device %s; stderr:\n%s", st, err, device, pr.stderr)
	}
	names := map[string]string{}
	for _, d := range deviceList(t, node).Devices {
		names[d.ID] = d.Name
	}
	if len(names) != 2 || names[device] != "kitchen browser" {
		t.Fatalf("the node lists devices %v, want two with the browser as \"kitchen browser\"", names)
	}
	// The browser is a device of the node's account: no follow is needed
	// either way.
	waitJS[bool](br, tab, "the node's post in the browser", syncTimeout, browserPosts+`.includes('from the node, before pairing')`)
	br.do(tab, "post", 10*time.Second, chromedp.SendKeys(tid("peer-post-text"), "from the paired browser"), click(tid("peer-post")))
	waitFor(t, syncTimeout, "the node to hold the browser's post as its account's", func() bool {
		return slices.Contains(node.posts(node.Account), "from the paired browser")
	})
	// Names, not ids: the account's profile name (set on the node), each
	// device's name from its certificate.
	var nodeDevice string
	for _, d := range deviceList(t, node).Devices {
		if d.ID == node.Device {
			nodeDevice = d.Name
		}
	}
	if nodeDevice == "" {
		t.Fatal("the node's device has no name")
	}
	authors := waitJS[[]string](br, tab, "the posts' authors by name", syncTimeout, `(a => a.length === 2 && a.every(w => w.startsWith('Ann')) && a)(Array.from(document.querySelectorAll('[data-testid=peer-post-item] .who'), d => d.textContent))`)
	for i, a := range authors { // the node's seq depends on what it wrote before
		authors[i] = a[:strings.LastIndex(a, " · #")]
	}
	slices.Sort(authors)
	if want := slices.Sorted(slices.Values([]string{"Ann (you) · on " + nodeDevice, "Ann (you) · on kitchen browser"})); !slices.Equal(authors, want) {
		t.Fatalf("the posts' authors: %q, want %q", authors, want)
	}
	me := waitJS[string](br, tab, "the page's names for this account and device", 10*time.Second, `(t => t.includes('Ann') && t)(document.querySelector('.me').textContent)`)
	if me != "You are Ann, on kitchen browser." {
		t.Fatalf("the page says %q", me)
	}
	if nt := waitJS[string](br, tab, "the node by its name", 10*time.Second, `(t => t.includes('Ann') && t)(document.querySelector('[data-testid=peer-net]').textContent)`); nt != "Connected to the node of Ann." {
		t.Fatalf("the page says %q", nt)
	}
	br.screenshot(tab, "browserpeer-pair-2-paired")

	// The node revokes the browser: the page learns it by sync, says so
	// and stops posting.
	node.kith("device", "revoke", device, "--reason", "left at the café")
	revoked := waitJS[string](br, tab, "the page to say it was revoked", syncTimeout, `(e => !e.hidden && e.textContent)(document.querySelector('[data-testid=peer-revoked]')) || ''`)
	want := "This browser (device " + device + ") was revoked by its account " + node.Account + ` (reason: "left at the café"). It can no longer post`
	if !strings.HasPrefix(revoked, want) {
		t.Fatalf("the page says %q, want it to start with %q", revoked, want)
	}
	if vis := get(br, tab, "the post form", 10*time.Second, chromedp.Evaluate[bool](`!document.getElementById('post-form').hidden`)); vis {
		t.Fatal("the post form is still shown on a revoked device")
	}
	// Posting from script too is refused, and nothing is made.
	perr := get(br, tab, "a post after the revocation", 20*time.Second, chromedp.Evaluate[string](
		`window.kithPeer.peer.post('after the revocation').then(() => 'made', e => e.message)`, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(perr, want) {
		t.Fatalf("a post after the revocation: %q", perr)
	}
	br.screenshot(tab, "browserpeer-pair-3-revoked")
}
