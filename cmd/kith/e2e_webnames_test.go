package main

// Names that could pass for other names, in the web UI (issue 11, item
// 14): a real 'kith serve' holding the posts of two accounts both named
// Carol and of one named like its own user, in headless chromium.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/content"
)

// TestWebNamesAlike: V follows two accounts named "Carol" and one named
// "Dаn" (a Cyrillic a), while V is "Dan". Every one of those names shows
// the account's fingerprint and "2 accounts named …"; a name with a
// right-to-left override is refused by the node (CLI and web UI say why);
// a post carrying one shows with its direction isolated; the web UI's
// nameKey agrees with content.NameKey.
func TestWebNamesAlike(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	v := startNode(t, "V", filepath.Join(dir, "v"))
	v.kith("profile", "set", "--name", "Dan")

	// Three people on their own machines, met through bundles.
	rlo := "Meet me at \u202e!kcabdeef gniod ma I\u202c, says Carol"
	people := []struct {
		name, post string
	}{
		{"Carol", "Hi, this is Carol from the allotments."},
		{"Carol", rlo},
		{"D\u0430n", "Dan here, new phone."},
	}
	var accounts []string
	for i, p := range people {
		c := &proc{t: t, name: fmt.Sprintf("P%d", i+1), home: filepath.Join(dir, fmt.Sprintf("p%d", i+1))}
		var id struct {
			Account string `json:"account"`
		}
		if err := json.Unmarshal(c.kith("init"), &id); err != nil {
			t.Fatal(err)
		}
		c.kith("profile", "set", "--name", p.name)
		c.kith("post", p.post)
		if i == 1 {
			// A name with a right-to-left override is refused, with why.
			out, err := c.try("profile", "set", "--name", "\u202elaroC")
			want := "profile: field name: U+202E at byte 0 is a bidi control, which can make a name read as another; remove it"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("setting the name \\u202elaroC: %s, %v; want it refused with %q", out, err, want)
			}
		}
		bundle := filepath.Join(dir, fmt.Sprintf("p%d.kith", i+1))
		c.kith("export", "--out", bundle)
		v.kith("import", bundle)
		v.kith("follow", id.Account)
		accounts = append(accounts, id.Account)
	}

	tab := br.ctx
	br.do(tab, "open V's timeline", 30*time.Second,
		chromedp.Navigate(v.Web), chromedp.WaitVisible(tid("compose-text")))
	waitJS[bool](br, tab, "the three posts", 30*time.Second,
		`document.querySelectorAll('[data-testid=post]').length === 3`)

	// Each look-alike name shows its fingerprint and how many share it.
	type badge struct {
		Account string `json:"account"`
		Text    string `json:"text"`
		Count   string `json:"count"`
		Title   string `json:"title"`
	}
	badges := waitJS[[]badge](br, tab, "the look-alike badges", 20*time.Second,
		`(b => b.length === 3 && b)([...document.querySelectorAll('[data-testid=post] [data-testid=name-alike]:not([hidden])')]
			.map(e => ({account: e.dataset.account, text: e.textContent, count: e.dataset.count, title: e.title})))`)
	want := map[string]string{
		accounts[0]: accounts[0][:12] + " · 2 accounts named “Carol”",
		accounts[1]: accounts[1][:12] + " · 2 accounts named “Carol”",
		accounts[2]: accounts[2][:12] + " · 2 accounts named “D\u0430n”",
	}
	for _, b := range badges {
		if w, ok := want[b.Account]; !ok || b.Text != w || b.Count != "2" {
			t.Errorf("badge %+v, want %q", b, w)
		}
		delete(want, b.Account)
	}
	if len(want) > 0 {
		t.Errorf("no badge beside %v", want)
	}
	other := map[string]string{accounts[0]: accounts[1], accounts[1]: accounts[0], accounts[2]: v.Account}
	for _, b := range badges {
		if !strings.HasPrefix(b.Title, "Not the same as "+other[b.Account][:12]+":") {
			t.Errorf("badge of %s has title %q; want it to name %s", b.Account, b.Title, other[b.Account][:12])
		}
	}

	// Every element showing what someone else wrote isolates its direction.
	notIsolated := get(br, tab, "the direction of peer text", 10*time.Second, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid=post-text], [data-testid=post-author], [data-testid=me] a')]
			.filter(e => e.dir !== 'auto' || !['isolate', 'plaintext'].includes(getComputedStyle(e).unicodeBidi))
			.map(e => e.outerHTML.slice(0, 100))`))
	if len(notIsolated) > 0 {
		t.Errorf("peer text not isolated:\n%s", strings.Join(notIsolated, "\n"))
	}
	// The override stays inside its paragraph: the author line of that
	// post reads left to right, name first, then the badge.
	order := get(br, tab, "the author line's order", 10*time.Second, chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const p = [...document.querySelectorAll('[data-testid=post]')].find(p => p.querySelector('[data-testid=post-text]').textContent === %q);
		  const a = p.querySelector('[data-testid=post-author]').getBoundingClientRect(), b = p.querySelector('[data-testid=name-alike]').getBoundingClientRect();
		  return a.right <= b.left; })()`, rlo)))
	if !order {
		t.Error("the name-alike badge is not right of the author's name")
	}
	br.screenshot(tab, "20-names-alike")

	// The web UI's nameKey is content.NameKey.
	names := []string{"Carol", "\u202elaroC", "Carol\u200b", "\u0421arol", "CaroI", "Ca\u0301rol", "\uff23arol", "D\u0430n", "Mary  Ann", "Barney", "\u5c71\u7530 \u592a\u90ce", "Ana \U0001F469\u200d\U0001F4BB", "\u0130stanbul"}
	js, _ := json.Marshal(names)
	br.do(tab, "load peertext.js", 10*time.Second, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`void import(new URL('peertext.js', document.baseURI).href).then(m => { window.kithKeys = %s.map(m.nameKey) })`, js)))
	keys := waitJS[[]string](br, tab, "the keys", 10*time.Second, `window.kithKeys`)
	for i, n := range names {
		if i >= len(keys) || keys[i] != content.NameKey(n) {
			t.Errorf("nameKey(%+q) in the browser = %+q; content.NameKey = %+q", n, keys, content.NameKey(n))
			break
		}
	}

	// Setting your own name with an override is refused, and the form says why.
	br.do(tab, "open my profile", 20*time.Second,
		navTo("nav-profile"), chromedp.WaitVisible(tid("profile-name-input")),
		setField("profile-name-input", "\u202elaroC"), click(tid("profile-save")))
	msg := waitJS[string](br, tab, "the refusal", 20*time.Second,
		`(t => t.includes('U+202E') && t)(document.querySelector('[data-testid=profile-form-status]').textContent)`)
	if !strings.Contains(msg, "U+202E at byte 0 is a bidi control, which can make a name read as another; remove it") {
		t.Errorf("the profile form says %q", msg)
	}
	br.screenshot(tab, "21-name-refused")
	if shown := get(br, tab, "the header name", 5*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=me]').textContent`)); shown != "Dan" {
		t.Errorf("the header shows %q after the refused change, want Dan", shown)
	}
}
