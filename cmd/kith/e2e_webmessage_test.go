package main

// The web UI's private messages end to end: four real 'kith serve'
// processes (Ann, Bea, Cyd, Dan; Bea, Cyd and Dan joined Ann, Cyd joined
// Bea too) driven in headless chromium. Ann chooses Bea and Cyd by name on
// the Messages page, the form saying who will be able to read it, and
// sends a message holding HTML (shown as text). Bea's open Messages page
// lists the conversation live; she opens it and replies; Ann's open
// conversation page shows the reply live, and Cyd reads both. Dan, who
// follows Ann and carries her message sealed but is not in it, sees no
// conversation, and the
// conversation's address on Dan's node shows nothing of it. Screenshots of
// each state go to build/screenshots (internal/webui/README.md lists the
// hooks used).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/entry"
)

// convMsg is what a test reads of a message on a conversation page.
type convMsg struct {
	ID      string `json:"id"`
	Author  string `json:"author"`
	Status  string `json:"status"`
	Text    string `json:"text"`
	HTML    string `json:"html"` // the text element's innerHTML: no markup from the message
	Mine    bool   `json:"mine"`
	Lock    string `json:"lock"`    // the lock's label: who can read it
	Readers string `json:"readers"` // message-readers' text: who can read it, in short
	Reply   string `json:"reply"`   // message-reply's text
}

const convMsgsJS = `JSON.stringify([...document.querySelectorAll('[data-testid=message]')].map(m => ({
	id: m.dataset.id,
	author: (m.querySelector('[data-testid=message-author]')?.textContent || '').trim(),
	status: m.dataset.status,
	text: m.querySelector('[data-testid=message-text]')?.textContent || '',
	html: m.querySelector('[data-testid=message-text]')?.innerHTML || '',
	mine: m.dataset.mine === 'true',
	lock: m.querySelector('.message-head .lock')?.getAttribute('aria-label') || '',
	readers: (m.querySelector('[data-testid=message-readers]')?.textContent || '').replace(/\s+/g, ' ').trim(),
	reply: (m.querySelector('[data-testid=message-reply]')?.textContent || '').trim(),
})))`

// waitConv waits until the conversation page shows n messages and answers
// them.
func waitConv(t *testing.T, br *browser, tab context.Context, what string, n int) []convMsg {
	t.Helper()
	raw := waitJS[string](br, tab, what, liveTimeout, fmt.Sprintf(`document.querySelectorAll('[data-testid=message]').length === %d && %s`, n, convMsgsJS))
	var ms []convMsg
	if err := json.Unmarshal([]byte(raw), &ms); err != nil {
		t.Fatalf("%s: %q: %v", what, raw, err)
	}
	return ms
}

// webRoot is the node's web UI address without the login path.
func webRoot(p *proc) string {
	return strings.TrimSuffix(p.Web[:strings.Index(p.Web, "/login")], "/")
}

