package main

// The everyday web UI (issue 15, items 12 and 13): the header's one row
// of links with the rarer pages behind "More", timeline cards with
// avatars, names and reply counts, a thread read as a conversation, and
// labels added from a post. Real 'kith serve' processes and CLI homes, in
// headless chromium.

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// navTo opens the header link with data-testid id as a person would:
// through the "More" menu when the link is in it.
func navTo(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		inMore, err := chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector('#nav-more-menu [data-testid=%q]')`, id))(ctx, t)
		if err != nil {
			return err
		}
		if inMore {
			if _, err := chromedp.Evaluate[bool](`(m => { if (m.hidden) document.querySelector('[data-testid=nav-more]').click(); return true })(document.getElementById('nav-more-menu'))`)(ctx, t); err != nil {
				return err
			}
		}
		_, err = click(tid(id))(ctx, t)
		return err
	})
}

// navRow is a script answering how many rows the header's main links
// make (by their tops), whether the More button sits on the first row,
// whether the row holds all its links (nothing scrolled or clipped),
// where the More button ends and how far the page scrolls sideways.
const navRow = `(() => {
	const links = [...document.querySelectorAll('.nav-main a')];
	const tops = new Set(links.map(e => Math.round(e.getBoundingClientRect().top / 12)));
	const first = links[0].getBoundingClientRect();
	const more = document.querySelector('[data-testid=nav-more]').getBoundingClientRect();
	const mid = (more.top + more.bottom) / 2;
	const row = document.querySelector('.nav-main');
	return {rows: tops.size, moreOnFirst: mid > first.top && mid < first.bottom, fits: row.scrollWidth <= row.clientWidth,
		moreRight: Math.round(more.right),
		overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};
})()`

type navRowState struct {
	Rows        int  `json:"rows"`
	MoreOnFirst bool `json:"moreOnFirst"`
	Fits        bool `json:"fits"`
	MoreRight   int  `json:"moreRight"`
	Overflow    int  `json:"overflow"`
}

// TestWebNav: at 1280 px the header's links are one row, the rarer pages
// in the "More" menu, which marks the current page (its button then names
// it) and closes on a choice and on Escape; at 390 px the row stays one
// row (it scrolls sideways), the More button is on screen and the page
// does not scroll sideways.
func TestWebNav(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	v := startNode(t, "V", filepath.Join(t.TempDir(), "v"))
	tab := br.ctx
	// Without a name yet: the header asks for one, and V's own post is
	// "You", not its account id.
	v.kith("post", "first post")
	br.do(tab, "open V at 1280 px", 30*time.Second,
		chromedp.EmulateViewport(1280, 900), chromedp.Navigate(v.Web), chromedp.WaitVisible(tid("post")))
	unnamed := get(br, tab, "V without a name", 10*time.Second, chromedp.Evaluate[[]string](
		`[document.querySelector('[data-testid=me]').textContent, document.querySelector('[data-testid=me] a').getAttribute('href'), document.querySelector('[data-testid=post-author]').textContent, String(document.querySelectorAll('[data-testid=post] .badge').length)]`))
	if want := []string{"Add your name", "#/account/" + v.Account, "You", "0"}; !slices.Equal(unnamed, want) {
		t.Errorf("without a name: header, its link, post author, badges %q, want %q", unnamed, want)
	}
	v.kith("profile", "set", "--name", "Vic")
	br.do(tab, "reload V", 30*time.Second, chromedp.Reload(), chromedp.WaitVisible(tid("compose-text")))
	waitJS[bool](br, tab, "the header names Vic", 20*time.Second, `document.querySelector('[data-testid=me]').textContent === 'Vic'`)
	row := get(br, tab, "the nav row at 1280 px", 10*time.Second, chromedp.Evaluate[navRowState](navRow))
	if row.Rows != 1 || !row.MoreOnFirst || !row.Fits || row.Overflow > 0 {
		t.Errorf("at 1280 px the nav is %+v, want one row that fits, no overflow", row)
	}
	links := get(br, tab, "the main links", 10*time.Second, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('.nav-main a')].map(a => a.dataset.testid + (a.getAttribute('aria-current') === 'page' ? '*' : ''))`))
	if want := []string{"nav-timeline*", "nav-people", "nav-messages", "nav-spaces", "nav-villages", "nav-requests"}; !slices.Equal(links, want) {
		t.Errorf("main links %v, want %v (* current)", links, want)
	}
	checkLabels(t, br, tab, "header")
	br.screenshot(tab, "60-nav-desktop")

	br.do(tab, "open More", 10*time.Second, click(tid("nav-more")), chromedp.WaitVisible(tid("nav-pictures")))
	more := get(br, tab, "the More menu", 10*time.Second, chromedp.Evaluate[[]string](
		`[document.querySelector('[data-testid=nav-more]').getAttribute('aria-expanded')].concat([...document.querySelectorAll('#nav-more-menu a')].map(a => a.textContent))`))
	if want := []string{"true", "Conversations", "Festivals", "Pictures", "Invite", "Peers", "Devices", "Hub", "My profile"}; !slices.Equal(more, want) {
		t.Errorf("More menu %v, want %v", more, want)
	}
	br.screenshot(tab, "61-nav-more-open")
	br.do(tab, "choose Devices", 30*time.Second, navTo("nav-devices"), chromedp.WaitVisible(tid("devices-list")))
	state := waitJS[string](br, tab, "Devices marked", 10*time.Second,
		`(b => b.classList.contains('current') && document.getElementById('nav-more-menu').hidden && document.querySelector('[data-testid=nav-devices]').getAttribute('aria-current') === 'page' && !document.querySelector('.nav-main [aria-current]') && b.textContent + '|' + b.getAttribute('aria-expanded'))(document.querySelector('[data-testid=nav-more]'))`)
	if state != "Devices|false" {
		t.Errorf("after choosing Devices the More button reads %q, want Devices|false", state)
	}
	br.screenshot(tab, "62-nav-current-in-more")

	// Escape closes the menu and gives the focus back to its button; a
	// click elsewhere closes it too.
	br.do(tab, "open More and press Escape", 10*time.Second,
		click(tid("nav-more")), chromedp.WaitVisible(tid("nav-hub")), chromedp.KeyEvent(kb.Escape))
	if closed := waitJS[bool](br, tab, "menu closed by Escape", 10*time.Second,
		`document.getElementById('nav-more-menu').hidden && document.activeElement === document.querySelector('[data-testid=nav-more]')`); !closed {
		t.Error("Escape left the menu open")
	}
	br.do(tab, "open More and click the page", 10*time.Second,
		click(tid("nav-more")), chromedp.WaitVisible(tid("nav-hub")), click("main h1"))
	waitJS[bool](br, tab, "menu closed by a click elsewhere", 10*time.Second, `document.getElementById('nav-more-menu').hidden`)
	br.do(tab, "back to a main page", 30*time.Second, click(tid("nav-people")), chromedp.WaitVisible(tid("following-list")))
	if b := get(br, tab, "More button after People", 10*time.Second, chromedp.Evaluate[string](
		`(b => b.textContent + (b.classList.contains('current') ? '*' : ''))(document.querySelector('[data-testid=nav-more]'))`)); b != "More" {
		t.Errorf("on People the More button reads %q, want More (not marked)", b)
	}

	// Phone width: the main links wrap onto a second row (a row that
	// scrolled sideways made a phone's page wider than its screen), the
	// page does not scroll sideways, every link is on screen.
	br.do(tab, "390 px", 30*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), click(tid("nav-timeline")),
		chromedp.WaitVisible(tid("compose-text")))
	row = get(br, tab, "the nav rows at 390 px", 10*time.Second, chromedp.Evaluate[navRowState](navRow))
	if row.Rows != 2 || !row.MoreOnFirst || !row.Fits || row.Overflow > 0 || row.MoreRight > 390 {
		t.Errorf("at 390 px the nav is %+v, want two rows that fit, no page overflow, More within 390 px", row)
	}
	if off := get(br, tab, "links off screen", 10*time.Second, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#nav a, #nav-more')].filter(e => !e.closest('[hidden]') && (e.getBoundingClientRect().right > window.innerWidth || e.getBoundingClientRect().left < 0)).map(e => e.textContent)`)); len(off) > 0 {
		t.Errorf("at 390 px these links are off screen: %q", off)
	}
	br.screenshot(tab, "63-nav-phone")
	br.do(tab, "Requests at 390 px", 30*time.Second, click(tid("nav-requests")), chromedp.WaitVisible(tid("requests-list")))
	if w := get(br, tab, "the layout width at 390 px", 10*time.Second, chromedp.Evaluate[int](`window.innerWidth`)); w != 390 {
		t.Errorf("at 390 px the page lays out %d px wide", w)
	}
	br.do(tab, "More at 390 px", 10*time.Second, click(tid("nav-more")), chromedp.WaitVisible(tid("nav-profile")))
	menu := get(br, tab, "the menu on screen", 10*time.Second, chromedp.Evaluate[[]int](
		`(r => [Math.round(r.left), Math.round(r.right)])(document.getElementById('nav-more-menu').getBoundingClientRect())`))
	if len(menu) != 2 || menu[0] < 0 || menu[1] > 390 {
		t.Errorf("at 390 px the More menu spans %v, want within 0..390", menu)
	}
	br.screenshot(tab, "64-nav-phone-more")
	br.do(tab, "My profile from More", 30*time.Second, navTo("nav-profile"), chromedp.WaitVisible(tid("profile-name")))
	if b := waitJS[string](br, tab, "More names My profile", 10*time.Second,
		`(b => b.classList.contains('current') && b.textContent)(document.querySelector('[data-testid=nav-more]'))`); b != "My profile" {
		t.Errorf("on my profile the More button reads %q", b)
	}
}

