package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// webRTCFlags let two headless chromiums on one machine meet over WebRTC:
// plain addresses in their ICE candidates instead of mDNS names (which
// would have to be resolved by multicast).
var webRTCFlags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebRtcHideLocalIpsWithMdns"),
}

// recordPCs runs in every document before the page: it keeps the page's
// RTCPeerConnections in window.__pcs, for selectedPairs.
const recordPCs = `(() => {
  const Orig = window.RTCPeerConnection
  window.__pcs = []
  const Wrapped = function (...args) { const pc = new Orig(...args); window.__pcs.push(pc); return pc }
  Wrapped.prototype = Orig.prototype
  Object.setPrototypeOf(Wrapped, Orig)
  window.RTCPeerConnection = Wrapped
})()`

// selectedPairs answers "type address -> type address" of the candidate
// pair each connected RTCPeerConnection of the page uses, local then
// remote. The browser hides the address of a remote peer-reflexive
// candidate (one learned from the other side's connectivity check before
// its signalled candidate came; webrtc-stats): it reads "(hidden)".
const selectedPairs = `(async () => {
  const out = []
  for (const pc of window.__pcs) {
    if (pc.connectionState !== 'connected') continue
    const st = await pc.getStats()
    st.forEach((r) => {
      if (r.type !== 'transport' || !r.selectedCandidatePairId) return
      const pair = st.get(r.selectedCandidatePairId)
      const lc = st.get(pair.localCandidateId), rc = st.get(pair.remoteCandidateId)
      out.push(lc.candidateType + ' ' + lc.address + ' -> ' + rc.candidateType + ' ' + (rc.address || '(hidden)'))
    })
  }
  return out
})()`

// onRecordPCs installs recordPCs in a tab.
func onRecordPCs() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordPCs})
		return err
	})
}

// browserPeer is one browser (its own profile) running the page.
type browserPeer struct {
	b       *browser
	profile string
	account string
	key     string // the device key, hex
}