func TestWebUIMessages(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "Ann", filepath.Join(dir, "a"))
	b := startNode(t, "Bea", filepath.Join(dir, "b"))
	c := startNode(t, "Cyd", filepath.Join(dir, "c"))
	d := startNode(t, "Dan", filepath.Join(dir, "d"))
	for _, p := range []struct {
		p    *proc
		name string
	}{{a, "Ann"}, {b, "Bea"}, {c, "Cyd"}, {d, "Dan"}} {
		p.p.kith("profile", "set", "--name", p.name)
	}
	b.kith("join", a.inviteCode())
	c.kith("join", a.inviteCode())
	c.kith("join", b.inviteCode())
	d.kith("join", a.inviteCode())

	// Everyone opens their Messages page (which publishes the device's
	// encryption key): no conversations yet.
	open := func(tab context.Context, p *proc) {
		br.do(tab, "open "+p.name+"'s Messages page", 30*time.Second,
			chromedp.Navigate(p.Web), chromedp.WaitVisible(tid("compose-text")),
			click(tid("nav-messages")), chromedp.WaitVisible(tid("message-form")))
		waitText(t, br, tab, p.name+"'s empty list", "conversations-list", "No conversations yet. Start one below; messages people send you show here.", 10*time.Second)
	}
	tabA := br.ctx
	tabB, tabC, tabD := br.tab("Bea"), br.tab("Cyd"), br.tab("Dan")
	open(tabB, b)
	open(tabC, c)
	open(tabD, d)
	open(tabA, a)
	if cur := waitJS[string](br, tabA, "the current nav link", 5*time.Second, `document.querySelector('nav [aria-current=page]').dataset.testid`); cur != "nav-messages" {
		t.Errorf("the current nav link is %q", cur)
	}

	// The form offers the people Ann follows by name once their profiles
	// arrived (the page reloaded until they have).
	waitJS[bool](br, tabA, "Bea, Cyd and Dan by name in the form", liveTimeout, `(() => {
		const names = [...document.querySelectorAll('[data-testid=message-person]')].map(e => e.labels[0].textContent).sort().join(',');
		if (names === 'Bea,Cyd,Dan') return true;
		if (!window.kithReloading) { window.kithReloading = true; setTimeout(() => { window.kithReloading = false; window.dispatchEvent(new HashChangeEvent('hashchange')); }, 500); }
		return false;
	})()`)
	waitText(t, br, tabA, "the note before choosing", "new-message-readers", "Choose who it is for: only you and they will be able to read it (their devices). Nodes that carry it cannot read it.", 5*time.Second)
	const text = `Picnic on Sunday? Bring <b>bread</b> & <img src=x onerror="document.title='pwned'">`
	br.do(tabA, "Ann chooses Bea and Cyd and writes", 10*time.Second,
		click(fmt.Sprintf(`[data-testid=message-person][data-account=%q]`, b.Account)),
		click(fmt.Sprintf(`[data-testid=message-person][data-account=%q]`, c.Account)),
		setField("new-message-text", text))
	waitText(t, br, tabA, "who will read it", "new-message-readers", "Sealed. Who can read this: you, Bea, Cyd (their devices). Nodes that carry it cannot read it. The people in a conversation never change: start a new one for others.", 5*time.Second)
	checkLabels(t, br, tabA, "messages")
	br.screenshot(tabA, "messages-new")

	// Ann's node can seal for Bea and Cyd once their encryption keys
	// reached it; until then the page says why it did not send.
	var conv string
	deadline := time.Now().Add(syncTimeout)
	for conv == "" {
		br.do(tabA, "Ann sends", 10*time.Second, click(tid("message-send")))
		conv = waitJS[string](br, tabA, "Ann's send to end", 20*time.Second, `(() => {
			if (location.hash.startsWith('#/conversation/')) return location.hash.slice('#/conversation/'.length);
			const s = document.querySelector('[data-testid=message-send-status]');
			return s && !s.hidden && s.textContent.startsWith('Not sent: ') && !document.querySelector('[data-testid=message-send]').disabled ? 'failed: ' + s.textContent : false;
		})()`)
		if strings.HasPrefix(conv, "failed: ") {
			if time.Now().After(deadline) {
				t.Fatalf("Ann could not send: %s", conv)
			}
			t.Logf("not yet: %s", conv)
			conv = ""
			time.Sleep(time.Second)
		}
	}
	if len(conv) != 64 {
		t.Fatalf("conversation id %q", conv)
	}
	waitText(t, br, tabA, "Ann's conversation title", "conversation-title", "Bea, Cyd", 10*time.Second)
	const readers = "Sealed. Who can read this: you, Bea, Cyd (their devices). Nodes that carry it cannot read it, nor learn who it is for."
	waitText(t, br, tabA, "who can read it", "conversation-readers", readers, 5*time.Second)
	ms := waitConv(t, br, tabA, "Ann's message on her page", 1)
	const lockAnn = "Sealed. Who can read this: you, Bea, Cyd (their devices)"
	if m := ms[0]; m.Author != "You" || !m.Mine || m.Status != "readable" || m.Text != text || m.Lock != lockAnn || m.Readers != "· you, Bea, Cyd" || strings.Contains(m.HTML, "<b>") || strings.Contains(m.HTML, "<img") {
		t.Errorf("Ann sees %+v", m)
	}
	start := ms[0].ID

	// Bea's open Messages page lists it live, Ann's message as its preview.
	item := fmt.Sprintf(`document.querySelector('[data-testid=conversation-item][data-conversation=%q]')`, conv)
	began := time.Now()
	waitJS[bool](br, tabB, "the conversation on Bea's open Messages page", syncTimeout, item+`?.querySelector('[data-testid=conversation-link]')?.textContent === 'Ann, Cyd'`)
	t.Logf("the conversation appeared on Bea's open page %v after Ann sent it", time.Since(began).Round(time.Millisecond))
	if got := waitJS[string](br, tabB, "Bea's preview", 5*time.Second, item+`.querySelector('[data-testid=conversation-preview]').textContent`); got != "Ann: "+text {
		t.Errorf("Bea's preview: %q", got)
	}
	if got := waitJS[string](br, tabB, "Bea's lock", 5*time.Second, item+`.querySelector('.lock').getAttribute('aria-label')`); got != "Who can read this: you, Ann, Cyd (their devices)" {
		t.Errorf("Bea's lock on the list: %q", got)
	}
	if got := waitJS[string](br, tabB, "Bea's title", 5*time.Second, `document.title`); got != "Messages · kith" {
		t.Errorf("a message's markup ran: the title is %q", got)
	}
	if got := waitJS[string](br, tabB, "Bea's unread marks", liveTimeout, `(() => {
		const n = document.querySelector('[data-testid=nav-messages-unread]');
		return !n.hidden && `+item+`.dataset.unread === 'true' && (n.dataset.count + ' ' + `+item+`.querySelector('[data-testid=conversation-unread]').textContent);
	})()`); got != "1 New" {
		t.Errorf("Bea's unread marks: %q", got)
	}
	br.screenshot(tabB, "messages-list")

	// Bea opens it and replies to Ann's message.
	br.do(tabB, "Bea opens the conversation", 10*time.Second,
		chromedp.Evaluate[chromedp.Void](item+`.querySelector('a').click()`), chromedp.WaitVisible(tid("conversation-compose")))
	waitText(t, br, tabB, "Bea's readers", "conversation-readers", "Sealed. Who can read this: you, Ann, Cyd (their devices). Nodes that carry it cannot read it, nor learn who it is for.", 10*time.Second)
	ms = waitConv(t, br, tabB, "Ann's message on Bea's page", 1)
	waitJS[bool](br, tabB, "no unread conversation once Bea read it", 5*time.Second, `document.querySelector('[data-testid=nav-messages-unread]').hidden`)
	if m := ms[0]; m.Author != "Ann" || m.Mine || m.Text != text || m.Lock != "Sealed. Who can read this: you, Ann, Cyd (their devices)" || m.Readers != "· you, Ann, Cyd" {
		t.Errorf("Bea sees %+v", m)
	}
	br.do(tabB, "Bea replies", 20*time.Second,
		click(tid("message-reply-button")),
		chromedp.WaitVisible(tid("conversation-replying")))
	waitText(t, br, tabB, "the reply note", "conversation-replying", "Replying to Ann Cancel", 5*time.Second)
	const reply = "Yes! I will bring cherries."
	br.do(tabB, "Bea sends her reply", 20*time.Second,
		chromedp.SendKeys(tid("conversation-text"), reply),
		click(tid("conversation-send")))
	ms = waitConv(t, br, tabB, "Bea's reply on her page", 2)
	if m := ms[1]; m.Author != "You" || !m.Mine || m.Text != reply || !strings.HasPrefix(m.Reply, "Reply to Ann: Picnic on Sunday?") {
		t.Errorf("Bea sees her reply as %+v", m)
	}
	checkLabels(t, br, tabB, "conversation")

	// Ann's open conversation page shows it live.
	began = time.Now()
	ms = waitConv(t, br, tabA, "Bea's reply on Ann's open page", 2)
	t.Logf("Bea's reply appeared on Ann's open page %v after it was sent", time.Since(began).Round(time.Millisecond))
	if m := ms[1]; m.Author != "Bea" || m.Mine || m.Status != "readable" || m.Text != reply || m.Lock != lockAnn || !strings.HasPrefix(m.Reply, "Reply to You: Picnic on Sunday?") {
		t.Errorf("Ann sees the reply as %+v", m)
	}
	if unread := get(br, tabA, "Ann's unread count", 5*time.Second, chromedp.Evaluate[string](`(() => { const n = document.querySelector('[data-testid=nav-messages-unread]'); return n.hidden ? 'hidden' : n.dataset.count; })()`)); unread != "hidden" {
		t.Errorf("Ann read the reply on the open page, and the Messages link counts %s unread", unread)
	}
	br.screenshot(tabA, "conversation-sender")
	br.screenshot(tabB, "conversation-reply")

	// Cyd reads both.
	br.do(tabC, "Cyd opens the conversation", 20*time.Second, chromedp.Navigate(webRoot(c)+"/#/conversation/"+conv))
	ms = waitConv(t, br, tabC, "both on Cyd's page", 2)
	if ms[0].Author != "Ann" || ms[0].Text != text || ms[1].Author != "Bea" || ms[1].Text != reply {
		t.Errorf("Cyd sees %+v", ms)
	}
	waitText(t, br, tabC, "Cyd's title", "conversation-title", "Ann, Bea", 5*time.Second)
	// A long word must not widen Ann's page at phone width (below).
	long := strings.Repeat("ab", 200)
	br.do(tabC, "Cyd writes a long word", 20*time.Second,
		setField("conversation-text", long), click(tid("conversation-send")))
	waitConv(t, br, tabC, "Cyd's message on his page", 3)
	if ms := waitConv(t, br, tabA, "Cyd's message on Ann's open page", 3); ms[2].Author != "Cyd" || ms[2].Text != long || ms[2].Reply != "" {
		t.Errorf("Ann sees Cyd's message as %+v", ms[2])
	}

	// From Ann's profile, Cyd's Message link opens the form with Ann chosen.
	br.do(tabC, "Cyd opens Ann's profile and its Message link", 20*time.Second,
		chromedp.Navigate(webRoot(c)+"/#/account/"+a.Account), chromedp.WaitVisible(tid("profile-message")),
		click(tid("profile-message")), chromedp.WaitVisible(tid("message-form")))
	waitText(t, br, tabC, "Ann chosen", "new-message-readers", "Sealed. Who can read this: you, Ann (their devices). Nodes that carry it cannot read it. The people in a conversation never change: start a new one for others.", 10*time.Second)
	if focused := get(br, tabC, "the focus", 5*time.Second, chromedp.Evaluate[string](`document.activeElement.dataset.testid || ''`)); focused != "new-message-text" {
		t.Errorf("after Message, the focus is on %q", focused)
	}

	// Dan follows Ann but is not in the conversation: his open Messages
	// page stays empty, and its address on his node shows nothing of it.
	// Dan's node carries Ann's conversation log, as every log of an
	// account it follows (messages.md §6), sealed.
	waitFor(t, syncTimeout, "Dan's node to carry Ann's message, sealed", func() bool { return d.sealedEntry(start) })
	waitText(t, br, tabD, "Dan's list", "conversations-list", "No conversations yet. Start one below; messages people send you show here.", 5*time.Second)
	if cs := d.conversations(); len(cs) != 0 {
		t.Errorf("Dan's node lists %+v", cs)
	}
	br.do(tabD, "Dan opens the conversation's address", 20*time.Second, chromedp.Navigate(webRoot(d)+"/#/conversation/"+conv))
	waitText(t, br, tabD, "Dan is told", "conversation-status", "This conversation is not held here: only its participants’ devices hold it, and its messages arrive from them.", 10*time.Second)
	if body := waitJS[string](br, tabD, "Dan's page text", 5*time.Second, `document.body.innerText`); strings.Contains(body, "Picnic") || strings.Contains(body, "cherries") || strings.Contains(body, "Bea, Cyd") {
		t.Errorf("Dan's page shows the conversation: %q", body)
	}
	if n := get(br, tabD, "Dan's messages", 5*time.Second, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=message]').length`)); n != 0 {
		t.Errorf("Dan's page shows %d messages", n)
	}
	br.screenshot(tabD, "conversation-not-held")

	// At phone width nothing overflows.
	for _, v := range []struct {
		tab  context.Context
		page string
	}{{tabA, "conversation"}, {tabB, "messages"}} {
		if v.page == "messages" {
			br.do(v.tab, "Bea back to her list", 10*time.Second, click(tid("nav-messages")), chromedp.WaitVisible(tid("message-form")))
		}
		br.do(v.tab, "phone width", 10*time.Second, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
		noOverflow(t, br, v.tab, v.page+" at phone width")
		br.screenshot(v.tab, v.page+"-phone")
	}
}