// conversationWorld: V follows Ada (with an avatar) and Bea. Ada posted
// "Soup tonight at mine"; Bea answered it ("I'll bring bread"), Ada
// answered Bea ("Perfect, see you at 7"), and Bea answered the first post
// again ("Can I bring Cy?"). Bea labelled Ada's post "recipes" and loved
// it.
type conversationWorld struct {
	v                           *proc
	adaAcc, beaAcc              string
	root, bread, perfect, cyAsk string
}

func newConversationWorld(t *testing.T) *conversationWorld {
	dir := t.TempDir()
	w := &conversationWorld{v: startNode(t, "V", filepath.Join(dir, "v"))}
	w.v.kith("profile", "set", "--name", "Vic")
	type ids struct {
		Account string `json:"account"`
		ID      string `json:"id"`
	}
	newPerson := func(name string, extra ...string) (*proc, string) {
		p := &proc{t: t, name: name, home: filepath.Join(dir, strings.ToLower(name))}
		var id ids
		if err := json.Unmarshal(p.kith("init"), &id); err != nil {
			t.Fatal(err)
		}
		p.kith(append([]string{"profile", "set", "--name", name}, extra...)...)
		return p, id.Account
	}
	post := func(p *proc, args ...string) string {
		var id ids
		if err := json.Unmarshal(p.kith(append([]string{"post"}, args...)...), &id); err != nil || id.ID == "" {
			t.Fatalf("%s: post %v: %v", p.name, args, err)
		}
		return id.ID
	}
	bundle := func(p *proc) string {
		path := filepath.Join(dir, p.name+fmt.Sprint(time.Now().UnixNano())+".kith")
		p.kith("export", "--out", path)
		return path
	}
	face := filepath.Join(dir, "face.png")
	colourPNG(t, face, color.NRGBA{200, 60, 90, 255})
	ada, adaAcc := newPerson("Ada", "--image", face)
	bea, beaAcc := newPerson("Bea")
	w.adaAcc, w.beaAcc = adaAcc, beaAcc
	w.root = post(ada, "Soup tonight at mine")
	bea.kith("import", bundle(ada))
	w.bread = post(bea, "--reply-to", w.root, "I'll bring bread")
	ada.kith("import", bundle(bea))
	w.perfect = post(ada, "--reply-to", w.bread, "Perfect, see you at 7")
	w.cyAsk = post(bea, "--reply-to", w.root, "Can I bring Cy?")
	bea.kith("tag", w.root, "recipes")
	bea.kith("react", w.root, "love")
	w.v.kith("import", bundle(ada))
	w.v.kith("import", bundle(bea))
	w.v.kith("follow", adaAcc)
	w.v.kith("follow", beaAcc)
	return w
}