// TestBrowserPeersWebRTC: two browser peers (two chromiums, two profiles)
// and one node on loopback. The page is served by a plain web server, as
// any host may. Each browser makes an account and connects to the node
// over WebSocket; the node follows both; the node introduces them
// (/kith/introduce/1) and signals their WebRTC connection through its
// relay. Each posts and sees the other's post live. The node is killed;
// the two still exchange new posts over their direct WebRTC connection.
// One browser is closed; the other posts; the node starts again on the
// same address; the closed browser, opened again with the same profile,
// shows its posts from IndexedDB without any node, then catches up and
// meets the other browser again.
//
// It runs in a network namespace of its own (inNetNS): chromium offers
// WebRTC candidates of every interface but loopback, and this test must
// not use the machine's own network. The namespace has loopback and one
// veth interface (netnsAddr), which the two chromiums meet on.
func TestBrowserPeersWebRTC(t *testing.T) {
	t.Parallel()
	if !inNetNS(t) {
		return
	}
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	site := httptest.NewServer(http.FileServer(http.Dir(peerDir)))
	defer site.Close()
	node := &proc{t: t, name: "node", home: filepath.Join(t.TempDir(), "node"), listen: "/ip4/127.0.0.1/tcp/0/ws"}
	node.start()
	t.Cleanup(node.stop)
	wsAddr := node.wsAddr()
	page := site.URL + "/index.html"
	withNode := page + "#node=" + url.QueryEscape(wsAddr)

	start := func(name string) *browserPeer {
		bp := &browserPeer{profile: t.TempDir()}
		bp.b = newBrowserAt(t, bp.profile, webRTCFlags...)
		bp.b.do(bp.b.ctx, name+": open the page", time.Minute, onRecordPCs(), chromedp.Navigate(withNode), chromedp.WaitVisible(tid("peer-create")))
		b, tab := bp.b, bp.b.ctx
		b.do(tab, name+": make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
		b.do(tab, name+": close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
		bp.account = get(b, tab, name+": the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
		bp.key = get(b, tab, name+": the device key", 10*time.Second, chromedp.Evaluate[string](`Array.from(window.kithPeer.key.publicRaw, x => x.toString(16).padStart(2, '0')).join('')`))
		if got := waitJS[string](b, tab, name+": connect to the node", 60*time.Second, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`); got != node.Account {
			t.Fatalf("%s says the node's account is %s, want %s", name, got, node.Account)
		}
		node.kith("follow", bp.account)
		return bp
	}
	post := func(bp *browserPeer, name, text string) {
		bp.b.do(bp.b.ctx, name+": post "+text, 10*time.Second, chromedp.SendKeys(tid("peer-post-text"), text), click(tid("peer-post")))
	}
	sees := func(bp *browserPeer, name, text string) {
		waitJS[bool](bp.b, bp.b.ctx, name+" sees "+text, syncTimeout, browserPosts+`.includes(`+jsString(text)+`)`)
	}
	// direct waits until bp syncs with other over a direct WebRTC
	// connection: the page lists it, and a sync session with its key runs.
	direct := func(bp *browserPeer, name string, other *browserPeer) {
		waitJS[bool](bp.b, bp.b.ctx, name+": a WebRTC connection and a sync session with the other browser", 90*time.Second,
			`document.querySelector('[data-testid=peer-direct]').textContent.startsWith('Directly connected to 1 browser peer: webrtc ')`+
				` && (window.kithPeer.peer.sessions() || []).some(s => s.peer === `+jsString(other.key)+`)`)
	}

	a := start("A")
	b := start("B")
	direct(a, "A", b)
	direct(b, "B", a)
	for _, bp := range []*browserPeer{a, b} {
		pairs := get(bp.b, bp.b.ctx, "the WebRTC candidate pairs", 10*time.Second, chromedp.Evaluate[[]string](selectedPairs, chromedp.EvalAwaitPromise))
		// Direct, between two ports of the namespace's one address: the
		// remote side is its host candidate, or the same learned from
		// its connectivity check first (peer-reflexive, address hidden;
		// seen in CI under load). Never a relay.
		host := "host " + netnsAddr + " -> host " + netnsAddr
		prflx := "host " + netnsAddr + " -> prflx (hidden)"
		if len(pairs) != 1 || (pairs[0] != host && pairs[0] != prflx) {
			t.Fatalf("the browsers' WebRTC connections use the candidate pairs %q, want one between two ports of the namespace's %s (%q or %q)", pairs, netnsAddr, host, prflx)
		}
	}
	post(a, "A", "hello from A")
	sees(b, "B", "hello from A")
	post(b, "B", "hello from B")
	sees(a, "A", "hello from B")
	a.b.screenshot(a.b.ctx, "browserwebrtc-1-a-with-node")

	// The node is killed: the two browsers keep their direct connection.
	if err := node.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = node.cmd.Wait()
	node.cmd = nil
	waitJS[bool](a.b, a.b.ctx, "A notices the node went away", 30*time.Second, `document.querySelector('[data-testid=peer-net]').textContent.startsWith('The node went away')`)
	post(a, "A", "no node, from A")
	sees(b, "B", "no node, from A")
	post(b, "B", "no node, from B")
	sees(a, "A", "no node, from B")
	for _, bp := range []*browserPeer{a, b} {
		sessions := get(bp.b, bp.b.ctx, "the sync sessions", 10*time.Second, chromedp.Evaluate[[]string](`(window.kithPeer.peer.sessions() || []).map(s => s.peer)`))
		other := a.key
		if bp == a {
			other = b.key
		}
		if !slices.Equal(sessions, []string{other}) {
			t.Fatalf("with the node gone, a browser syncs with %v, want only the other browser %s", sessions, other)
		}
	}
	// Posts re-rendered the page meanwhile: it still says the node is
	// gone (it said "Connected to the node of …" again before).
	for _, bp := range []*browserPeer{a, b} {
		if got := get(bp.b, bp.b.ctx, "the node's status", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-net]').textContent`)); got != "The node went away; trying again…" {
			t.Fatalf("with the node gone, a browser says %q", got)
		}
	}
	a.b.screenshot(a.b.ctx, "browserwebrtc-2-a-without-node")
	b.b.screenshot(b.b.ctx, "browserwebrtc-3-b-without-node")
	wantB := []string{"hello from A", "hello from B", "no node, from A", "no node, from B"}
	waitJS[bool](b.b, b.b.ctx, "B's IndexedDB to hold every entry", 10*time.Second, `window.kithPeer.written >= 5 && !window.kithPeer.failed`)

	// B is closed; A posts; the node starts again on the same address.
	b.b.close()
	post(a, "A", "while B was away")
	port := regexp.MustCompile(`/tcp/(\d+)/ws/`).FindStringSubmatch(wsAddr)
	if port == nil {
		t.Fatalf("no port in %s", wsAddr)
	}
	node.listen = "/ip4/127.0.0.1/tcp/" + port[1] + "/ws"
	node.start()
	if node.wsAddr() != wsAddr {
		t.Fatalf("the node came back at %s, want %s", node.wsAddr(), wsAddr)
	}
	waitFor(t, syncTimeout, "A to reconnect to the node and give it the post made while B was away", func() bool {
		return slices.Contains(node.posts(a.account), "while B was away")
	})

	// B opened again, same profile, no node: its posts are in IndexedDB.
	b.b = newBrowserAt(t, b.profile, webRTCFlags...)
	tab := b.b.ctx
	b.b.do(tab, "B again, without the node", time.Minute, onRecordPCs(), chromedp.Navigate(page), chromedp.WaitVisible(tid("peer-account")))
	if got := get(b.b, tab, "B's account after reopening", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`)); got != b.account {
		t.Fatalf("B reopened has account %s, want %s", got, b.account)
	}
	posts := waitJS[[]string](b.b, tab, "B's posts from IndexedDB", 30*time.Second, `(p => p.length === 4 && p)(`+browserPosts+`)`)
	slices.Sort(posts)
	if !slices.Equal(posts, wantB) {
		t.Fatalf("B reopened shows %q, want %q", posts, wantB)
	}
	b.b.screenshot(tab, "browserwebrtc-4-b-reopened-offline")
	b.b.do(tab, "B again, with the node", time.Minute, chromedp.Navigate("about:blank"), chromedp.Navigate(withNode), chromedp.WaitVisible(tid("peer-account")))
	sees(b, "B again", "while B was away")
	direct(b, "B again", a)
	direct(a, "A", b)
	post(b, "B again", "back, from B")
	sees(a, "A", "back, from B")
	b.b.screenshot(tab, "browserwebrtc-5-b-caught-up")
	waitFor(t, syncTimeout, "the node to hold B's posts, those made while it was down too", func() bool {
		got := node.posts(b.account)
		return slices.Contains(got, "no node, from B") && slices.Contains(got, "back, from B")
	})
}

// netnsAddr is the address of the one interface besides loopback in the
// namespace: one end of a veth pair whose other end is in the namespace
// too (nothing else is behind it), with the default route through it:
// chromium's WebRTC offers no candidates without such an interface and
// route (loopback alone gives none, its flag notwithstanding).
const netnsAddr = "10.77.0.1"

// netnsEnv marks the run of a test inside the namespace inNetNS made;
// netnsKithEnv and netnsPeerEnv give it the kith binary and the browser
// peer that the parent run built, so that it builds neither again.
const (
	netnsEnv     = "KITH_TEST_IN_NETNS"
	netnsKithEnv = "KITH_TEST_IN_NETNS_KITH"
	netnsPeerEnv = "KITH_TEST_IN_NETNS_PEER"
)

// inNetNS reports whether the test runs in a network namespace of its own
// with loopback and a veth interface at netnsAddr. If not, it runs the
// test again in one (this test binary under unshare --net, as root), reports that run's output and
// answers false: the caller returns. Without unshare or root it skips, or
// fails under KITH_REQUIRE_BROWSER=1.
func inNetNS(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == t.Name() {
		return true
	}
	chromiumPath(t)
	unshare, err := exec.LookPath("unshare")
	if err == nil && os.Geteuid() != 0 {
		err = errors.New("not root")
	}
	if err != nil {
		msg := fmt.Sprintf("%s needs a network namespace of its own (unshare --net, as root): %v", t.Name(), err)
		if os.Getenv("KITH_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(unshare, "--net", "--", "sh", "-c", "ip link set lo up && ip link add kith0 type veth peer name kith1 && ip addr add "+netnsAddr+"/24 dev kith0 && ip link set kith0 up && ip link set kith1 up && ip route add default dev kith0 && exec \"$0\" \"$@\"",
		os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.count", "1", "-test.v", "-test.timeout", "20m")
	cmd.Env = append(os.Environ(), netnsEnv+"="+t.Name(), netnsKithEnv+"="+kithBin, netnsPeerEnv+"="+ensurePeerBuilt(t), "KITH_SCREENSHOT_DIR="+screenshotDir(t))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s in its network namespace: %v\n%s", t.Name(), err, out)
	}
	t.Logf("%s in its network namespace:\n%s", t.Name(), out)
	return false
}
