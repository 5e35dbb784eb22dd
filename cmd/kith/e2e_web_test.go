package main

// The web UI end to end: real 'kith serve' processes on loopback, driven in
// headless chromium as a person would use them (internal/webui/README.md
// lists the data-testid hooks used here).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
)

// tid selects the elements with a data-testid.
func tid(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }

// unlabelled is a script listing the page's form controls that have no
// accessible name (no <label>, aria-label or aria-labelledby) and the
// buttons and links without text or aria-label.
const unlabelled = `[...document.querySelectorAll('input:not([type=hidden]),textarea,select')]
	.filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
	.map(e => e.outerHTML.slice(0, 120))
	.concat([...document.querySelectorAll('button,a[href]')]
		.filter(e => !e.textContent.trim() && !e.getAttribute('aria-label') && !e.getAttribute('title') && !e.querySelector('img[alt]:not([alt=""])'))
		.map(e => e.outerHTML.slice(0, 120)))`

// checkLabels fails when the page shows a control without an accessible
// name.
func checkLabels(t *testing.T, br *browser, tab context.Context, page string) {
	t.Helper()
	bad := get(br, tab, "labels on "+page, 10*time.Second, chromedp.Evaluate[[]string](unlabelled))
	if len(bad) > 0 {
		t.Errorf("%s: controls without an accessible name:\n%s", page, strings.Join(bad, "\n"))
	}
}