// postCard is a script answering what the card of one post shows.
func postCard(id string) string {
	return fmt.Sprintf(`(a => a && {
		author: a.querySelector('[data-testid=post-author]').textContent,
		avatar: (i => i ? i.getAttribute('src') : '')(a.querySelector('img.avatar')),
		thread: a.querySelector('[data-testid=post-thread]').textContent,
		note: (n => n ? n.textContent : '')(a.querySelector('[data-testid=reply-note]')),
		love: (b => b ? b.dataset.count : '')(a.querySelector('[data-testid=reaction][data-value="\u2764\ufe0f"]')),
	})(document.querySelector('[data-testid=post][data-id=%q]'))`, id)
}

type cardState struct {
	Author, Avatar, Thread, Note, Love string
}

// TestWebTimelineConversation: the timeline's cards show each author's
// avatar and name, "3 replies" under the post that starts a thread and the
// reactions counted; the thread reads as a conversation: each answer
// indented under the post it answers, in order, saying whom it answers.
func TestWebTimelineConversation(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	w := newConversationWorld(t)
	tab := br.ctx
	br.do(tab, "open V's timeline", 30*time.Second, chromedp.Navigate(w.v.Web), chromedp.WaitVisible(tid("compose-text")))
	root := waitJS[cardState](br, tab, "Ada's card with its reactions", 30*time.Second,
		`(c => c && c.love === '1' && c)(`+postCard(w.root)+`)`)

	if root.Author != "Ada" || !strings.Contains(root.Avatar, "blob_") || root.Thread != "3 replies" || root.Note != "" {
		t.Errorf("Ada's first post's card: %+v, want Ada, her avatar, 3 replies, no reply note", root)
	}
	bread := get(br, tab, "Bea's answer's card", 10*time.Second, chromedp.Evaluate[cardState](postCard(w.bread)))
	if bread.Author != "Bea" || bread.Avatar != "" || bread.Thread != "Whole thread" || bread.Note != "In reply to Ada" {
		t.Errorf("Bea's answer's card: %+v, want Bea, no avatar, Whole thread, In reply to Ada", bread)
	}
	if perfect := get(br, tab, "Ada's answer's card", 10*time.Second, chromedp.Evaluate[cardState](postCard(w.perfect))); perfect.Note != "In reply to Bea" {
		t.Errorf("Ada's answer's card: %+v, want In reply to Bea", perfect)
	}
	if initial := get(br, tab, "Bea's initial", 10*time.Second, chromedp.Evaluate[string](
		fmt.Sprintf(`document.querySelector('[data-testid=post][data-id=%q] .avatar.none').textContent`, w.bread))); initial != "B" {
		t.Errorf("Bea, without a picture, shows %q in place of an avatar, want B", initial)
	}
	checkLabels(t, br, tab, "timeline cards")
	br.screenshot(tab, "65-timeline-cards")

	br.do(tab, "open the thread", 30*time.Second,
		click(fmt.Sprintf(`[data-testid=post][data-id=%q] [data-testid=post-thread]`, w.root)), chromedp.WaitVisible(tid("thread-replies")))
	layout := waitJS[[]string](br, tab, "the conversation", 30*time.Second, `(ls => ls.length === 3 && ls)([...document.querySelectorAll('[data-testid=thread-replies] li.reply-item')].map(li =>
		li.dataset.depth + ' ' + li.querySelector(':scope > article [data-testid=post-author]').textContent + ': ' + li.querySelector(':scope > article [data-testid=post-text]').textContent +
		' (' + li.querySelector(':scope > article [data-testid=reply-note]').textContent + ')'))`)
	want := []string{
		"1 Bea: I'll bring bread (In reply to Ada)",
		"2 Ada: Perfect, see you at 7 (In reply to Bea)",
		"1 Bea: Can I bring Cy? (In reply to Ada)",
	}
	if !slices.Equal(layout, want) {
		t.Errorf("thread:\n got %q\nwant %q", layout, want)
	}
	indent := get(br, tab, "indents", 10*time.Second, chromedp.Evaluate[[]int](fmt.Sprintf(`[%q, %q, %q].map(id => Math.round(document.querySelector('[data-testid=post][data-id="' + id + '"]').getBoundingClientRect().left))`, w.root, w.bread, w.perfect)))
	if len(indent) != 3 || !(indent[0] < indent[1] && indent[1] < indent[2]) {
		t.Errorf("left edges of the first post, the answer and the answer's answer: %v, want each further right", indent)
	}
	if h := get(br, tab, "replies heading", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('.thread-root + h2').textContent`)); h != "3 replies" {
		t.Errorf("thread heading %q, want 3 replies", h)
	}
	if n := get(br, tab, "thread links in the thread", 10*time.Second, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=post-thread]').length`)); n != 0 {
		t.Errorf("the thread page shows %d links to the thread itself, want none", n)
	}
	checkLabels(t, br, tab, "thread")
	br.screenshot(tab, "66-thread-conversation")

	// Answering Ada's answer from the thread puts the new post under it.
	br.do(tab, "answer Ada's answer", 30*time.Second,
		click(fmt.Sprintf(`[data-testid=post][data-id=%q] [data-testid=post-reply]`, w.perfect)),
		chromedp.SendKeys(`.reply-box [data-testid=compose-text]`, "7 it is"),
		click(`.reply-box [data-testid=compose-submit]`))
	mine := waitJS[string](br, tab, "my answer in place", 30*time.Second, `(li => li && li.dataset.depth + ' ' + li.parentElement.closest('li.reply-item').dataset.id)([...document.querySelectorAll('li.reply-item')].find(li => li.querySelector(':scope > article [data-testid=post-text]').textContent === '7 it is'))`)
	if mine != "3 "+w.perfect {
		t.Errorf("my answer to Ada's answer sits at %q, want depth 3 under %s", mine, w.perfect)
	}
}

