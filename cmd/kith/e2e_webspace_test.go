package main

// The web UI's space pages end to end: three real 'kith serve' processes
// (Ann, Bea, Cyd, each following the others) driven in headless chromium.
// Ann creates a space with Bea from the Spaces page, choosing her by name;
// Bea's open page lists it live, opens it and the two write to each other
// as in a group chat (a reply included). With Cyd's node stopped, Ann adds
// Cyd and then stops too: Cyd's node, restarted, gets the space and its
// key from Bea's (Ann's node wrapped it to the key Cyd's node published at
// its first start) and may write while the only admin is away. Cyd pairs
// a phone then: the phone gets the space but no key while Ann is away, and
// its page says it waits for a key with the box to write disabled (the
// messages arrive with it); once Ann's node is back, the phone's open page
// becomes writable by itself and Cyd writes from it. Ann removes Cyd: Cyd's
// page says it is no longer a member, and Bea's next message shows there
// as sealed, its text nowhere in the page. Screenshots of each state go to
// build/screenshots (internal/webui/README.md lists the hooks used).

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// spaceMsg is what a test reads of a message on a space page.
type spaceMsg struct {
	Author string `json:"author"`
	Status string `json:"status"`
	Text   string `json:"text"`
	Mine   bool   `json:"mine"`
	Lock   string `json:"lock"`   // the lock's label: who can read it
	Sealed string `json:"sealed"` // space-message-sealed's text
	Reply  string `json:"reply"`  // space-message-reply's text
}

// spaceMsgsJS answers the page's messages as JSON.
const spaceMsgsJS = `JSON.stringify([...document.querySelectorAll('[data-testid=space-message]')].map(m => ({
	author: (m.querySelector('[data-testid=space-message-author]')?.textContent || '').trim(),
	status: m.dataset.status,
	text: m.querySelector('[data-testid=space-message-text]')?.textContent || '',
	mine: m.dataset.mine === 'true',
	lock: m.querySelector('.message-head .lock')?.getAttribute('aria-label') || '',
	sealed: (m.querySelector('[data-testid=space-message-sealed]')?.textContent || '').trim(),
	reply: (m.querySelector('[data-testid=space-message-reply]')?.textContent || '').trim(),
})))`

// waitMsgs waits until the page shows n messages and answers them.
func waitMsgs(t *testing.T, br *browser, tab context.Context, what string, n int) []spaceMsg {
	t.Helper()
	return waitMsgsEnding(t, br, tab, what, n, "")
}

// waitMsgsEnding is waitMsgs that also waits for the last message shown
// to be last (when last is not empty): a page of the latest n can show n
// messages before the newest of them has arrived.
func waitMsgsEnding(t *testing.T, br *browser, tab context.Context, what string, n int, last string) []spaceMsg {
	t.Helper()
	cond := "true"
	if last != "" {
		cond = fmt.Sprintf(`[...document.querySelectorAll('[data-testid=space-message]')].at(-1)?.querySelector('[data-testid=space-message-text]')?.textContent === %q`, last)
	}
	raw := waitJS[string](br, tab, what, liveTimeout, fmt.Sprintf(`document.querySelectorAll('[data-testid=space-message]').length === %d && %s && %s`, n, cond, spaceMsgsJS))
	var ms []spaceMsg
	if err := json.Unmarshal([]byte(raw), &ms); err != nil {
		t.Fatalf("%s: %q: %v", what, raw, err)
	}
	return ms
}

// membersJS answers the members panel as "name role" lines.
const membersJS = `[...document.querySelectorAll('[data-testid=space-member]')].map(m => m.querySelector('.who bdi').textContent + ' ' + m.dataset.role).join(', ')`

// send writes a message in the open space page and waits until it shows.
func sendMessage(t *testing.T, br *browser, tab context.Context, who, text string, n int) {
	t.Helper()
	br.do(tab, who+" writes "+text, 20*time.Second,
		chromedp.WaitEnabled(tid("space-text")),
		chromedp.SendKeys(tid("space-text"), text),
		click(tid("space-send")))
	waitMsgs(t, br, tab, who+"'s message shows", n)
}