func TestWebUI(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	photo, err := filepath.Abs(filepath.Join("testdata", "photo-with-gps.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	original, err := os.ReadFile(photo)
	if err != nil {
		t.Fatal(err)
	}
	if has, err := blob.HasLocation(bytes.NewReader(original)); err != nil || !has {
		t.Fatalf("the test photo must carry a GPS location: HasLocation = %v, %v", has, err)
	}

	// A starts on an empty home, in setup mode; B's account was made in
	// the terminal (kith serve --init).
	a := &proc{t: t, name: "A", home: filepath.Join(t.TempDir(), "a"), noInit: true}
	a.start()
	t.Cleanup(a.stop)
	b := startNode(t, "B", filepath.Join(t.TempDir(), "b"))
	if !a.Setup || a.Web == "" || b.Web == "" {
		t.Fatalf("listening lines: A setup %v web %q; B web %q", a.Setup, a.Web, b.Web)
	}

	// Onboarding on A: create an account, write the words down, confirm.
	tabA := br.ctx
	br.do(tabA, "open A's Web UI link", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("setup-create")))
	br.screenshot(tabA, "01-onboarding-welcome")
	// By keyboard: the first choice is a real button.
	br.do(tabA, "choose 'create' by keyboard", 30*time.Second,
		chromedp.Focus(tid("setup-create")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(tid("phrase-word")))
	words := get(br, tabA, "read the phrase", 10*time.Second, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid=phrase-word] .w')].map(e => e.textContent.trim())`))
	if len(words) != 24 {
		t.Fatalf("the phrase shows %d words: %q", len(words), words)
	}
	br.screenshot(tabA, "02-onboarding-phrase")
	br.do(tabA, "say the words are written down", 10*time.Second,
		click(tid("phrase-written")), chromedp.WaitVisible(tid("confirm-word")))
	asked := get(br, tabA, "read which words are asked", 10*time.Second, chromedp.Evaluate[[]int](
		`[...document.querySelectorAll('[data-testid=confirm-word]')].map(e => +e.dataset.index)`))
	if len(asked) != 3 {
		t.Fatalf("the confirmation asks for %d words (%v), want 3", len(asked), asked)
	}
	checkLabels(t, br, tabA, "onboarding confirmation")
	// A wrong word is refused, and nothing is created.
	wrong := func(i int) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`[data-testid=confirm-word][data-index="%d"]`, i))
	}
	br.do(tabA, "type a wrong word", 10*time.Second,
		chromedp.SendKeys(wrong(asked[0]), "notaword"), click(tid("setup-confirm")))
	msg := waitJS[string](br, tabA, "the mismatch message", 10*time.Second,
		`document.querySelector('[data-testid=setup-status]')?.textContent.includes('not match') && document.querySelector('[data-testid=setup-status]').textContent`)
	if !strings.Contains(msg, fmt.Sprintf("#%d", asked[0])) {
		t.Errorf("mismatch message %q does not name word #%d", msg, asked[0])
	}
	if _, err := a.try("id"); err == nil {
		t.Fatal("A has an account after a wrong confirmation")
	}
	actions := []chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](
		`document.querySelectorAll('[data-testid=confirm-word]').forEach(e => { e.value = '' })`)}
	for _, i := range asked {
		actions = append(actions, chromedp.SendKeys(wrong(i), words[i-1]))
	}
	actions = append(actions, chromedp.SendKeys(tid("device-name"), "laptop"),
		click(tid("setup-confirm")), chromedp.WaitVisible(tid("onboarding-name")))
	br.do(tabA, "confirm the words and create the account", 60*time.Second, actions...)
	// Right after the phrase: the name others will know this account by.
	checkLabels(t, br, tabA, "onboarding name")
	br.screenshot(tabA, "02b-onboarding-name")
	br.do(tabA, "save an empty name", 10*time.Second, click(tid("onboarding-name-save")))
	waitText(t, br, tabA, "the empty name refused", "onboarding-name-status", "Type a name, or choose “Skip for now”.", 10*time.Second)
	br.do(tabA, "give a name", 30*time.Second,
		chromedp.SendKeys(tid("onboarding-name"), "Ada"), click(tid("onboarding-name-save")),
		chromedp.WaitVisible(tid("compose-text")))
	var id wire.Identity
	if err := json.Unmarshal(a.kith("id"), &id); err != nil {
		t.Fatal(err)
	}
	shown := get(br, tabA, "the account in the header", 10*time.Second, chromedp.Evaluate[string](
		`document.querySelector('[data-testid=me]').dataset.account`))
	if shown != id.Account || !strings.HasPrefix(id.Account, "acc_") {
		t.Fatalf("the header shows account %q; kith id says %q", shown, id.Account)
	}
	a.Account = id.Account
	var acct struct {
		Profile *struct {
			Name string `json:"name"`
		} `json:"profile"`
	}
	if err := json.Unmarshal(httpGet(t, a.home, "/api/v1/accounts/"+id.Account), &acct); err != nil || acct.Profile == nil || acct.Profile.Name != "Ada" {
		t.Errorf("after onboarding, the account's profile is %+v (%v), want the name Ada", acct.Profile, err)
	}
	waitJS[bool](br, tabA, "the live connection", 20*time.Second,
		`document.querySelector('[data-testid=connection]').dataset.state === 'up'`)
	checkLabels(t, br, tabA, "timeline")

	// Invite on A, shown as text and QR; join on B by pasting the code.
	br.do(tabA, "create an invite", 30*time.Second,
		navTo("nav-invite"), chromedp.WaitVisible(tid("invite-create")),
		click(tid("invite-create")), chromedp.WaitVisible(tid("invite-qr")))
	code := waitJS[string](br, tabA, "the invite code", 10*time.Second,
		`document.querySelector('[data-testid=invite-code]').value`)
	if !strings.HasPrefix(code, "KITH1:") {
		t.Fatalf("invite code %q", code)
	}
	qrWidth := waitJS[int](br, tabA, "the QR code image", 10*time.Second,
		`document.querySelector('[data-testid=invite-qr]').naturalWidth`)
	if qrWidth < 21 {
		t.Errorf("the QR image is %d px wide", qrWidth)
	}
	checkLabels(t, br, tabA, "invite")
	br.screenshot(tabA, "05-invite")

	tabB := br.tab("B")
	br.do(tabB, "open B's Web UI link and join A", 60*time.Second,
		chromedp.Navigate(b.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-invite"), chromedp.WaitVisible(tid("join-code")),
		paste(tid("join-code"), code), click(tid("join-submit")),
		chromedp.WaitVisible(tid("joined-account")))
	joined := get(br, tabB, "the joined account", 10*time.Second, chromedp.Evaluate[string](
		`document.querySelector('[data-testid=joined-account]').textContent + ' ' + (document.querySelector('[data-testid=joined-account]').getAttribute('href') || '')`))
	if !strings.Contains(joined, id.Account) {
		t.Errorf("after joining, B shows %q, which does not name A's account %s", joined, id.Account)
	}
	br.screenshot(tabB, "06-join")

	// A posts; B's open timeline shows it without a reload.
	br.do(tabB, "open B's timeline", 30*time.Second,
		click(tid("nav-timeline")), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](`window.kithTestMarker = 'not reloaded'`))
	waitJS[bool](br, tabB, "B's live connection", 20*time.Second,
		`document.querySelector('[data-testid=connection]').dataset.state === 'up'`)
	text := "Hello from A, live at " + time.Now().Format("15:04:05.000")
	br.do(tabA, "post on A", 30*time.Second,
		click(tid("nav-timeline")), chromedp.WaitVisible(tid("compose-text")),
		chromedp.SendKeys(tid("compose-text"), text), click(tid("compose-submit")))
	start := time.Now()
	waitJS[bool](br, tabB, "A's post on B's timeline", 30*time.Second, fmt.Sprintf(
		`[...document.querySelectorAll('[data-testid=post] [data-testid=post-text]')].some(e => e.textContent === %q)`, text))
	t.Logf("A's post appeared on B's open timeline %v after it was sent", time.Since(start).Round(time.Millisecond))
	if m := get(br, tabB, "the page marker", 5*time.Second, chromedp.Evaluate[string](`window.kithTestMarker || ''`)); m != "not reloaded" {
		t.Errorf("B's page was reloaded to show the post (marker %q)", m)
	}

	// A posts a photo carrying a GPS location: the UI says it was removed,
	// and the image B serves has none.
	br.do(tabA, "post a photo on A", 60*time.Second,
		chromedp.SetUploadFiles(tid("compose-image"), []string{photo}),
		chromedp.WaitVisible(tid("compose-previews")),
		chromedp.SendKeys(tid("compose-text"), "A photo from the walk"),
		click(tid("compose-submit")))
	status := waitJS[string](br, tabA, "the post's status", 30*time.Second,
		`(t => t.includes('Posted') && t)(document.querySelector('[data-testid=compose-status]').textContent)`)
	if !strings.Contains(status, "Location data was removed") {
		t.Errorf("after posting the photo A says %q; want it to say the location data was removed", status)
	}
	src := waitJS[string](br, tabB, "the photo on B's timeline, loaded", 60*time.Second,
		`(() => { const p = [...document.querySelectorAll('[data-testid=post]')].find(p => p.querySelector('[data-testid=post-text]')?.textContent === 'A photo from the walk');
		  const img = p && p.querySelector('[data-testid=post-image]');
		  return img && img.complete && img.naturalWidth > 0 && img.getAttribute('src'); })()`)
	br.screenshot(tabB, "03-timeline-live")
	served := httpGet(t, b.home, src)
	if has, err := blob.HasLocation(bytes.NewReader(served)); err != nil || has {
		t.Fatalf("the photo B serves at %s: HasLocation = %v, %v", src, has, err)
	}
	if bytes.Contains(served, []byte("Exif\x00\x00")) && bytes.Contains(served, []byte{0x88, 0x25}) {
		t.Errorf("the photo B serves still has an EXIF block with a GPS pointer")
	}
	img, err := jpeg.Decode(bytes.NewReader(served))
	if err != nil {
		t.Fatalf("the photo B serves is not a JPEG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != 320 || r.Dy() != 240 {
		t.Errorf("the photo B serves is %v, want 320×240", r)
	}
	if len(served) >= len(original) {
		t.Errorf("the photo B serves has %d bytes, the original %d: nothing was removed", len(served), len(original))
	}

	// The other main pages, on B: peers and sync, A's profile, people.
	br.do(tabB, "peers page", 30*time.Second, navTo("nav-peers"), chromedp.WaitVisible(tid("peer")))
	peer := waitJS[string](br, tabB, "A's device among B's peers, live", 30*time.Second,
		`(e => e && e.querySelector('[data-testid=peer-phase]')?.dataset.phase === 'live' && e.dataset.device)(document.querySelector('[data-testid=peer]'))`)
	if !strings.HasPrefix(peer, "dev_") {
		t.Errorf("B's peers page shows device %q", peer)
	}
	checkLabels(t, br, tabB, "peers")
	br.screenshot(tabB, "07-peers")
	br.do(tabB, "A's profile", 30*time.Second,
		chromedp.Navigate(strings.TrimSuffix(b.API, "/")+"/#/account/"+id.Account), chromedp.WaitVisible(tid("follow-button")))
	follow := waitJS[string](br, tabB, "the follow button", 10*time.Second,
		`document.querySelector('[data-testid=follow-button]').textContent.trim()`)
	if follow != "Unfollow" {
		t.Errorf("on A's profile B's follow button says %q; B follows A after joining", follow)
	}
	checkLabels(t, br, tabB, "profile")
	br.screenshot(tabB, "08-profile")

	// Block A from its profile (with the confirmation): A's posts leave
	// B's timeline; unblock: they come back.
	br.do(tabB, "block A", 30*time.Second,
		click(tid("block-button")), chromedp.WaitVisible(tid("block-confirm")),
		click(tid("block-confirm")))
	waitJS[bool](br, tabB, "the Unblock button", 20*time.Second,
		`document.querySelector('[data-testid=block-button]')?.textContent.trim() === 'Unblock'`)
	var rel struct {
		Blocked   bool `json:"blocked"`
		Following bool `json:"following"`
	}
	if err := json.Unmarshal(httpGet(t, b.home, "/api/v1/accounts/"+id.Account), &rel); err != nil || !rel.Blocked {
		t.Fatalf("after Block, B's API says %+v (%v)", rel, err)
	}
	postsOfA := fmt.Sprintf(`[...document.querySelectorAll('[data-testid=post]')].filter(p => (p.querySelector('[data-testid=post-author]')?.getAttribute('href') || '').includes(%q)).length`, id.Account)
	br.do(tabB, "B's timeline after the block", 30*time.Second,
		click(tid("nav-timeline")), chromedp.WaitVisible(tid("compose-text")))
	waitJS[bool](br, tabB, "A's posts gone from B's timeline", 20*time.Second,
		`document.querySelector('[data-testid=feed-empty]') !== null || (`+postsOfA+`) === 0`)
	if n := get(br, tabB, "A's posts on B's timeline", 5*time.Second, chromedp.Evaluate[int](postsOfA)); n != 0 {
		t.Errorf("after the block B's timeline shows %d posts of A", n)
	}
	br.do(tabB, "unblock A", 30*time.Second,
		chromedp.Navigate(strings.TrimSuffix(b.API, "/")+"/#/account/"+id.Account), chromedp.WaitVisible(tid("block-button")))
	waitJS[bool](br, tabB, "the Unblock button", 20*time.Second,
		`document.querySelector('[data-testid=block-button]')?.textContent.trim() === 'Unblock'`)
	br.do(tabB, "unblock A", 30*time.Second, click(tid("block-button")))
	waitJS[bool](br, tabB, "the Block button again", 20*time.Second,
		`document.querySelector('[data-testid=block-button]')?.textContent.trim() === 'Block…'`)
	br.do(tabB, "B's timeline after the unblock", 30*time.Second,
		click(tid("nav-timeline")), chromedp.WaitVisible(tid("compose-text")))
	if n := waitJS[int](br, tabB, "A's posts back on B's timeline", 20*time.Second, postsOfA); n != 2 {
		t.Errorf("after the unblock B's timeline shows %d posts of A, want 2", n)
	}
	br.do(tabB, "people page", 30*time.Second, click(tid("nav-people")), chromedp.WaitVisible(tid("following-list")))
	// The lists are there before they are filled: the screenshot is of
	// the page loaded (B follows A, blocks nobody, the online section
	// has heard from the node).
	waitJS[bool](br, tabB, "B's people page loaded", 20*time.Second,
		`document.getElementById('following-heading')?.textContent === 'Following (1)' && document.getElementById('blocked-heading')?.textContent === 'Blocked (0)' && /^Online now \(\d+\)$/.test(document.getElementById('online-heading')?.textContent || '')`)
	br.screenshot(tabB, "09-people")

	// Phone width: B's timeline fits 375 px without scrolling sideways.
	br.do(tabB, "phone width", 30*time.Second,
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile), click(tid("nav-timeline")),
		chromedp.WaitVisible(tid("post")))
	overflow := get(br, tabB, "horizontal overflow", 10*time.Second, chromedp.Evaluate[int](
		`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if overflow > 0 {
		t.Errorf("at 375 px the timeline is %d px wider than the screen", overflow)
	}
	br.screenshot(tabB, "04-timeline-phone")

	// Dark, when the system asks for it: the page follows.
	br.do(tabB, "dark colour scheme", 10*time.Second, colorScheme("dark"))
	if bg := get(br, tabB, "the dark background", 10*time.Second, chromedp.Evaluate[string](
		`getComputedStyle(document.body).backgroundColor + ' ' + getComputedStyle(document.body).color`)); bg != "rgb(20, 23, 28) rgb(230, 233, 238)" {
		t.Errorf("with prefers-color-scheme dark the body is %q, want the dark background and text", bg)
	}
	br.screenshot(tabB, "04b-timeline-phone-dark")
	br.do(tabB, "light colour scheme", 10*time.Second, colorScheme(""))

	// Restore on a third node from A's phrase: a second device of A's account.
	c := &proc{t: t, name: "C", home: filepath.Join(t.TempDir(), "c"), noInit: true}
	c.start()
	t.Cleanup(c.stop)
	tabC := br.tab("C")
	br.do(tabC, "restore A's account on C", 60*time.Second,
		chromedp.Navigate(c.Web), chromedp.WaitVisible(tid("setup-restore")),
		click(tid("setup-restore")), chromedp.WaitVisible(tid("restore-phrase")),
		paste(tid("restore-phrase"), strings.Join(words, " ")),
		chromedp.SendKeys(tid("device-name"), "phone"),
		click(tid("restore-submit")), chromedp.WaitVisible(tid("compose-text")))
	restored := get(br, tabC, "C's account", 10*time.Second, chromedp.Evaluate[string](
		`document.querySelector('[data-testid=me]').dataset.account`))
	if restored != id.Account {
		t.Errorf("C restored account %q, want A's %s", restored, id.Account)
	}
}

// httpGet fetches path from the node whose home is given, with its token.
func httpGet(t *testing.T, home, path string) []byte {
	t.Helper()
	ep, err := wire.ReadEndpoint(home)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), "GET", ep.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ep.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v: %s", path, resp.StatusCode, err, body)
	}
	return body
}

// colorScheme emulates the system's colour scheme ("dark", "light"), or
// stops emulating it ("").
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := emulation.SetEmulatedMediaParams{}
		if scheme != "" {
			p.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, p)
		return err
	})
}