// TestWebLabels: a label is added from a post's "Label…" button, shown
// pressed as mine, counted with another's, listed by the CLI, and taken
// off by pressing it; an empty label is refused with what to do.
func TestWebLabels(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	w := newConversationWorld(t)
	tab := br.ctx
	card := fmt.Sprintf(`[data-testid=post][data-id=%q] `, w.root)
	br.do(tab, "open V's timeline", 30*time.Second, chromedp.Navigate(w.v.Web), chromedp.WaitVisible(card+`[data-testid=tag][data-label=recipes]`))
	br.do(tab, "open the label form and add nothing", 10*time.Second,
		click(card+`[data-testid=tag-add]`), chromedp.WaitVisible(card+`[data-testid=tag-input]`),
		click(card+`[data-testid=tag-submit]`))
	if msg := waitJS[string](br, tab, "empty label refused", 10*time.Second, `document.querySelector('`+card+`[data-testid=tag-status]:not([hidden])')?.textContent`); msg != "Write a label first, e.g. “recipes”." {
		t.Errorf("empty label: %q", msg)
	}
	br.do(tab, "label it dinner", 10*time.Second,
		chromedp.SendKeys(card+`[data-testid=tag-input]`, "dinner"), click(card+`[data-testid=tag-submit]`))
	labels := waitJS[[]string](br, tab, "dinner shown as mine", 20*time.Second, `(ts => ts.length === 2 && ts)([...document.querySelectorAll('`+card+`[data-testid=tag]')].map(c => c.dataset.label + ' ' + c.dataset.count + ' ' + c.getAttribute('aria-pressed')))`)
	if want := []string{"recipes 1 false", "dinner 1 true"}; !slices.Equal(labels, want) && !slices.Equal(labels, []string{"dinner 1 true", "recipes 1 false"}) {
		t.Errorf("labels %v, want %v in some order", labels, want)
	}
	if hidden := get(br, tab, "form closed", 10*time.Second, chromedp.Evaluate[bool](`document.querySelector('`+card+`[data-testid=tag-form]').hidden`)); !hidden {
		t.Error("the label form stays open after adding")
	}
	br.do(tab, "agree with Bea's label", 10*time.Second, click(card+`[data-testid=tag][data-label=recipes]`))
	waitJS[bool](br, tab, "recipes counted twice", 20*time.Second, `(c => c && c.dataset.count === '2' && c.getAttribute('aria-pressed') === 'true')(document.querySelector('`+card+`[data-testid=tag][data-label=recipes]'))`)
	checkLabels(t, br, tab, "labels")
	br.screenshot(tab, "67-labels")
	var mineTags struct {
		Tags []struct {
			Entry string `json:"entry"`
			Label string `json:"label"`
		} `json:"tags"`
	}
	if err := json.Unmarshal(w.v.kith("tags"), &mineTags); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, tg := range mineTags.Tags {
		got = append(got, tg.Label+" "+tg.Entry)
	}
	slices.Sort(got)
	if want := []string{"dinner " + w.root, "recipes " + w.root}; !slices.Equal(got, want) {
		t.Errorf("kith tags: %v, want %v", got, want)
	}
	br.do(tab, "take dinner off", 10*time.Second, click(card+`[data-testid=tag][data-label=dinner]`))
	waitJS[bool](br, tab, "dinner gone", 20*time.Second, `!document.querySelector('`+card+`[data-testid=tag][data-label=dinner]') && document.querySelector('`+card+`[data-testid=tag][data-label=recipes]').dataset.count === '2'`)
}

