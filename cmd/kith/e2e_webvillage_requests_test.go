package main

// Strangers' requests in the web UI end to end: three real 'kith serve'
// processes, A and B the locals of a village and S a stranger linked to A
// only, driven in headless chromium. S's Villages page asks the village
// something, with a file, through A; B's open village page shows it in the
// inbox live; B accepts S with a proof from the inbox and S moves to the
// contact book; after B vetoes S, S's next request through A is refused,
// S's page says so and keeps nothing of it (internal/webui/README.md lists the data-testid
// hooks used here).

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
)

// sentRequests is what S's node answers of the requests it sent.
func sentRequests(t *testing.T, p *proc) []wire.VillageRequestSent {
	t.Helper()
	body, err := tryGet(t, p.home, "/api/v1/village-requests")
	if err != nil {
		t.Fatal(err)
	}
	var sent wire.VillageRequestsSent
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatalf("%s: sent requests %s: %v", p.name, body, err)
	}
	return sent.Requests
}

// isoMillis is how the page's <time datetime> writes a timestamp in ms.
func isoMillis(ms uint64) string {
	return time.UnixMilli(int64(ms)).UTC().Format("2006-01-02T15:04:05.000Z")
}

// noOverflow fails when the tab's page is wider than its viewport.
func noOverflow(t *testing.T, br *browser, tab context.Context, page string) {
	t.Helper()
	if overflow := get(br, tab, "horizontal overflow of "+page, 10*time.Second, chromedp.Evaluate[int](
		`document.documentElement.scrollWidth - document.documentElement.clientWidth`)); overflow > 0 {
		t.Errorf("at 375 px the %s page is %d px wider than the screen", page, overflow)
	}
}

// inboxView is what a test reads of the inbox on a village page.
type inboxView struct {
	Heading string   `json:"heading"` // inbox-heading's text
	Count   string   `json:"count"`   // village-inbox-count's text, "" when hidden
	Cards   []string `json:"cards"`   // the cards' data-stranger
	Empty   string   `json:"empty"`   // the empty list's text
	Nav     string   `json:"nav"`     // nav-villages-inbox's data-count, "" when hidden
}

const readInboxJS = `JSON.stringify({
	heading: document.getElementById('inbox-heading')?.textContent || '',
	count: (e => e && !e.closest('[hidden]') ? e.textContent : '')(document.querySelector('[data-testid=village-inbox-count]')),
	cards: [...document.querySelectorAll('[data-testid=village-inbox] [data-testid=village-stranger]')].map(e => e.dataset.stranger),
	empty: document.querySelector('[data-testid=village-inbox] li.empty')?.textContent || '',
	nav: (e => e && !e.hidden ? e.dataset.count : '')(document.querySelector('[data-testid=nav-villages-inbox]')),
})`

func readInbox(t *testing.T, br *browser, tab context.Context, what, cond string, timeout time.Duration) inboxView {
	t.Helper()
	raw := waitJS[string](br, tab, what, timeout, fmt.Sprintf(`(v => (%s) && JSON.stringify(v))(JSON.parse(%s))`, cond, readInboxJS))
	var v inboxView
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("%s: %q: %v", what, raw, err)
	}
	return v
}

// requestView is what a test reads of one request in a stranger's card.
type requestView struct {
	Entry    string `json:"entry"`
	Text     string `json:"text"`
	Datetime string `json:"datetime"`
	Blob     string `json:"blob"`
	Href     string `json:"href"`
}

func readRequestsJS(stranger string) string {
	return `JSON.stringify([...` + strangerJS(stranger) + `.querySelectorAll('[data-testid=stranger-request]')].map(r => ({
		entry: r.dataset.entry,
		text: r.querySelector('[data-testid=request-text]')?.textContent || '',
		datetime: r.querySelector('[data-testid=request-time]')?.getAttribute('datetime') || '',
		blob: r.querySelector('[data-testid=request-file-link]')?.dataset.blob || '',
		href: r.querySelector('[data-testid=request-file-link]')?.getAttribute('href') || '',
	})))`
}

