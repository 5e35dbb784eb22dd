package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
)

// browserSpace is one space as the browser peer's page shows it.
type browserSpace struct {
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Members  string   `json:"members"`
	Note     string   `json:"note"`
	Texts    []string `json:"texts"`    // the readable messages, in the order shown
	Authors  []string `json:"authors"`  // their authors as shown
	Statuses []string `json:"statuses"` // every message's status, in the order shown
	Why      []string `json:"why"`      // what the page says of each unreadable one
}

// browserSpaces reads the spaces the page shows.
const browserSpaces = `Array.from(document.querySelectorAll('[data-testid=peer-space]'), a => ({
  name: a.querySelector('[data-testid=peer-space-name]').firstChild.textContent,
  role: a.querySelector('[data-testid=peer-space-name] .role').textContent,
  members: a.querySelector('[data-testid=peer-space-members]').textContent,
  note: (a.querySelector('[data-testid=peer-space-note]') || {}).textContent || '',
  texts: Array.from(a.querySelectorAll('[data-testid=peer-space-text]'), d => d.textContent),
  authors: Array.from(a.querySelectorAll('[data-status=readable] [data-testid=peer-space-author]'), d => d.textContent),
  statuses: Array.from(a.querySelectorAll('[data-testid=peer-space-post]'), li => li.dataset.status),
  why: Array.from(a.querySelectorAll('[data-testid=peer-space-why]'), d => d.textContent),
}))`

