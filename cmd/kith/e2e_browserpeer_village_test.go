package main

import (
	"crypto/sha256"
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

// pageVillage is the JavaScript that reads the first village card the page
// can read (it has a name): its name, role and locals.
const pageVillage = `(c => c ? {name: c.querySelector('[data-testid=peer-village-name]')?.textContent || '', role: c.querySelector('[data-testid=peer-village-role]')?.textContent || '',
  locals: Array.from(c.querySelectorAll('[data-testid=peer-village-locals] .name'), e => e.textContent).sort(), id: c.dataset.village} : null)(document.querySelector('[data-testid=peer-village]:has([data-testid=peer-village-name])'))`

type pageVillageParts struct {
	Name   string   `json:"name"`
	Role   string   `json:"role"`
	Locals []string `json:"locals"`
	ID     string   `json:"id"`
}

// TestBrowserPeerVillage (issue 19, item 3): a browser peer takes part in
// a village as a local. Ann's and Bo's nodes found "Elm street" (admit:
// majority); the browser's account (Cleo), which no node follows, is
// invited by Ann: the page, which follows its node's account, sees the
// invitation, reduces the village with kith's own Go in WebAssembly and
// shows it by name; a vote before it is a local is refused in the page,
// in words; it joins, Bo invites it too, and every node and the page see
// Cleo a local. Ann then invites Dan (1 more needed of 3 locals): the
// page shows the open decision and Cleo agrees, which admits Dan on the
// nodes. A stranger's request reaches Ann, who lists the stranger; the
// page shows the request, Cleo writes a note and vetoes: the nodes count
// the veto (vetoed, Cleo the vetoer) and hold the note. Last, Ann and Bo
// exclude Cleo: the page says so and refuses her note in words; reloaded
// without the node, it shows the village as before, from IndexedDB.
func TestBrowserPeerVillage(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	b := startNode(t, "b", filepath.Join(dir, "b"))
	s := startNode(t, "s", filepath.Join(dir, "s"))
	villageConnect(a, b)
	s.kith("peer", "add", a.addr())
	a.kith("profile", "set", "--name", "Ann")
	b.kith("profile", "set", "--name", "Bo")
	a.kith("follow", b.Account)
	b.kith("follow", a.Account)

	vid := villageEntryOfVillage(a, "found", "Elm street", "--with", b.Account, "--admit", "majority")
	villageWait(t, []*proc{b}, vid, "B to hold the found entry", func(v wire.Village) bool { return v.Name == "Elm street" })
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a}, vid, "the founding", func(v wire.Village) bool { return v.Founded })

	// The browser: an account of its own, named Cleo, home node Ann's.
	tab := br.ctx
	page := strings.TrimSuffix(a.API, "/") + "/peer/"
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(page+"#node="+url.QueryEscape(a.wsAddr())), chromedp.WaitVisible(tid("peer-create")))
	br.do(tab, "make the account", time.Minute, click(tid("peer-create")), chromedp.WaitVisible(tid("peer-phrase")))
	br.do(tab, "close the phrase", 10*time.Second, click(tid("peer-phrase-done")), chromedp.WaitVisible(tid("peer-account")))
	cleo := waitJS[string](br, tab, "the browser's account", 10*time.Second, `document.querySelector('[data-testid=peer-account]').textContent`)
	if got := waitJS[string](br, tab, "connect to Ann's node", 60*time.Second, `document.querySelector('[data-testid=peer-net]').dataset.account || ''`); got != a.Account {
		t.Fatalf("the browser's node is %s, want Ann's %s", got, a.Account)
	}
	br.do(tab, "name the account", 10*time.Second, chromedp.SendKeys(tid("peer-name"), "Cleo"), click(tid("peer-name-save")))

	// Ann invites Cleo: the page sees the village, by name, and the
	// invitation (no node follows Cleo: Ann's node wants her logs as an
	// invitee's, village.md §1).
	villageEntryOf(a, "invite", vid, cleo)
	pv := waitJS[pageVillageParts](br, tab, "the village in the page", syncTimeout, `(v => v && v.name && v.locals.join() === 'Ann,Bo' && document.querySelector('[data-testid=peer-village-join]') && v)(`+pageVillage+`)`)
	if pv.Name != "Elm street" || !strings.HasPrefix(pv.Role, "You are invited.") || !slices.Equal(pv.Locals, []string{"Ann", "Bo"}) || len(pv.ID) != 64 {
		t.Fatalf("the page shows the village as %+v", pv)
	}
	br.screenshot(tab, "browservillage-1-invited")

	// Bad input: a vote while the account is not a local (a stale page's
	// button, given by hand) is refused in the page, and nothing is made.
	before := get(br, tab, "entries kept before", 10*time.Second, chromedp.Evaluate[int](`window.kithPeer.written`))
	res := get(br, tab, "a vote before being a local", 20*time.Second, chromedp.Evaluate[string](
		`window.kithVillage.act({kind: 'vote', village: '`+pv.ID+`', stranger: 'ab'.repeat(64), vote: 'veto'})`, chromedp.EvalAwaitPromise))
	wantMsg := `Your account is not a local of "Elm street" (it is invited, and becomes a local once the invitation is admitted and it has joined), so it cannot vote there. Nothing was written.`
	if res != wantMsg {
		t.Fatalf("a vote before being a local: %q, want %q", res, wantMsg)
	}
	if msg := waitJS[string](br, tab, "the page's message", 10*time.Second, `(e => !e.hidden && e.textContent)(document.querySelector('[data-testid=peer-village-problem]')) || ''`); msg != "Not written: "+wantMsg {
		t.Fatalf("the page says %q", msg)
	}
	if after := get(br, tab, "entries kept after", 10*time.Second, chromedp.Evaluate[int](`window.kithPeer.written`)); after != before {
		t.Fatalf("the refused vote kept %d entries", after-before)
	}
	br.screenshot(tab, "browservillage-2-refused")

	// Cleo joins from the page; Bo invites her too (majority of two): a
	// local on both nodes and in the page.
	br.do(tab, "join", 10*time.Second, click(tid("peer-village-join")))
	villageWait(t, []*proc{a}, vid, "Cleo's join on Ann's node", func(v wire.Village) bool {
		return len(v.Invitations) == 1 && v.Invitations[0].Invitee == cleo && v.Invitations[0].Joined && v.Invitations[0].Needed == 1
	})
	villageEntryOf(b, "invite", vid, cleo)
	villageWait(t, []*proc{a, b}, vid, "Cleo a local", func(v wire.Village) bool { return villageLocal(v, cleo).Status == "local" })
	pv = waitJS[pageVillageParts](br, tab, "Cleo a local in the page", syncTimeout, `(v => v && v.locals.join() === 'Ann,Bo,Cleo (you)' && v)(`+pageVillage+`)`)
	if !strings.HasPrefix(pv.Role, "You are a local.") || !slices.Equal(pv.Locals, []string{"Ann", "Bo", "Cleo (you)"}) {
		t.Fatalf("the page shows the village as %+v", pv)
	}

	// A pending decision: Ann invites Dan; of three active locals a
	// majority is two, so one more must agree. Cleo agrees in the page.
	danKey := identity.PublicKey(sha256.Sum256([]byte("Dan")))
	dan := danKey.Account().String()
	villageEntryOf(a, "invite", vid, dan)
	state := waitJS[string](br, tab, "Dan's invitation in the page", syncTimeout,
		`(e => e && e.querySelector('[data-testid=peer-village-invitation-state]').textContent)(document.querySelector('[data-testid=peer-village-invitation][data-invitee="`+danKey.Hex()+`"]'))`)
	if state != "1 more local needs to agree" {
		t.Fatalf("Dan's invitation in the page: %q", state)
	}
	br.screenshot(tab, "browservillage-3-decision")
	br.do(tab, "agree to Dan", 10*time.Second, click(`[data-testid=peer-village-invitation][data-invitee="`+danKey.Hex()+`"] [data-testid=peer-village-agree]`))
	villageWait(t, []*proc{a, b}, vid, "Dan admitted with Cleo's agreement", func(v wire.Village) bool {
		for _, inv := range v.Invitations {
			if inv.Invitee == dan {
				return inv.Admitted && inv.Needed == 0 && villageSameSet(inv.Endorsers, a.Account, cleo)
			}
		}
		return false
	})
	waitJS[bool](br, tab, "Dan admitted in the page", syncTimeout,
		`(e => e && e.querySelector('[data-testid=peer-village-invitation-state]').textContent === 'admitted; waiting for them to join')(document.querySelector('[data-testid=peer-village-admitted] [data-testid=peer-village-invitation][data-invitee="`+danKey.Hex()+`"]'))`)

	// A stranger asks through Ann; Ann lists the stranger (deferred); the
	// page shows the request; Cleo writes a note and vetoes.
	req := strangerRequest(s, vid, a.Device, "may I sell bread at the market?")
	st := strangerWait(t, []*proc{a}, vid, req, "the request in Ann's inbox", func(s wire.VillageStranger) bool { return s.Pending })
	villageEntryOf(a, "vote", vid, st.ID, "deferred")
	sel := `[data-testid=peer-village-stranger][data-stranger="` + st.ID + `"]`
	text := waitJS[string](br, tab, "the stranger's request in the page", syncTimeout, `(e => e && e.querySelector('[data-testid=peer-village-request]')?.textContent)(document.querySelector('`+sel+`'))`)
	if text != "may I sell bread at the market?" {
		t.Fatalf("the stranger's request in the page: %q", text)
	}
	br.do(tab, "write a note", 10*time.Second,
		chromedp.SendKeys(sel+` [data-testid=peer-village-note-text]`, "she sold us stale bread twice"),
		click(sel+` [data-testid=peer-village-note-save]`))
	waitJS[bool](br, tab, "the note in the page", 20*time.Second, `Array.from(document.querySelectorAll('`+sel+` [data-testid=peer-village-note]'), e => e.textContent).includes('Cleo (you): she sold us stale bread twice')`)
	br.do(tab, "veto", 10*time.Second, click(sel+` [data-testid=peer-village-veto]`))
	for _, p := range []*proc{a, b} {
		waitFor(t, syncTimeout, "Cleo's veto and note on "+p.name, func() bool {
			v, _ := villageShow(p, vid)
			sg, ok := strangerByID(v, st.ID)
			if !ok {
				return false
			}
			note := ""
			for _, n := range sg.Notes {
				if n.Local == cleo {
					note = n.Text
				}
			}
			vote := villageVoteOf(sg, cleo)
			return sg.Standing == "vetoed" && slices.Equal(sg.Vetoers, []string{cleo}) && vote.Vote == "veto" && vote.Counted &&
				note == "she sold us stale bread twice" && len(sg.Notes) == 1
		})
	}
	standing := waitJS[string](br, tab, "the stranger vetoed in the page", syncTimeout, `(e => e && e.textContent === 'vetoed' && e.textContent)(document.querySelector('`+sel+` [data-testid=peer-village-standing]'))`)
	if standing != "vetoed" {
		t.Fatalf("the stranger's standing in the page: %q", standing)
	}
	br.screenshot(tab, "browservillage-4-vetoed")

	// Ann and Bo exclude Cleo (majority of the two other active locals):
	// the page says so, and a note from it (a stale button) is refused in
	// words; nothing is made.
	proposal := villageEntryOf(a, "exclude", vid, cleo, "--reason", "vetoes without asking")
	waitJS[bool](br, tab, "the proposal in the page", syncTimeout, `!!document.querySelector('[data-testid=peer-village-proposal]')`)
	villageEntryOf(b, "exclude-vote", vid, proposal, "for")
	villageWait(t, []*proc{a, b}, vid, "Cleo excluded", func(v wire.Village) bool { return villageLocal(v, cleo).Status == "excluded" })
	role := waitJS[string](br, tab, "the page to say Cleo was excluded", syncTimeout, `(v => v && v.role.startsWith('The locals excluded you') && v.role)(`+pageVillage+`)`)
	if !strings.HasPrefix(role, "The locals excluded you from this village.") {
		t.Fatalf("the page says %q", role)
	}
	if n := get(br, tab, "the vote buttons", 10*time.Second, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=peer-village-veto], [data-testid=peer-village-agree]').length`)); n != 0 {
		t.Fatalf("the page of an excluded account shows %d vote buttons", n)
	}
	before = get(br, tab, "entries kept before", 10*time.Second, chromedp.Evaluate[int](`window.kithPeer.written`))
	res = get(br, tab, "a note once excluded", 20*time.Second, chromedp.Evaluate[string](
		`window.kithVillage.act({kind: 'note', village: '`+pv.ID+`', stranger: '`+st.ID+`', text: 'one more thing'})`, chromedp.EvalAwaitPromise))
	wantMsg = `Your account is not a local of "Elm street" (the locals excluded it), so it cannot write a note there. Nothing was written.`
	if res != wantMsg {
		t.Fatalf("a note once excluded: %q, want %q", res, wantMsg)
	}
	if msg := waitJS[string](br, tab, "the page's message", 10*time.Second, `(e => !e.hidden && e.textContent)(document.querySelector('[data-testid=peer-village-problem]')) || ''`); msg != "Not written: "+wantMsg {
		t.Fatalf("the page says %q", msg)
	}
	if after := get(br, tab, "entries kept after", 10*time.Second, chromedp.Evaluate[int](`window.kithPeer.written`)); after != before {
		t.Fatalf("the refused note kept %d entries", after-before)
	}
	br.screenshot(tab, "browservillage-5-excluded")

	// A village whose charter is a CEL expression, which the WebAssembly
	// build leaves out: Ann founds "Oak lane" with Bo and invites Cleo; the
	// page says it cannot read it and why, rather than count it otherwise.
	oak := villageEntryOfVillage(a, "found", "Oak lane", "--with", b.Account, "--admit-expr", "agree >= 1")
	villageWait(t, []*proc{b}, oak, "B to hold Oak lane", func(v wire.Village) bool { return v.Name == "Oak lane" })
	villageEntryOf(b, "accept", oak)
	villageWait(t, []*proc{a}, oak, "Oak lane founded", func(v wire.Village) bool { return v.Founded })
	villageEntryOf(a, "invite", oak, cleo)
	unreadable := waitJS[string](br, tab, "Oak lane unreadable in the page", syncTimeout, `(e => e && e.textContent)(document.querySelector('[data-testid=peer-village-unreadable]'))`)
	if want := "A village this browser cannot read: its charter decides by a CEL expression, which this browser does not evaluate (CEL is left out of its WebAssembly build to keep it small); read and answer it on a node: kith village show " + oak + "."; unreadable != want {
		t.Fatalf("the page says %q about a village with a CEL charter, want %q", unreadable, want)
	}
	br.screenshot(tab, "browservillage-6-cel")

	// Opened again without the node, the page has the village from
	// IndexedDB, reduced the same way.
	br.do(tab, "reload without the node", time.Minute, chromedp.Navigate(page), chromedp.WaitVisible(tid("peer-account")))
	again := waitJS[pageVillageParts](br, tab, "the village after the reload", 30*time.Second, `(v => v && v.name && v)(`+pageVillage+`)`)
	if again.Name != "Elm street" || !strings.HasPrefix(again.Role, "The locals excluded you from this village.") || !slices.Equal(again.Locals, []string{"Ann", "Bo"}) {
		t.Fatalf("after the reload the page shows the village as %+v", again)
	}
}