// bundleWithout copies the bundle in to out, leaving out the entry drop
// and the entries after it in its log: a partial delivery.
func bundleWithout(t *testing.T, in, out, drop string) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := bundle.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	w, err := bundle.NewWriter(o, bundle.Meta{Created: uint64(time.Now().UnixMilli()), Producer: "a partial delivery"})
	if err != nil {
		t.Fatal(err)
	}
	var cut *entry.Entry
	dropped := false
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case it.Entry != nil:
			e := it.Entry
			if e.ID.String() == drop {
				cut, dropped = e, true
				continue
			}
			if cut != nil && e.Header.Author == cut.Header.Author && e.Header.LogID == cut.Header.LogID && e.Header.Seq > cut.Header.Seq {
				continue
			}
			if err := w.Entry(e); err != nil {
				t.Fatal(err)
			}
		case it.Blob != nil:
			if err := w.Blob(it.Blob.ID, it.Blob.Size, it.Blob.Body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !dropped {
		t.Fatalf("%s holds no entry %s", in, drop)
	}
}

// TestWebUIMessageUnverified: a conversation whose first message (which
// names who can read it) has not arrived shows as unverified, in the list
// and on its page, until it arrives. Cyd's node gets Ann's and Bea's
// entries as a bundle (a partial delivery: Ann's conversation log without
// its start) while it runs alone, then meets Ann's node.
func TestWebUIMessageUnverified(t *testing.T) {
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
		p.p.kith("message", "list") // publishes the device's encryption key
	}
	b.kith("join", a.inviteCode())
	// Cyd's node meets no one: its entries reach Ann's as a bundle.
	c.stop()
	cydOut := filepath.Join(dir, "cyd.bundle")
	c.kith("export", "--out", cydOut)
	a.kith("import", cydOut)
	a.kith("follow", c.Account)

	var sent struct{ Conversation, ID string }
	waitFor(t, syncTimeout, "Ann's node to hold Bea's encryption key", func() bool {
		out, err := a.try("message", "send", "--to", "Bea", "--to", "Cyd", "Tea at five at mine?")
		return err == nil && json.Unmarshal(out, &sent) == nil
	})
	var reply struct{ Conversation, ID string }
	waitFor(t, syncTimeout, "Bea's node to hold the conversation", func() bool {
		out, err := b.try("message", "reply", sent.Conversation, "Yes! I bring the cake.")
		return err == nil && json.Unmarshal(out, &reply) == nil
	})

	// Ann's entries without the start, and Bea's, reach Cyd's node.
	annAll, annPart, beaOut := filepath.Join(dir, "ann.bundle"), filepath.Join(dir, "ann-part.bundle"), filepath.Join(dir, "bea.bundle")
	a.kith("export", a.Account, "--out", annAll)
	b.kith("export", b.Account, "--out", beaOut)
	bundleWithout(t, annAll, annPart, sent.ID)
	c.kith("import", annPart)
	c.kith("import", beaOut)
	// A node tries the announcements of the accounts it follows.
	c.kith("follow", a.Account)
	c.kith("follow", b.Account)
	c.start()

	tabC := br.ctx
	br.do(tabC, "open Cyd's Messages page", 30*time.Second,
		chromedp.Navigate(c.Web), chromedp.WaitVisible(tid("compose-text")),
		click(tid("nav-messages")), chromedp.WaitVisible(tid("message-form")))
	item := fmt.Sprintf(`document.querySelector('[data-testid=conversation-item][data-conversation=%q]')`, sent.Conversation)
	if got := waitJS[string](br, tabC, "the unverified conversation in Cyd's list", liveTimeout, item+`?.dataset.verified === 'false' && `+item+`.querySelector('[data-testid=conversation-link]').textContent + ' | ' + `+item+`.querySelector('[data-testid=conversation-preview]').textContent`); got != "Unverified conversation | Bea: Yes! I bring the cake." {
		t.Errorf("Cyd's list: %q", got)
	}
	br.screenshot(tabC, "messages-unverified")
	br.do(tabC, "Cyd opens it", 10*time.Second,
		chromedp.Evaluate[chromedp.Void](item+`.querySelector('a').click()`), chromedp.WaitVisible(tid("conversation-unverified")))
	waitText(t, br, tabC, "the title", "conversation-title", "Unverified conversation", 5*time.Second)
	waitText(t, br, tabC, "the note", "conversation-unverified", "Unverified: the first message of this conversation has not arrived here, so who can read it is not known yet and the messages below are not checked against it. It is checked when the first message arrives.", 5*time.Second)
	ms := waitConv(t, br, tabC, "Bea's reply on Cyd's page", 1)
	if m := ms[0]; m.Author != "Bea" || m.Status != "readable" || m.Text != "Yes! I bring the cake." || m.Reply != "Reply to a message that has not arrived here" ||
		m.Readers != "· readers not known yet" || m.Lock != "Sealed: who can read it is not known yet (unverified)" {
		t.Errorf("Cyd sees %+v", m)
	}
	if hidden := waitJS[bool](br, tabC, "the readers line", 5*time.Second, `document.querySelector('[data-testid=conversation-readers]').hidden`); !hidden {
		t.Error("an unverified conversation names who can read it")
	}
	waitText(t, br, tabC, "the composer's note", "conversation-compose-note", "Who will read it is not known until the first message arrives: it is sealed for whoever holds this conversation’s key.", 5*time.Second)
	checkLabels(t, br, tabC, "conversation (unverified)")
	br.screenshot(tabC, "conversation-unverified")

	// Ann's node is met: the start arrives and the open page is verified.
	c.kith("peer", "add", a.addr())
	began := time.Now()
	waitText(t, br, tabC, "the title once the start arrived", "conversation-title", "Ann, Bea", syncTimeout)
	t.Logf("the open page was verified %v after Cyd's node met Ann's", time.Since(began).Round(time.Millisecond))
	ms = waitConv(t, br, tabC, "both on Cyd's page", 2)
	if ms[0].Author != "Ann" || ms[0].Text != "Tea at five at mine?" || ms[1].Author != "Bea" || ms[1].Reply != "Reply to Ann: Tea at five at mine?" || ms[1].Readers != "· you, Ann, Bea" {
		t.Errorf("Cyd sees, verified, %+v", ms)
	}
	if hidden := waitJS[bool](br, tabC, "the unverified note", 5*time.Second, `document.querySelector('[data-testid=conversation-unverified]').hidden`); !hidden {
		t.Error("the note stays once the conversation is verified")
	}
	br.screenshot(tabC, "conversation-verified-late")
}