func TestWebUISpace(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "Ann", filepath.Join(dir, "a"))
	b := startNode(t, "Bea", filepath.Join(dir, "b"))
	c := startNode(t, "Cyd", filepath.Join(dir, "c"))
	for _, p := range []struct {
		p    *proc
		name string
	}{{a, "Ann"}, {b, "Bea"}, {c, "Cyd"}} {
		p.p.kith("profile", "set", "--name", p.name)
	}
	b.kith("join", a.inviteCode())
	c.kith("join", a.inviteCode())
	c.kith("join", b.inviteCode())

	// Ann's Spaces page: empty; the form offers the people she follows by
	// name once their profiles arrived.
	tabA := br.ctx
	br.do(tabA, "open Ann's Web UI and its Spaces page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		click(tid("nav-spaces")), chromedp.WaitVisible(tid("space-create-form")))
	waitText(t, br, tabA, "Ann's empty list", "spaces-list", "You take part in no space yet. Create one below, or ask a member to add you.", 10*time.Second)
	// The page lists the people she follows when it opens: reload it until
	// both profiles are there.
	waitJS[bool](br, tabA, "Bea and Cyd by name in the form", liveTimeout, `(() => {
		const names = [...document.querySelectorAll('[data-testid=space-person]')].map(e => e.labels[0].textContent).sort().join(',');
		if (names === 'Bea,Cyd') return true;
		if (!window.kithReloading) { window.kithReloading = true; setTimeout(() => { window.kithReloading = false; window.dispatchEvent(new HashChangeEvent('hashchange')); }, 500); }
		return false;
	})()`)
	checkLabels(t, br, tabA, "spaces")

	tabB := br.tab("Bea")
	br.do(tabB, "open Bea's Spaces page", 30*time.Second,
		chromedp.Navigate(b.Web), chromedp.WaitVisible(tid("compose-text")),
		click(tid("nav-spaces")), chromedp.WaitVisible(tid("space-create-form")))

	// Ann creates "Garden" with Bea, chosen by name; a bad id is refused
	// first.
	br.do(tabA, "create with a bad id", 10*time.Second,
		chromedp.SendKeys(tid("space-name"), "Garden"),
		chromedp.SendKeys(tid("space-ids"), "dev_notanaccount"),
		click(tid("space-create")))
	waitText(t, br, tabA, "the refused id", "space-create-status", "“dev_notanaccount” is not an account id: they start with acc_.", 10*time.Second)
	br.do(tabA, "choose Bea and create", 30*time.Second,
		setField("space-ids", ""),
		click(fmt.Sprintf(`[data-testid=space-person][data-account=%q]`, b.Account)),
		click(tid("space-create")))
	space := waitJS[string](br, tabA, "Ann on the new space's page", 20*time.Second,
		`location.hash.startsWith('#/space/ent_') && `+textOf("space-name")+` === 'Garden' && location.hash.slice('#/space/'.length)`)
	waitText(t, br, tabA, "who can read it", "space-readers", "Sealed. Who can read this: you, Bea (the devices of its 2 members). Nodes that carry it for them cannot read it.", 10*time.Second)
	if m := waitJS[string](br, tabA, "Ann's members panel", 10*time.Second, membersJS); m != "You admin, Bea member" {
		t.Errorf("Ann's members panel: %q", m)
	}
	waitText(t, br, tabA, "no messages", "space-messages", "No messages yet.", 10*time.Second)

	// Bea's open Spaces page lists it live; she opens it and, once her
	// node holds the key, writes.
	item := fmt.Sprintf(`document.querySelector('[data-testid=space-item][data-space=%q]')`, space)
	start := time.Now()
	waitJS[bool](br, tabB, "the space on Bea's open Spaces page", liveTimeout, item+`?.querySelector('a')?.textContent === 'Garden'`)
	t.Logf("the space appeared on Bea's open page %v after it was created", time.Since(start).Round(time.Millisecond))
	if got := waitJS[string](br, tabB, "Bea's item", 5*time.Second, item+`.textContent.trim()`); got != "GardenMember 2 members · sealed: only the members can read it" {
		t.Errorf("Bea's space item says %q", got)
	}
	br.screenshot(tabB, "spaces-list")
	br.do(tabB, "Bea opens the space", 10*time.Second, chromedp.Evaluate[chromedp.Void](item+`.querySelector('a').click()`), chromedp.WaitVisible(tid("space-compose")))
	waitJS[bool](br, tabB, "Bea may write", liveTimeout, `!document.querySelector('[data-testid=space-send]').disabled && document.querySelector('[data-testid=space-waiting]').hidden`)
	sendMessage(t, br, tabB, "Bea", "The tomatoes are ripe. Who has a basket?", 1)
	ms := waitMsgs(t, br, tabA, "Bea's message on Ann's open page", 1)
	if want := (spaceMsg{Author: "Bea", Status: "readable", Text: "The tomatoes are ripe. Who has a basket?", Lock: "Sealed: readable by the devices of the space’s members when it was written"}); ms[0] != want {
		t.Errorf("Ann sees %+v, want %+v", ms[0], want)
	}
	br.do(tabA, "Ann replies", 20*time.Second,
		click(`[data-testid=space-message-reply-button]`),
		chromedp.WaitVisible(tid("space-replying")))
	waitText(t, br, tabA, "the reply note", "space-replying", "Replying to Bea Cancel", 5*time.Second)
	sendMessage(t, br, tabA, "Ann", "I will bring two.", 2)
	ms = waitMsgs(t, br, tabB, "Ann's reply on Bea's page", 2)
	if ms[1].Author != "Ann" || ms[1].Text != "I will bring two." || ms[1].Reply != "Reply to You: The tomatoes are ripe. Who has a basket?" || ms[0].Author != "You" || !ms[0].Mine {
		t.Errorf("Bea sees %+v", ms)
	}
	checkLabels(t, br, tabA, "space")
	br.screenshot(tabA, "space-chat-admin")
	br.screenshot(tabB, "space-chat-member")

	// Cyd's node is away while Ann adds Cyd; then Ann's goes away too.
	c.stop()
	br.do(tabA, "Ann adds Cyd", 20*time.Second,
		setField("space-add-person", c.Account),
		click(tid("space-add-submit")))
	waitText(t, br, tabA, "added", "space-member-status", "Cyd was added.", 10*time.Second)
	waitJS[bool](br, tabB, "Cyd in Bea's members panel", liveTimeout, membersJS+` === 'Ann admin, You member, Cyd member'`)
	a.stop()
	c.start()
	c.kith("peer", "add", b.addr())
	spacePage := func(p *proc) string {
		return strings.TrimSuffix(p.Web[:strings.Index(p.Web, "/login")], "/") + "/#/space/" + space
	}
	// Ann's node wrapped the epoch to the key Cyd's node published at
	// its first start: Cyd's node, back, gets the key from Bea's with
	// the only admin away.
	tabC := br.tab("Cyd")
	br.do(tabC, "open Cyd's Web UI", 30*time.Second, chromedp.Navigate(c.Web), chromedp.WaitVisible(tid("compose-text")))
	br.do(tabC, "open the space on Cyd's", 30*time.Second, chromedp.Navigate(spacePage(c)))
	waitJS[bool](br, tabC, "Cyd may write with Ann away", liveTimeout, `document.querySelector('[data-testid=space-waiting]').hidden && !document.querySelector('[data-testid=space-send]').disabled`)

	// Cyd pairs a phone while Ann is away: no admin's node has seen the
	// phone's key, so the phone's page waits for one.
	pr := startPairer(t, c)
	phoneHome := filepath.Join(dir, "c-phone")
	if _, stderr, err := initPair(phoneHome, pr.code.Code, "phone"); err != nil {
		t.Fatalf("init --pair: %v: %s", err, stderr)
	}
	if st, err := pr.end(); err != nil || st.State != wire.PairingUsed {
		t.Fatalf("device pair ended with %+v, %v; stderr:\n%s", st, err, pr.stderr)
	}
	phone := startNode(t, "Cyd's phone", phoneHome)
	phone.kith("peer", "add", c.addr())
	phone.kith("peer", "add", b.addr())
	tabP := br.tab("Cyd's phone")
	br.do(tabP, "open the phone's Web UI", 30*time.Second, chromedp.Navigate(phone.Web), chromedp.WaitVisible(tid("compose-text")))
	br.do(tabP, "open the space on the phone", 30*time.Second, chromedp.Navigate(spacePage(phone)))
	// Until the space reaches the phone the page says it is not found:
	// reload it until it waits for a key.
	waitJS[bool](br, tabP, "the phone's page waits for a key", liveTimeout, `(() => {
		const w = document.querySelector('[data-testid=space-waiting]');
		if (w && w.dataset.state === 'waiting') return true;
		if (!window.kithReloading) { window.kithReloading = true; setTimeout(() => { window.kithReloading = false; window.dispatchEvent(new HashChangeEvent('hashchange')); }, 500); }
		return false;
	})()`)
	waitText(t, br, tabP, "why the phone waits", "space-waiting", "Waiting for a key: this device has no key of the current epoch yet: an admin's device gives it when it is online.", 5*time.Second)
	if disabled := waitJS[bool](br, tabP, "the phone's send button", 5*time.Second, `document.querySelector('[data-testid=space-send]').disabled === true && document.querySelector('[data-testid=space-text]').disabled`); !disabled {
		t.Error("the phone can write without a key")
	}
	// Without the key its node cannot even find the space's messages.
	waitText(t, br, tabP, "the phone's messages before the key", "space-messages", "Messages arrive once this device holds the key.", 5*time.Second)
	br.screenshot(tabP, "space-waiting")

	// Ann's node comes back: the phone's open page becomes writable by
	// itself.
	a.start()
	a.kith("peer", "add", b.addr())
	a.kith("peer", "add", c.addr())
	a.kith("peer", "add", phone.addr())
	start = time.Now()
	waitJS[bool](br, tabP, "the phone's page once an admin's node is back", 60*time.Second, `document.querySelector('[data-testid=space-waiting]').hidden && !document.querySelector('[data-testid=space-send]').disabled`)
	t.Logf("the phone could write %v after Ann's node restarted", time.Since(start).Round(time.Millisecond))
	sendMessage(t, br, tabP, "Cyd", "Count me in.", 3)
	ms = waitMsgs(t, br, tabB, "Cyd's message on Bea's page", 3)
	if ms[2].Author != "Cyd" || ms[2].Text != "Count me in." {
		t.Errorf("Bea sees %+v", ms[2])
	}

	// Ann (her page opened again: her node restarted) removes Cyd.
	br.do(tabA, "Ann's page again", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Navigate(strings.TrimSuffix(a.Web[:strings.Index(a.Web, "/login")], "/")+"/#/space/"+space))
	waitMsgs(t, br, tabA, "Ann's page with Cyd's message", 3)
	cyd := fmt.Sprintf(`[data-testid=space-member][data-account=%q]`, c.Account)
	br.do(tabA, "Ann removes Cyd", 20*time.Second,
		click(cyd+` [data-testid=space-member-remove]`),
		click(cyd+` [data-testid=space-remove-confirm]`))
	waitText(t, br, tabA, "removed", "space-member-status", "Cyd was removed.", 10*time.Second)
	waitJS[bool](br, tabC, "Cyd's page after the removal", liveTimeout, `document.querySelector('[data-testid=space-waiting]').dataset.state === 'not-member' && document.querySelector('[data-testid=space-compose]').hidden`)
	waitText(t, br, tabC, "Cyd is told", "space-waiting", "You are no longer a member: you can read what was sealed while you were, nothing written since.", 5*time.Second)
	waitJS[bool](br, tabB, "Bea may write after the removal", liveTimeout, membersJS+` === 'Ann admin, You member' && !document.querySelector('[data-testid=space-send]').disabled`)
	sendMessage(t, br, tabB, "Bea", "Just the two of us now.", 4)
	ms = waitMsgs(t, br, tabC, "Bea's message, sealed, on Cyd's page", 4)
	var texts []string
	for _, m := range ms[:3] {
		texts = append(texts, m.Author+": "+m.Text)
	}
	if want := []string{"Bea: The tomatoes are ripe. Who has a basket?", "Ann: I will bring two.", "You: Count me in."}; !slices.Equal(texts, want) {
		t.Errorf("Cyd lost what it read before its removal: %q, want %q", texts, want)
	}
	if m := ms[3]; m.Status != "sealed" || m.Author != "Bea" || m.Text != "" || m.Sealed != "Sealed: you cannot read this" {
		t.Errorf("the message after the removal, on Cyd's page: %+v", m)
	}
	if body := waitJS[string](br, tabC, "Cyd's page text", 5*time.Second, `document.body.innerText`); strings.Contains(body, "Just the two of us") {
		t.Error("Cyd's page shows a message sealed after Cyd's removal")
	}
	checkLabels(t, br, tabC, "space (removed)")
	br.screenshot(tabC, "space-removed")
	br.screenshot(tabA, "space-after-removal")

	// Dan, added after Cyd's removal started a new key, reads what was
	// sealed under it and sees the earlier messages as sealed: people
	// added later do not read older keys (the space's history setting).
	d := startNode(t, "Dan", filepath.Join(dir, "d"))
	d.kith("profile", "set", "--name", "Dan")
	d.kith("message", "list") // publishes the device's encryption key
	d.kith("join", a.inviteCode())
	br.do(tabA, "Ann adds Dan by his account id", 20*time.Second,
		setField("space-add-id", d.Account),
		click(tid("space-add-submit")))
	waitText(t, br, tabA, "Dan added", "space-member-status", d.Account[:14]+"… was added.", 10*time.Second)
	tabD := br.tab("Dan")
	br.do(tabD, "open Dan's Web UI", 30*time.Second, chromedp.Navigate(d.Web), chromedp.WaitVisible(tid("compose-text")))
	br.do(tabD, "open the space on Dan's", 30*time.Second, chromedp.Navigate(strings.TrimSuffix(d.Web[:strings.Index(d.Web, "/login")], "/")+"/#/space/"+space))
	raw := waitJS[string](br, tabD, "Dan's page with the four messages, the last readable", syncTimeout, `document.querySelectorAll('[data-testid=space-message]').length === 4 && document.querySelectorAll('[data-testid=space-message][data-status=readable]').length === 1 && `+spaceMsgsJS)
	if err := json.Unmarshal([]byte(raw), &ms); err != nil {
		t.Fatal(err)
	}
	// In the order they arrived at Dan's node.
	var sealedBy []string
	for _, m := range ms {
		switch m.Status {
		case "sealed":
			if m.Text != "" || m.Sealed != "Sealed: you cannot read this" {
				t.Errorf("a message sealed before Dan was added, on his page: %+v", m)
			}
			sealedBy = append(sealedBy, m.Author)
		case "readable":
			if m.Author != "Bea" || m.Text != "Just the two of us now." {
				t.Errorf("the message sealed under the key Dan was given, on his page: %+v", m)
			}
		}
	}
	if slices.Sort(sealedBy); !slices.Equal(sealedBy, []string{"Ann", "Bea", "Cyd"}) {
		t.Errorf("sealed on Dan's page: messages by %q", sealedBy)
	}
	if body := waitJS[string](br, tabD, "Dan's page text", 5*time.Second, `document.body.innerText`); strings.Contains(body, "tomatoes") || strings.Contains(body, "Count me in") {
		t.Error("Dan's page shows a message sealed before he was added")
	}
	checkLabels(t, br, tabD, "space (added later)")
	br.screenshot(tabD, "space-added-later")

	// Bea's page shows the latest 50 messages and Show older adds the
	// ones before.
	for i := 1; i <= 50; i++ {
		b.kith("space", "post", space, fmt.Sprintf("Note %d", i))
	}
	ms = waitMsgsEnding(t, br, tabB, "the latest 50 on Bea's page", 50, "Note 50")
	if ms[0].Text != "Note 1" || ms[49].Text != "Note 50" {
		t.Errorf("Bea's latest page: from %q to %q", ms[0].Text, ms[49].Text)
	}
	waitText(t, br, tabB, "Show older", "space-older", "Show older (4 earlier messages)", 5*time.Second)
	br.screenshot(tabB, "space-show-older")
	br.do(tabB, "Bea shows older", 10*time.Second, click(tid("space-older")))
	ms = waitMsgs(t, br, tabB, "all 54 on Bea's page", 54)
	if ms[0].Text != "The tomatoes are ripe. Who has a basket?" || ms[3].Text != "Just the two of us now." || ms[4].Text != "Note 1" {
		t.Errorf("Bea's page after Show older: %+v", ms[:5])
	}
	if hidden := waitJS[bool](br, tabB, "Show older once all are shown", 5*time.Second, `document.querySelector('[data-testid=space-older]').hidden`); !hidden {
		t.Error("Show older stays with nothing older")
	}
	// A new message joins the end; the older ones stay shown.
	sendMessage(t, br, tabB, "Bea", "One more.", 55)

	// At phone width the members panel goes under the chat and nothing
	// overflows.
	br.do(tabB, "phone width", 10*time.Second, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	noOverflow(t, br, tabB, "space at phone width")
	br.screenshot(tabB, "space-phone")
}