// TestBrowserPeerSpace (issue 19, item 3: "a browser peer can read a
// space it belongs to"): a real node and a headless Chromium. The page
// makes an account; its WebCrypto X25519 key (non-extractable) is
// published as its seal.key. The node creates a space, posts in it, adds
// the browser's account and posts again: the node's keys reach the
// browser (the current epoch wrapped to its key), and the page shows the
// space by name with both posts, decrypted in the browser by kith's Go in
// WebAssembly, by their author's name. A second space the browser's
// account is not in reaches the browser as ciphertext (it follows the
// node) and is shown nowhere. After a reload without the node the page
// reads the space again from IndexedDB. Then the node removes the browser:
// the new epoch is not wrapped to it, so the node's next post stays
// sealed in the page, said in words, and the earlier ones stay readable.
func TestBrowserPeerSpace(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	node := startNode(t, "node", filepath.Join(t.TempDir(), "node"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	node.kith("profile", "set", "--name", "Ann")
	page := strings.TrimSuffix(node.API, "/") + "/peer/"
	tab := br.ctx

	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(page+"#node="+url.QueryEscape(node.wsAddr())), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	account := get(br, tab, "the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
	br.do(tab, "name the browser's account", 10*time.Second, chromedp.SetValue(tid("peer-name"), "Bea"), click(tid("peer-name-save")))
	if got := waitJS[string](br, tab, "connect to the node", time.Minute, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`); got != node.Account {
		t.Fatalf("the browser says the node's account is %s, want %s", got, node.Account)
	}
	// The decryption key is a non-extractable WebCrypto X25519 key.
	kind := waitJS[string](br, tab, "the spaces' key", 10*time.Second,
		`(async () => { const k = await new Promise(r => { const q = window.kithPeer.db.transaction('keys').objectStore('keys').get('seal'); q.onsuccess = () => r(q.result) }); return k && (k.privateKey.algorithm.name + ' extractable=' + k.privateKey.extractable + ' ' + window.kithPeer.peer.spaceKeyKind()) })()`)
	if kind != "X25519 extractable=false X25519 (WebCrypto)" {
		t.Fatalf("the spaces' key is %q, want a non-extractable WebCrypto X25519 key", kind)
	}

	// A third account, never met: both spaces need someone besides the node.
	other, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	cai := other.Public().Account().String()
	caiShown := cai[:12] + "…" // no name held: the start of the id
	var garden, secret wire.SpaceEntry
	if err := json.Unmarshal(node.kith("space", "create", "Garden", "--with", cai), &garden); err != nil || garden.Space == "" {
		t.Fatalf("space create Garden: %+v %v", garden, err)
	}
	if err := json.Unmarshal(node.kith("space", "create", "Secret plans", "--with", cai), &secret); err != nil || secret.Space == "" {
		t.Fatalf("space create Secret plans: %+v %v", secret, err)
	}
	const before, after, hidden = "Tomatoes need water on Friday.", "Bea, the shed key is under the blue pot.", "The surprise party is on the 12th."
	node.kith("space", "post", garden.Space, before)
	node.kith("space", "post", secret.Space, hidden)
	node.kith("space", "add", garden.Space, account)
	node.kith("space", "post", garden.Space, after)

	want := browserSpace{Name: "Garden", Role: "you are a member", Texts: []string{before, after}, Authors: []string{"Ann", "Ann"}, Statuses: []string{"readable", "readable"}}
	got := waitSpaces(br, tab, "the space and its posts in the browser", func(ss []browserSpace) bool {
		return len(ss) == 1 && slices.Equal(ss[0].Texts, want.Texts)
	})
	checkSpace(t, "after the add", got, want, []string{"Ann (admin)", "Bea (you)", caiShown})
	br.screenshot(tab, "browserpeer-space-1-garden")

	// The other space's sealed post reached the browser (it follows the
	// node) and is kept, as ciphertext: nothing of it is shown.
	secretPost := spaceMessage(t, node, secret.Space, hidden)
	held := waitJS[string](br, tab, "the other space's sealed entry in IndexedDB", syncTimeout,
		`new Promise(r => { const q = window.kithPeer.db.transaction('entries').objectStore('entries').index('id').get('`+secretPost+`'); q.onsuccess = () => r(q.result ? q.result.payload.length + ' bytes' : '') })`)
	if held != "256 bytes" {
		t.Fatalf("the other space's post is held in IndexedDB as %q, want its 256-byte sealed payload", held)
	}
	text := get(br, tab, "the page's text", 10*time.Second, chromedp.Evaluate[string](`document.body.innerText`))
	for _, s := range []string{"Secret plans", hidden, "cannot read"} {
		if strings.Contains(text, s) {
			t.Fatalf("the page shows %q of the space the browser is not in:\n%s", s, text)
		}
	}

	// Reload without the node: the keys are opened again from IndexedDB
	// (the announcement and the WebCrypto key), the posts decrypted again.
	br.do(tab, "reload without the node", time.Minute, chromedp.Navigate(page), chromedp.WaitVisible(tid("peer-account")))
	got = waitSpaces(br, tab, "the space after the reload", func(ss []browserSpace) bool {
		return len(ss) == 1 && slices.Equal(ss[0].Texts, want.Texts)
	})
	checkSpace(t, "after the reload", got, want, []string{"Ann (admin)", "Bea (you)", caiShown})

	// The node removes the browser's account and posts: a new epoch, not
	// wrapped to the browser.
	br.do(tab, "open the page with the node", time.Minute, chromedp.Navigate("about:blank"), // a new hash alone reloads nothing
		chromedp.Navigate(page+"#node="+url.QueryEscape(node.wsAddr())), chromedp.WaitVisible(tid("peer-account")))
	waitJS[string](br, tab, "connect to the node again", time.Minute, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`)
	node.kith("space", "remove", garden.Space, account)
	const later = "After Bea left: the new code is 4711."
	node.kith("space", "post", garden.Space, later)
	got = waitSpaces(br, tab, "the post after the removal, sealed", func(ss []browserSpace) bool {
		return len(ss) == 1 && len(ss[0].Statuses) == 3 && ss[0].Role == "you are no longer a member"
	})
	want = browserSpace{Name: "Garden", Role: "you are no longer a member", Texts: []string{before, after}, Authors: []string{"Ann", "Ann"},
		Statuses: []string{"readable", "readable", "sealed"},
		Why:      []string{"A message you cannot read. Sealed after your account left or was removed: you read what was sealed while it was a member."}}
	checkSpace(t, "after the removal", got, want, []string{"Ann (admin)", caiShown})
	if text := get(br, tab, "the page's text", 10*time.Second, chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(text, "4711") {
		t.Fatalf("the removed browser shows the post sealed after its removal:\n%s", text)
	}
	br.screenshot(tab, "browserpeer-space-2-removed")
}

// waitSpaces waits until the page's spaces satisfy ok and returns them.
func waitSpaces(br *browser, tab context.Context, what string, ok func([]browserSpace) bool) []browserSpace {
	br.t.Helper()
	deadline := time.Now().Add(spaceTimeout)
	var last []browserSpace
	for {
		last = get(br, tab, what, 10*time.Second, chromedp.Evaluate[[]browserSpace](browserSpaces))
		if ok(last) {
			return last
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(last, "", "  ")
			text := get(br, tab, "the page's text", 10*time.Second, chromedp.Evaluate[string](`document.body.innerText`))
			br.t.Fatalf("timed out after %v waiting for %s; the page shows the spaces\n%s\nand the text\n%s\nbrowser console:\n%s", spaceTimeout, what, b, text, br.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkSpace compares the one space shown with want, and its members line
// with the members listed (in any order).
func checkSpace(t *testing.T, when string, got []browserSpace, want browserSpace, members []string) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%s: the page shows %d spaces, want 1: %+v", when, len(got), got)
	}
	g := got[0]
	if g.Name != want.Name || g.Role != want.Role || g.Note != "" || !slices.Equal(g.Texts, want.Texts) ||
		!slices.Equal(g.Authors, want.Authors) || !slices.Equal(g.Statuses, want.Statuses) || !slices.Equal(g.Why, want.Why) {
		t.Fatalf("%s: the page shows\n%+v\nwant\n%+v", when, g, want)
	}
	// Members by name, in the order of their keys.
	shown := strings.Split(strings.TrimPrefix(g.Members, "Members: "), ", ")
	slices.Sort(shown)
	slices.Sort(members)
	if !strings.HasPrefix(g.Members, "Members: ") || !slices.Equal(shown, members) {
		t.Fatalf("%s: the members line is %q, want the members %q", when, g.Members, members)
	}
}

// spaceMessage returns the entry id, in hex, of the node's message with
// text in the space.
func spaceMessage(t *testing.T, node *proc, space, text string) string {
	t.Helper()
	s, ok := spaceShow(node, space)
	if !ok {
		t.Fatalf("space show %s failed", space)
	}
	for _, m := range s.Messages {
		if m.Text == text {
			_, id, err := identity.ParseAny(m.ID, identity.KindEntry)
			if err != nil {
				t.Fatal(err)
			}
			return hex.EncodeToString(id[:])
		}
	}
	t.Fatalf("the node does not show %q in %s: %+v", text, space, s.Messages)
	return ""
}

// TestBrowserPeerSpaceOtherMember: a space's logs reach the browser from
// members it does not follow (spaces.md §2). Two real nodes, Ann's and
// Cai's; the page connects to Ann's only and follows only Ann. Ann creates
// a space with Cai and adds the browser's account; Cai posts in it. The
// browser wants Cai's certificate, public and content logs because the
// space names Cai, gets them through Ann's node, and shows Cai's post,
// decrypted, by Cai's name.
func TestBrowserPeerSpaceOtherMember(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	dir := t.TempDir()
	ann := startNode(t, "ann", filepath.Join(dir, "ann"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	cai := startNode(t, "cai", filepath.Join(dir, "cai"))
	ann.kith("profile", "set", "--name", "Ann")
	cai.kith("profile", "set", "--name", "Cai")
	connectAndFollow(t, []*proc{ann, cai}, [][2]int{{1, 0}})
	page := strings.TrimSuffix(ann.API, "/") + "/peer/"
	tab := br.ctx
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(page+"#node="+url.QueryEscape(ann.wsAddr())), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase-done")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	account := get(br, tab, "the account", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=peer-account]').textContent`))
	br.do(tab, "name the browser's account", 10*time.Second, chromedp.SetValue(tid("peer-name"), "Bea"), click(tid("peer-name-save")))
	waitJS[string](br, tab, "connect to Ann's node", time.Minute, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`)

	var garden wire.SpaceEntry
	if err := json.Unmarshal(ann.kith("space", "create", "Garden", "--with", cai.Account), &garden); err != nil || garden.Space == "" {
		t.Fatalf("space create: %+v %v", garden, err)
	}
	spaceWait(t, cai, garden.Space, "Cai's key of the space", func(s spaceShown) bool { return s.CanWrite })
	ann.kith("space", "add", garden.Space, account)
	const fromCai = "Cai here: I bring the seedlings on Saturday."
	cai.kith("space", "post", garden.Space, fromCai)
	want := browserSpace{Name: "Garden", Role: "you are a member", Texts: []string{fromCai}, Authors: []string{"Cai"}, Statuses: []string{"readable"}}
	got := waitSpaces(br, tab, "Cai's post in the browser", func(ss []browserSpace) bool {
		return len(ss) == 1 && slices.Equal(ss[0].Texts, want.Texts) && slices.Equal(ss[0].Authors, want.Authors)
	})
	checkSpace(t, "Cai's post", got, want, []string{"Ann (admin)", "Cai", "Bea (you)"})
	if follows := get(br, tab, "whom the page follows", 10*time.Second, chromedp.Evaluate[bool](`window.kithPeer.node.account_id === '`+ann.Account+`'`)); !follows {
		t.Fatal("the page's node is not Ann's")
	}
	br.screenshot(tab, "browserpeer-space-3-other-member")
}
