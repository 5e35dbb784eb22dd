package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPeersTURN: two browser peers that can meet only through the
// node's TURN relay. The node runs its STUN/TURN server (turn_listen =
// 0.0.0.0:0, as a hub would); both pages are forced to relay-only ICE
// ('#…&ice=relay', a test-only switch), so no host or reflexive
// candidate is offered and the only way their WebRTC connection comes up
// is relay to relay through the node. They connect, exchange posts, and
// the node's status counts two allocations and the bytes it relayed. A
// third page, whose account the node does not follow, is given no
// credentials and says why.
//
// It runs in a network namespace of its own (inNetNS), as
// TestBrowserPeersWebRTC: the node listens on WebSocket at netnsAddr, so
// the pages reach its STUN/TURN server there.
func TestBrowserPeersTURN(t *testing.T) {
	t.Parallel()
	if !inNetNS(t) {
		return
	}
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	site := httptest.NewServer(http.FileServer(http.Dir(peerDir)))
	defer site.Close()
	home := filepath.Join(t.TempDir(), "node")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte("turn_listen = \"0.0.0.0:0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	node := &proc{t: t, name: "node", home: home, listen: "/ip4/" + netnsAddr + "/tcp/0/ws", extra: []string{"--log-level", "debug"}}
	node.start()
	t.Cleanup(node.stop)
	t.Cleanup(func() {
		if t.Failed() { // what the node's STUN/TURN server did
			if st := node.status().TURN; st != nil {
				t.Logf("the node's TURN server: %+v", *st)
			}
			for _, l := range strings.Split(node.stderr.String(), "\n") {
				if strings.Contains(l, "TURN") || strings.Contains(l, "pion") {
					t.Log(l)
				}
			}
		}
	})
	wsAddr := ""
	for _, a := range node.Addrs {
		if strings.HasPrefix(a, "/ip4/"+netnsAddr+"/tcp/") && strings.Contains(a, "/ws/p2p/") {
			wsAddr = a
		}
	}
	if wsAddr == "" {
		t.Fatalf("the node has no WebSocket address at %s: %v", netnsAddr, node.Addrs)
	}
	st := node.status()
	if st.TURN == nil || len(st.TURN.Listen) != 2 || !strings.HasPrefix(st.TURN.Listen[0], "10.77.0.1:") || !strings.HasPrefix(st.TURN.Listen[1], "127.0.0.1:") {
		t.Fatalf("the node's STUN/TURN server listens on %+v, want 10.77.0.1 and 127.0.0.1 (every IPv4 address of the namespace)", st.TURN)
	}
	port := strings.TrimPrefix(st.TURN.Listen[0], "10.77.0.1:")
	withNode := site.URL + "/index.html#node=" + url.QueryEscape(wsAddr) + "&ice=relay"

	open := func(name string) *browserPeer {
		bp := &browserPeer{profile: t.TempDir()}
		bp.b = newBrowserAt(t, bp.profile, webRTCFlags...)
		b, tab := bp.b, bp.b.ctx
		b.do(tab, name+": open the page", time.Minute, onRecordPCs(), chromedp.Navigate(withNode), chromedp.WaitVisible(tid("peer-create")))
		b.do(tab, name+": make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
		b.do(tab, name+": close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
		bp.account = get(b, tab, name+": the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
		bp.key = get(b, tab, name+": the device key", 10*time.Second, chromedp.Evaluate[string](`Array.from(window.kithPeer.key.publicRaw, x => x.toString(16).padStart(2, '0')).join('')`))
		if got := waitJS[string](b, tab, name+": connect to the node", 60*time.Second, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`); got != node.Account {
			t.Fatalf("%s says the node's account is %s, want %s", name, got, node.Account)
		}
		return bp
	}
	iceText := func(bp *browserPeer, name, want string) {
		got := waitJS[string](bp.b, bp.b.ctx, name+": the page says what the node's relay gives it", 30*time.Second,
			`(t => t.startsWith(`+jsString(want[:20])+`) && t)(document.querySelector('[data-testid=peer-ice]').textContent)`)
		if got != want {
			t.Fatalf("%s says %q, want %q", name, got, want)
		}
	}
	given := "Browsers on other networks can meet this one through the node's relay (STUN/TURN on UDP port " + port + ")."

	a, b := open("A"), open("B")
	node.kith("follow", a.account)
	node.kith("follow", b.account)
	iceText(a, "A", given)
	iceText(b, "B", given)
	for _, p := range []struct {
		bp   *browserPeer
		name string
		peer *browserPeer
	}{{a, "A", b}, {b, "B", a}} {
		waitJS[bool](p.bp.b, p.bp.b.ctx, p.name+": a WebRTC connection through the relay and a sync session with the other browser", 2*time.Minute,
			`document.querySelector('[data-testid=peer-direct]').textContent.startsWith('Directly connected to 1 browser peer: webrtc ')`+
				` && (window.kithPeer.peer.sessions() || []).some(s => s.peer === `+jsString(p.peer.key)+`)`)
	}
	for _, bp := range []*browserPeer{a, b} {
		pairs := get(bp.b, bp.b.ctx, "the WebRTC candidate pairs", 10*time.Second, chromedp.Evaluate[[]string](selectedPairs, chromedp.EvalAwaitPromise))
		// Relay to relay: both relayed addresses are the node's, on the
		// address the pages reached it at.
		if want := "relay " + netnsAddr + " -> relay " + netnsAddr; len(pairs) != 1 || pairs[0] != want {
			t.Fatalf("the browsers' WebRTC connections use the candidate pairs %q, want %q", pairs, want)
		}
	}
	post := func(bp *browserPeer, name, text string) {
		bp.b.do(bp.b.ctx, name+": post "+text, 10*time.Second, chromedp.SendKeys(tid("peer-post-text"), text), click(tid("peer-post")))
	}
	sees := func(bp *browserPeer, name, text string) {
		waitJS[bool](bp.b, bp.b.ctx, name+" sees "+text, syncTimeout, browserPosts+`.includes(`+jsString(text)+`)`)
	}
	// The node stops following both accounts: it no longer takes their
	// new posts, so it cannot pass them on; what A and B post from now
	// on reaches the other only over their connection through the relay
	// (their allocations and credentials stay: the node checks the
	// circle when it gives credentials, not on each TURN request).
	node.kith("unfollow", a.account)
	node.kith("unfollow", b.account)
	before := node.status().TURN.BytesRelayed
	post(a, "A", "relayed from A")
	sees(b, "B", "relayed from A")
	post(b, "B", "relayed from B")
	sees(a, "A", "relayed from B")
	for _, p := range []struct {
		account, text string
	}{{a.account, "relayed from A"}, {b.account, "relayed from B"}} {
		if slices.Contains(node.posts(p.account), p.text) {
			t.Fatalf("the node holds %q: it was to reach the other browser through the relay only", p.text)
		}
	}
	a.b.screenshot(a.b.ctx, "browserturn-1-a-through-the-relay")
	b.b.screenshot(b.b.ctx, "browserturn-2-b-through-the-relay")
	waitFor(t, 30*time.Second, "the node's TURN server to count the two pages' allocations and the bytes it relayed", func() bool {
		tr := node.status().TURN
		return tr != nil && tr.Allocations >= 2 && tr.BytesRelayed > before
	})
	tr := node.status().TURN
	t.Logf("the node's TURN server: %+v", *tr)
	if tr.RefusedPeer != 0 || tr.DroppedOwn != 0 || tr.RefusedQuota != 0 {
		t.Fatalf("the node's TURN server refused something of the two pages: %+v", *tr)
	}

	// C: a page whose account the node does not follow gets no
	// credentials, and says why and what to do.
	c := open("C")
	iceText(c, "C", "No relay for browsers on other networks: the node gives its relay only to its own account and the accounts it follows: follow this browser's account on the node (kith follow "+c.account+"). Browsers on this network still meet directly.")
	if got := get(c.b, c.b.ctx, "C's ICE answer", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-ice]').dataset.status`)); got != "3" {
		t.Fatalf("C's answer has status %s, want 3 (not in the node's circle)", got)
	}
	c.b.screenshot(c.b.ctx, "browserturn-3-c-not-followed")
	if got := node.status().TURN.AllocationsTotal; got != tr.AllocationsTotal {
		t.Fatalf("the node's TURN server made %d allocations after C came, want %d: C has no credentials", got, tr.AllocationsTotal)
	}
}