// villageEntryOfVillage runs a village command and returns the village id
// it answers (found).
func villageEntryOfVillage(p *proc, args ...string) string {
	p.t.Helper()
	var e wire.VillageEntry
	if err := json.Unmarshal(p.kith(append([]string{"village"}, args...)...), &e); err != nil || e.Village == "" {
		p.t.Fatalf("%s: village %s: %+v %v", p.name, strings.Join(args, " "), e, err)
	}
	return e.Village
}

// TestBrowserPeerVillagePaired: a browser paired as a device of Ann's
// account (a founder and local) is Ann in the village: her node, to which
// the browser is one of the account's devices, gives it the village's
// logs, the page shows Ann as "you", and its agreement to Dan's
// invitation (Bo's) counts as Ann's on both nodes.
func TestBrowserPeerVillagePaired(t *testing.T) {
	t.Parallel()
	peerDir := t.TempDir()
	buildPeer(t, peerDir)
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"), "--listen", "/ip4/127.0.0.1/tcp/0/ws", "--peer-dir", peerDir)
	b := startNode(t, "b", filepath.Join(dir, "b"))
	villageConnect(a, b)
	a.kith("profile", "set", "--name", "Ann")
	b.kith("profile", "set", "--name", "Bo")
	a.kith("follow", b.Account)
	b.kith("follow", a.Account)
	vid := villageEntryOfVillage(a, "found", "Elm street", "--with", b.Account, "--admit", "majority")
	villageWait(t, []*proc{b}, vid, "B to hold the found entry", func(v wire.Village) bool { return v.Name == "Elm street" })
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a}, vid, "the founding", func(v wire.Village) bool { return v.Founded })

	tab := br.ctx
	br.do(tab, "open the browser peer", time.Minute,
		chromedp.Navigate(strings.TrimSuffix(a.API, "/")+"/peer/"), chromedp.WaitVisible(tid("peer-create")))
	pr := startPairer(t, a)
	br.do(tab, "pair", time.Minute, click("#pair summary"),
		chromedp.SetValue(tid("peer-device-name"), "kitchen browser"), chromedp.SetValue(tid("peer-pair-code"), pr.code.Code),
		click(tid("peer-pair-submit")), chromedp.WaitVisible(tid("peer-account")))
	if st, err := pr.end(); err != nil || st.State != wire.PairingUsed {
		t.Fatalf("device pair ended with %+v, %v; stderr:\n%s", st, err, pr.stderr)
	}

	dan := identity.PublicKey(sha256.Sum256([]byte("Dan")))
	villageEntryOf(b, "invite", vid, dan.Account().String())
	pv := waitJS[pageVillageParts](br, tab, "the village in the paired browser", syncTimeout,
		`(v => v && v.locals.join() === 'Ann (you),Bo' && document.querySelector('[data-testid=peer-village-invitation][data-invitee="`+dan.Hex()+`"]') && v)(`+pageVillage+`)`)
	if pv.Name != "Elm street" || !strings.HasPrefix(pv.Role, "You are a local.") {
		t.Fatalf("the paired browser shows the village as %+v", pv)
	}
	br.do(tab, "agree to Dan", 10*time.Second, click(`[data-testid=peer-village-invitation][data-invitee="`+dan.Hex()+`"] [data-testid=peer-village-agree]`))
	villageWait(t, []*proc{a, b}, vid, "Dan admitted with Ann's agreement from her browser", func(v wire.Village) bool {
		return len(v.Invitations) == 1 && v.Invitations[0].Invitee == dan.Account().String() && v.Invitations[0].Admitted &&
			villageSameSet(v.Invitations[0].Endorsers, a.Account, b.Account)
	})
	// The node the browser paired with is its node, not a browser peer
	// met directly (it was, with a second sync session that the node
	// closed and the page reported as a problem).
	if got := get(br, tab, "the page's direct peers and problem", 10*time.Second, chromedp.Evaluate[string](
		`document.querySelector('[data-testid=peer-direct]').textContent + '|' + document.querySelector('[data-testid=peer-problem]').textContent`)); got != "|" {
		t.Fatalf("the paired page says %q, want no direct browser peer and no problem", got)
	}
	br.screenshot(tab, "browservillage-paired")
}