// TestWebVillageProblemNames: a village waiting on a co-founder says so
// by name among its problems, the account id a link beside it, never a
// key in hex.
func TestWebVillageProblemNames(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	v := startNode(t, "V", filepath.Join(dir, "v"))
	v.kith("profile", "set", "--name", "Vic")
	bea := &proc{t: t, name: "Bea", home: filepath.Join(dir, "bea")}
	var id struct {
		Account string `json:"account"`
		ID      string `json:"id"`
	}
	if err := json.Unmarshal(bea.kith("init"), &id); err != nil {
		t.Fatal(err)
	}
	beaAcc := id.Account
	bea.kith("profile", "set", "--name", "Bea")
	bundle := filepath.Join(dir, "bea.kith")
	bea.kith("export", "--out", bundle)
	v.kith("import", bundle)
	if err := json.Unmarshal(v.kith("village", "found", "Elm street", "--with", beaAcc), &id); err != nil || id.ID == "" {
		t.Fatalf("found: %+v %v", id, err)
	}
	tab := br.ctx
	br.do(tab, "open the village", 30*time.Second, chromedp.Navigate(v.Web+"#/village/"+id.ID), chromedp.WaitVisible(tid("village-problems")))
	problem := waitJS[string](br, tab, "the problem", 20*time.Second, `(l => l && l.textContent)(document.querySelector('[data-testid=village-problems] li'))`)
	short := beaAcc[:len("acc_")+10] + "…"
	if want := "not founded: founders Bea (" + short + ") have not accepted"; problem != want {
		t.Errorf("problem %q, want %q", problem, want)
	}
	if href := get(br, tab, "the id's link", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=village-problems] [data-testid=problem-account]').getAttribute('href')`)); href != "#/account/"+beaAcc {
		t.Errorf("the id in the problem links to %q", href)
	}
	br.screenshot(tab, "68-village-problem-names")
}
