package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// garbageNode is a libp2p host in the test process, on loopback
// WebSocket, that a browser peer takes for its node: it answers the
// certificate exchange honestly (so the page follows its account and
// syncs) and then answers the page's sync session with send's bytes, or,
// without send, with a real sync engine whose store forges signatures. Its
// device key is made greater than the page's, so that the page opens the
// session (doc/protocol/sync.md). It returns its address and the id of
// its certificate (hex), which the page keeps: the one honest thing it
// says.
func garbageNode(t *testing.T, page identity.PublicKey, send func(self identity.PublicKey) []byte) (addr, certID string) {
	t.Helper()
	account, _ := identity.GenerateKey(nil)
	var key identity.PrivateKey
	for {
		k, err := identity.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		if pub := k.Public(); bytes.Compare(pub[:], page[:]) > 0 {
			key = k
			break
		}
	}
	h, err := netnode.New(t.Context(), netnode.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0/ws"}, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	cert, err := content.NewDeviceCert(account, key, "garbage", 1)
	if err != nil {
		t.Fatal(err)
	}
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	if send == nil {
		// A node that forges: a real sync engine, honest in the protocol,
		// whose store hands out its post with the signature's last byte
		// flipped.
		st := forgingStore{mem.New()}
		post, err := entry.Sign(key, entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1, Payload: mustPost(t, "forged by the node")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Ingest(t.Context(), []*entry.Entry{cert, post}); err != nil {
			t.Fatal(err)
		}
		eng := replicate.NewEngine(replicate.Config{Store: st, Scope: offerAll{}, Self: key.Public()})
		h.Handle("/kith/sync/1", func(remote identity.PublicKey, s netnode.Stream) {
			defer s.Close()
			_ = eng.Run(t.Context(), remote, s, false)
		})
	} else {
		h.Handle("/kith/sync/1", func(_ identity.PublicKey, s netnode.Stream) {
			defer s.Close()
			_ = s.SetDeadline(time.Now().Add(20 * time.Second))
			_, _ = s.Write(send(key.Public()))
			buf := make([]byte, 4096)
			for {
				if _, err := s.Read(buf); err != nil {
					return
				}
			}
		})
	}
	for _, a := range h.Addrs() {
		if strings.HasPrefix(a, "/ip4/127.0.0.1/tcp/") && strings.Contains(a, "/ws/p2p/") {
			return a, hex.EncodeToString(cert.ID[:])
		}
	}
	t.Fatalf("the garbage node has no loopback WebSocket address: %v", h.Addrs())
	return "", ""
}

// forgingStore hands out the entries of public logs with the last byte of
// their header, in the signature, flipped.
type forgingStore struct{ *mem.Store }

func (f forgingStore) LogRaw(ctx context.Context, log store.LogKey, from uint64, n int) ([]store.RawEntry, error) {
	rs, err := f.Store.LogRaw(ctx, log, from, n)
	for i := range rs {
		if log.LogID == entry.PublicLog {
			h := bytes.Clone(rs[i].Header)
			h[len(h)-1] ^= 1
			rs[i].Header = h
		}
	}
	return rs, err
}

// offerAll offers every log held and wants none.
type offerAll struct{}

func (offerAll) Offers(identity.PublicKey, store.LogKey) bool { return true }
func (offerAll) Wants(store.LogKey) bool                      { return false }

func mustPost(t *testing.T, text string) []byte {
	t.Helper()
	b, err := content.Encode(&content.Post{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBrowserPeerGarbageFromNode (issue 19, "Bad input: a node or a peer
// sending garbage"): the page connects to a "node" that answers its sync
// session, honest in the protocol, with its post whose signature it
// forged; with an entry the page did not ask for; with undecodable bytes;
// or with a frame that says it is 2 GiB long. Each time the page says the sync stopped and why, IndexedDB
// holds exactly what it held before, and the page keeps working: it
// posts, and syncs with a real node afterwards.
func TestBrowserPeerGarbageFromNode(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	node := startNode(t, "node", filepath.Join(t.TempDir(), "node"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	node.kith("profile", "set", "--name", "Ann")
	node.post("from the honest node")
	page := strings.TrimSuffix(node.API, "/") + "/peer/"
	tab := br.ctx
	// The page's account, synced with an honest node first: its own
	// entries (certificate, encryption key, a post) are all kept before
	// the garbage comes.
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(page+"#node="+url.QueryEscape(node.wsAddr())), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	waitJS[bool](br, tab, "the honest node's post", syncTimeout, browserPosts+`.includes('from the honest node')`)
	br.do(tab, "post", 10*time.Second, chromedp.SetValue(tid("peer-post-text"), "before the garbage"), click(tid("peer-post")))
	waitJS[bool](br, tab, "the post shown", 10*time.Second, browserPosts+`.includes('before the garbage')`)
	devHex := get(br, tab, "the device key", 10*time.Second, chromedp.Evaluate[string](`Array.from(window.kithPeer.key.publicRaw, b => b.toString(16).padStart(2, '0')).join('')`))
	raw, err := hex.DecodeString(devHex)
	if err != nil || len(raw) != 32 {
		t.Fatalf("the page's device key %q", devHex)
	}
	pageKey := identity.PublicKey(raw)

	const countEntries = `new Promise(r => { const q = window.kithPeer.db.transaction('entries').objectStore('entries').count(); q.onsuccess = () => r(q.result) })`
	const allIDs = `new Promise(r => { const q = window.kithPeer.db.transaction('entries').objectStore('entries').getAll(); q.onsuccess = () => r(q.result.map(e => e.id)) })`
	hello := replicate.AppendFrame(nil, &replicate.Hello{Version: 1})
	cases := []struct {
		name string
		send func(self identity.PublicKey) []byte
		says string // in the page's message
	}{
		{"forged", nil, "The sync with the node stopped: it sent an entry that does not verify (its signature or its chain is wrong); this browser refused it and kept nothing of it. If this goes on, connect to another node. (sync protocol error (4, invalid entry): "},
		{"unasked", func(self identity.PublicKey) []byte {
			return replicate.AppendFrame(bytes.Clone(hello), &replicate.Entries{Entries: []*entry.Entry{forgedEntry(t, self, "forged by the node")}})
		}, "The sync with the node stopped: it sent entries this browser did not ask for; this browser refused it and kept nothing of it. If this goes on, connect to another node. (sync protocol error (5, unsolicited entry): "},
		{"undecodable", func(identity.PublicKey) []byte {
			return append(bytes.Clone(hello), "\x00\x00\x00\x10this is not cbor!"...)
		}, "The sync with the node stopped: it sent bytes that are not kith's sync protocol; this browser refused it and kept nothing of it. If this goes on, connect to another node. (sync protocol error (2, malformed message): "},
		{"oversized", func(identity.PublicKey) []byte {
			return append(bytes.Clone(hello), 0x7f, 0xff, 0xff, 0xff, 1, 2, 3)
		}, "The sync with the node stopped: it sent a message larger than the protocol allows; this browser refused it and kept nothing of it. If this goes on, connect to another node. (sync protocol error (3, limit exceeded): "},
	}
	for i, tc := range cases {
		get(br, tab, "the writes under way", 10*time.Second, chromedp.Evaluate[bool](`window.kithPeer.writes.then(() => !window.kithPeer.failed)`, chromedp.EvalAwaitPromise))
		before := get(br, tab, "the entries kept", 10*time.Second, chromedp.Evaluate[[]string](allIDs, chromedp.EvalAwaitPromise))
		addr, certID := garbageNode(t, pageKey, tc.send)
		br.do(tab, tc.name+": open the page with the garbage node", time.Minute, chromedp.Navigate("about:blank"),
			chromedp.Navigate(page+"#node="+url.QueryEscape(addr)), chromedp.WaitVisible(tid("peer-account")))
		msg := waitJS[string](br, tab, tc.name+": the page's message", syncTimeout, `document.querySelector('[data-testid=peer-problem]').textContent`)
		t.Logf("%s: the page says %q", tc.name, msg)
		if !strings.HasPrefix(msg, tc.says) {
			t.Fatalf("%s: the page says %q, want it to start with %q", tc.name, msg, tc.says)
		}
		if i == 0 {
			br.screenshot(tab, "browserpeer-garbage-1-forged")
		}
		// Nothing of it kept: the same entries, by id, and the node's
		// certificate (checked and followed before the sync began).
		time.Sleep(time.Second) // what would be written has had its time
		after := get(br, tab, "the entries kept", 10*time.Second, chromedp.Evaluate[[]string](allIDs, chromedp.EvalAwaitPromise))
		want := append(slices.Clone(before), certID)
		slices.Sort(want)
		slices.Sort(after)
		if !slices.Equal(after, want) {
			t.Fatalf("%s: IndexedDB holds\n%q\nafter, want\n%q", tc.name, after, want)
		}
		if strings.Contains(get(br, tab, "the page's text", 10*time.Second, chromedp.Evaluate[string](`document.body.innerText`)), "forged by the node") {
			t.Fatalf("%s: the forged post is shown", tc.name)
		}
	}
	n := get(br, tab, "the entries kept", 10*time.Second, chromedp.Evaluate[float64](countEntries, chromedp.EvalAwaitPromise))
	// The page keeps working: it posts, and syncs with the honest node.
	br.do(tab, "post after the garbage", 10*time.Second, chromedp.SetValue(tid("peer-post-text"), "after the garbage"), click(tid("peer-post")))
	waitJS[bool](br, tab, "the post after the garbage", 10*time.Second, browserPosts+`.includes('after the garbage')`)
	if m := get(br, tab, "the entries kept", 10*time.Second, chromedp.Evaluate[float64](countEntries, chromedp.EvalAwaitPromise)); m != n+1 {
		t.Fatalf("IndexedDB holds %v entries after one more post, want %v", m, n+1)
	}
	node.post("from the honest node, after the garbage")
	br.do(tab, "open the page with the honest node", time.Minute, chromedp.Navigate("about:blank"),
		chromedp.Navigate(page+"#node="+url.QueryEscape(node.wsAddr())), chromedp.WaitVisible(tid("peer-account")))
	waitJS[bool](br, tab, "the honest node's new post", syncTimeout, browserPosts+`.includes('from the honest node, after the garbage')`)
	br.screenshot(tab, "browserpeer-garbage-2-after")
}