func TestWebUIVillageRequests(t *testing.T) {
	t.Parallel()
	start := time.Now()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "A", filepath.Join(dir, "a"))
	b := startNode(t, "B", filepath.Join(dir, "b"))
	s := startNode(t, "S", filepath.Join(dir, "s"))
	s.kith("peer", "add", a.addr())
	s.kith("peer", "add", b.addr())

	// The village, from the command line: A and B found it; A says a few
	// words about itself.
	vid := foundElmStreet(t, a, b)
	const aboutA = "Keeps the bakery on the square.\nAsk me about bread."
	villageEntryOf(a, "userspec", vid, "--mode", "active", "--name", "Ann", "--about", aboutA)
	villageWait(t, []*proc{a, b}, vid, "founded, with A's userspec", func(v wire.Village) bool {
		return v.Founded && villageLocal(v, a.Account).About == aboutA
	})
	t.Logf("the village is founded after %v", time.Since(start).Round(time.Millisecond))

	sAcc, err := identity.ParseAccount(s.Account)
	if err != nil {
		t.Fatal(err)
	}
	// A stranger id is the account of the requesting device, then the
	// user id, which the node sets to the account too (village.md §6).
	accKey := sAcc.Key()
	stranger := hex.EncodeToString(accKey[:]) + hex.EncodeToString(accKey[:])

	letter := filepath.Join(dir, "letter.txt")
	if err := os.WriteFile(letter, []byte("A letter of introduction from the miller\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	proof := filepath.Join(dir, "proof.txt")
	if err := os.WriteFile(proof, []byte("B met S at the mill and saw the letter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const ask1 = "May I sell flour at the Saturday market?"
	const ask2 = "May I come back on Sundays?"

	// B's village page stays open from here on: an empty inbox, A's about
	// text in the locals.
	tabB := br.ctx
	br.do(tabB, "open B's village page", 30*time.Second,
		chromedp.Navigate(b.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#/village/%s'`, vid)),
		chromedp.WaitVisible(tid("village-inbox")))
	waitText(t, br, tabB, "B's village", "village-name", "Elm street", 10*time.Second)
	br.do(tabB, "mark B's page", 5*time.Second, chromedp.Evaluate[chromedp.Void](`window.kithTestMarker = 'not reloaded'`))
	in := readInbox(t, br, tabB, "B's empty inbox", `v.heading === 'Inbox (0)'`, 10*time.Second)
	if want := (inboxView{Heading: "Inbox (0)", Empty: "No stranger’s request waits for an answer.", Cards: []string{}}); fmt.Sprint(in) != fmt.Sprint(want) {
		t.Errorf("B's empty inbox: %+v, want %+v", in, want)
	}
	about := waitJS[string](br, tabB, "A's about on B's page", 10*time.Second, fmt.Sprintf(
		`document.querySelector('[data-testid=village-local][data-local=%q] [data-testid=local-about]')?.textContent`, a.Account))
	if about != aboutA {
		t.Errorf("B's page shows A's about as %q, want %q", about, aboutA)
	}
	if name := get(br, tabB, "A's name", 5*time.Second, chromedp.Evaluate[string](fmt.Sprintf(
		`document.querySelector('[data-testid=village-local][data-local=%q] strong').textContent`, a.Account))); name != "Ann" {
		t.Errorf("B's page names A %q, want Ann", name)
	}
	waitJS[bool](br, tabB, "B's live connection", liveTimeout, `document.querySelector('[data-testid=connection]').dataset.state === 'up'`)

	// B writes its own about text in the village's form.
	br.do(tabB, "B's userspec", 20*time.Second,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('details.userspec').open = true`),
		setField("userspec-name", "Bea"), setField("userspec-about", "Bakes on Sundays"),
		click(tid("userspec-save")))
	waitText(t, br, tabB, "B's userspec saved", "userspec-status", "Saved.", 10*time.Second)
	waitJS[bool](br, tabB, "B's about on B's page", 10*time.Second, fmt.Sprintf(
		`document.querySelector('[data-testid=village-local][data-local=%q] [data-testid=local-about]')?.textContent === 'Bakes on Sundays'`, b.Account))
	if v, _ := villageShow(b, vid); villageLocal(v, b.Account).About != "Bakes on Sundays" || villageLocal(v, b.Account).Name != "Bea" {
		t.Errorf("B's node shows B as %+v", villageLocal(v, b.Account))
	}

	// S, a stranger: its node does not hold the village; the village's
	// page offers to ask it something, which opens the form filled in.
	tabS := br.tab("S")
	br.do(tabS, "open S's village page", 30*time.Second,
		chromedp.Navigate(s.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#/village/%s'`, vid)),
		chromedp.WaitVisible(tid("ask-link")),
		click(tid("ask-link")), chromedp.WaitVisible(tid("village-ask-form")))
	got := waitJS[string](br, tabS, "the ask form filled in", 10*time.Second,
		`location.hash.startsWith('#/villages?ask=') && JSON.stringify([document.querySelector('[data-testid=ask-village]').value, document.activeElement?.dataset.testid || ''])`)
	if want := fmt.Sprintf("[%q,%q]", vid, "ask-to"); got != want {
		t.Errorf("S's ask form: village and focus %s, want %s", got, want)
	}
	if hidden := get(br, tabS, "S's requests before any", 5*time.Second, chromedp.Evaluate[bool](
		`document.querySelector('[data-testid=my-requests]').closest('section').hidden`)); !hidden {
		t.Error("S's page shows its requests before it sent any")
	}
	checkLabels(t, br, tabS, "villages with the ask form")

	// Wrong input is refused by the page.
	br.do(tabS, "ask through a bad device", 10*time.Second,
		chromedp.SendKeys(tid("ask-to"), "acc_notadevice"), click(tid("ask-submit")))
	waitText(t, br, tabS, "the refused local", "ask-status", "Name the local by device id (dev_…) or by an address with /p2p/.", 10*time.Second)
	br.do(tabS, "ask without text", 10*time.Second,
		setField("ask-to", b.Device), click(tid("ask-submit")))
	waitText(t, br, tabS, "the refused empty text", "ask-status", "Write what you ask of the village.", 10*time.Second)

	// S asks, with the letter attached, through B.
	br.do(tabS, "S asks the village", 30*time.Second,
		chromedp.SendKeys(tid("ask-text"), ask1),
		chromedp.SetUploadFiles(tid("ask-file"), []string{letter}),
		click(tid("ask-submit")))
	status := waitJS[string](br, tabS, "S's request sent", 30*time.Second,
		`(s => s.startsWith('Sent') && s)(`+textOf("ask-status")+`)`)
	sent := sentRequests(t, s)
	if len(sent) != 1 || sent[0].Village != vid || sent[0].Seq != 1 || sent[0].Text != ask1 || !strings.HasPrefix(sent[0].Blob, "blob_") {
		t.Fatalf("S's node holds its requests as %+v", sent)
	}
	req1, blob1 := sent[0].Entry, sent[0].Blob
	if want := "Sent: the local’s node took your request (under “Your requests” below); the other locals see it once a local answers you."; status != want {
		t.Errorf("S's status says %q, want %q", status, want)
	}
	if text := get(br, tabS, "the cleared form", 5*time.Second, chromedp.Evaluate[string](
		`[...['ask-village', 'ask-to', 'ask-text', 'ask-file'].map(id => document.querySelector('[data-testid=' + id + ']').value)].join('|')`)); text != vid+"|"+b.Device+"||" {
		t.Errorf("after sending, S's form holds %q (the village and the local stay, the text and file go)", text)
	}
	mine := waitJS[string](br, tabS, "S's request in its list", 10*time.Second,
		`(l => l.length === 1 && JSON.stringify(l))([...document.querySelectorAll('[data-testid=my-request]')].map(e => [e.dataset.entry, e.dataset.village,
			e.querySelector('[data-testid=my-request-text]').textContent,
			e.querySelector('[data-testid=my-request-time]').getAttribute('datetime'),
			e.querySelector('[data-testid=my-request-file-link]')?.getAttribute('href') || '',
			document.getElementById('sent-heading').textContent]))`)
	if want, _ := json.Marshal([][]string{{req1, vid, ask1, isoMillis(sent[0].Timestamp), "/api/v1/blobs/" + blob1, "Your requests (1)"}}); mine != string(want) {
		t.Errorf("S's requests list: %s, want %s", mine, want)
	}
	br.screenshot(tabS, "13-village-ask")
	t.Logf("S's request sent after %v", time.Since(start).Round(time.Millisecond))

	// B's open page shows it in the inbox, live: the text, the time, the
	// file; the count under the name and by the Villages link.
	sendTime := time.Now()
	in = readInbox(t, br, tabB, "S in B's inbox", `v.cards.length === 1 && v.nav === '1'`, liveTimeout)
	t.Logf("S's request reached B's open village page (and its Villages link) in %v", time.Since(sendTime).Round(time.Millisecond))
	if want := (inboxView{Heading: "Inbox (1)", Count: "Inbox: 1 stranger waiting for an answer", Cards: []string{stranger}, Nav: "1"}); fmt.Sprint(in) != fmt.Sprint(want) {
		t.Errorf("B's inbox: %+v, want %+v", in, want)
	}
	c := waitCard(t, br, tabB, "S's card in B's inbox", stranger, `c.dataset.pending === 'true'`, 5*time.Second)
	if c.Standing != "acknowledged" || c.Badge != "pending" || c.BadgeText != "? Waiting for an answer" || len(c.Votes) != 0 || len(c.Notes) != 0 ||
		!c.CanVeto || !c.CanDefer || c.AcceptButton != "Accept with proof" {
		t.Errorf("S's card in B's inbox: %+v", c)
	}
	var reqs []requestView
	if err := json.Unmarshal([]byte(get(br, tabB, "S's requests on B", 5*time.Second, chromedp.Evaluate[string](readRequestsJS(stranger)))), &reqs); err != nil {
		t.Fatal(err)
	}
	if want := []requestView{{req1, ask1, isoMillis(sent[0].Timestamp), blob1, "/api/v1/blobs/" + blob1}}; fmt.Sprint(reqs) != fmt.Sprint(want) {
		t.Errorf("S's requests on B's page: %+v, want %+v", reqs, want)
	}
	// B's node did not fetch the letter by itself (S is unlisted); B
	// opens it: the node fetches it from S, then serves it.
	if _, err := tryGet(t, b.home, "/api/v1/blobs/"+blob1); err == nil {
		t.Error("B's node fetched an unlisted stranger's file nobody opened")
	}
	br.do(tabB, "B opens S's letter", 10*time.Second, click(inStranger(stranger, "request-file-link")))
	letterBytes, _ := os.ReadFile(letter)
	waitText(t, br, tabB, "the letter fetched", "request-file-status", fmt.Sprintf("Fetched (%d bytes).", len(letterBytes)), 30*time.Second)
	served, err := tryGet(t, b.home, "/api/v1/blobs/"+blob1)
	if err != nil || string(served) != string(letterBytes) {
		t.Errorf("B serves S's letter as %q (%v), want %q", served, err, letterBytes)
	}
	// A, not contacted, holds nothing of S.
	if v, _ := villageShow(a, vid); len(v.Strangers) != 0 {
		t.Errorf("A holds the unlisted stranger S: %+v", v.Strangers)
	}
	if n := get(br, tabB, "the contact book", 5*time.Second, chromedp.Evaluate[string](
		`document.getElementById('strangers-heading').textContent + ' | ' + `+textOf("village-strangers"))); n != "Strangers (0) | The contact book is empty: no local has voted on a stranger yet." {
		t.Errorf("B's contact book with S in the inbox: %q", n)
	}
	if title := get(br, tabB, "the tab's title", 5*time.Second, chromedp.Evaluate[string](`document.title`)); title != "(1) Elm street · kith" {
		t.Errorf("B's tab title %q", title)
	}
	checkLabels(t, br, tabB, "village with a request in the inbox")
	br.screenshot(tabB, "14-village-inbox")

	// At phone width: B's village page with the inbox, S's villages page.
	for _, p := range []struct {
		tab  context.Context
		name string
	}{{tabB, "village (inbox)"}, {tabS, "villages (ask form, requests)"}} {
		br.do(p.tab, "phone width", 10*time.Second, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile),
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid=village-stranger] details').forEach(d => { d.open = true })`))
		noOverflow(t, br, p.tab, p.name)
		br.do(p.tab, "desktop width", 10*time.Second, chromedp.EmulateViewport(1280, 900))
	}

	// B accepts S with a proof, from the inbox: S leaves it for the
	// contact book, its request still shown.
	br.do(tabB, "B accepts S from the inbox", 30*time.Second,
		openActions(stranger),
		chromedp.SetUploadFiles(inStranger(stranger, "vote-proof"), []string{proof}),
		click(inStranger(stranger, "vote-accept")))
	in = readInbox(t, br, tabB, "B's inbox after the accept", `v.cards.length === 0 && v.nav === ''`, 20*time.Second)
	if want := (inboxView{Heading: "Inbox (0)", Empty: "No stranger’s request waits for an answer.", Cards: []string{}}); fmt.Sprint(in) != fmt.Sprint(want) {
		t.Errorf("B's inbox after the accept: %+v, want %+v", in, want)
	}
	c = waitCard(t, br, tabB, "S in B's contact book", stranger, `!c.dataset.pending && c.closest('[data-testid=village-strangers]')`, 10*time.Second)
	if c.Standing != "acknowledged" || c.Badge != "acknowledged" || c.BadgeText != "○ Acknowledged" || c.Votes[b.Account] != "accept" ||
		len(c.Proofs) != 1 || c.Status != "You accepted with proof." || c.AcceptButton != "Accept with new proof" || c.CanDefer {
		t.Errorf("S's card in B's contact book: %+v", c)
	}
	var proofBlob string
	for id := range c.Proofs {
		proofBlob = id
	}
	reqs = nil
	if err := json.Unmarshal([]byte(get(br, tabB, "S's requests in the contact book", 5*time.Second, chromedp.Evaluate[string](readRequestsJS(stranger)))), &reqs); err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].Entry != req1 || reqs[0].Text != ask1 || reqs[0].Blob != blob1 {
		t.Errorf("S's requests in B's contact book: %+v", reqs)
	}
	if n := get(br, tabB, "the headings", 5*time.Second, chromedp.Evaluate[string](
		`document.getElementById('strangers-heading').textContent + ' | ' + document.title`)); n != "Strangers (1) | Elm street · kith" {
		t.Errorf("B's page after the accept: %q", n)
	}
	villageWait(t, []*proc{a}, vid, "B's accept of S on A, with S's request", func(v wire.Village) bool {
		st := villageStranger(v, stranger)
		return st.Listed && !st.Pending && villageVoteOf(st, b.Account).Proof == proofBlob && len(st.Requests) == 1
	})
	checkLabels(t, br, tabB, "village with S in the contact book")
	br.screenshot(tabB, "15-village-inbox-answered")

	// B vetoes S; S's next request through B is refused and S's page
	// says why.
	br.do(tabB, "B vetoes S", 10*time.Second, openActions(stranger), click(inStranger(stranger, "vote-veto")))
	waitCard(t, br, tabB, "S vetoed on B's page", stranger, `c.dataset.standing === 'vetoed'`, 20*time.Second)
	villageWait(t, []*proc{a}, vid, "B's veto of S on A", func(v wire.Village) bool {
		return villageStranger(v, stranger).Standing == "vetoed"
	})
	br.do(tabS, "S asks again", 30*time.Second,
		chromedp.SendKeys(tid("ask-text"), ask2), click(tid("ask-submit")))
	waitText(t, br, tabS, "the refusal on S's page", "ask-status", "Refused: the village vetoes this stranger: its locals vetoed you; a local who knows you can still invite you", 30*time.Second)
	if role := get(br, tabS, "the refusal's role", 5*time.Second, chromedp.Evaluate[string](
		`document.querySelector('[data-testid=ask-status]').getAttribute('role')`)); role != "alert" {
		t.Errorf("the refusal's role is %q, want alert", role)
	}
	// Nothing of the refused request is kept: not in S's log nor its list
	// (village.md §6), not on A.
	if sent = sentRequests(t, s); len(sent) != 1 || sent[0].Entry != req1 {
		t.Fatalf("S's requests after the refusal: %+v", sent)
	}
	if shown := get(br, tabS, "S's list after the refusal", 10*time.Second, chromedp.Evaluate[string](
		`[...document.querySelectorAll('[data-testid=my-request]')].map(e => e.dataset.entry).join(' ') + ' | ' + document.getElementById('sent-heading').textContent`)); shown != req1+" | Your requests (1)" {
		t.Errorf("S's requests list after the refusal: %q", shown)
	}
	if text := get(br, tabS, "the kept text", 5*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=ask-text]').value`)); text != ask2 {
		t.Errorf("after the refusal S's form holds the text %q, want it kept: %q", text, ask2)
	}
	checkLabels(t, br, tabS, "villages after the refusal")
	br.screenshot(tabS, "16-village-ask-refused")
	for _, p := range []*proc{a, b} {
		if v, _ := villageShow(p, vid); len(villageStranger(v, stranger).Requests) != 1 {
			t.Errorf("%s holds S's requests %+v: the refused one was stored", p.name, villageStranger(v, stranger).Requests)
		}
	}
	if m := get(br, tabB, "the page marker", 5*time.Second, chromedp.Evaluate[string](`window.kithTestMarker || ''`)); m != "not reloaded" {
		t.Errorf("B's village page was reloaded (marker %q)", m)
	}
	t.Logf("done after %v", time.Since(start).Round(time.Millisecond))
}
