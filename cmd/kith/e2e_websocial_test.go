package main

// Reactions and mutes in the web UI (issue 15, item 14): a real 'kith
// serve' holding a friend's post and a third account's reaction to it, in
// headless chromium.

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// colourPNG writes a small picture of one colour to path.
func colourPNG(t *testing.T, path string, c color.NRGBA) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 32, 24))
	for y := range 24 {
		for x := range 32 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWebReactionsAndMute: V's timeline shows the reaction bar under Ada's
// post with Bea's ❤️ counted; V presses 👍 and sees it counted as its own,
// presses it again to take it back; V mutes Ada from her profile's menu:
// her post leaves the timeline, and the CLI lists her as muted. On the
// Pictures page V sees Ada's album with its caption, publishes one of its
// own through the form, and after the mute sees only its own.
func TestWebReactionsAndMute(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	v := startNode(t, "V", filepath.Join(dir, "v"))
	v.kith("profile", "set", "--name", "Vic")

	type ids struct {
		Account string `json:"account"`
	}
	newPerson := func(name, home string) (*proc, string) {
		p := &proc{t: t, name: name, home: filepath.Join(dir, home)}
		var id ids
		if err := json.Unmarshal(p.kith("init"), &id); err != nil {
			t.Fatal(err)
		}
		p.kith("profile", "set", "--name", name)
		return p, id.Account
	}
	ada, adaAcc := newPerson("Ada", "ada")
	var posted struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ada.kith("post", "Soup tonight at mine"), &posted); err != nil {
		t.Fatal(err)
	}
	beansPNG, shedPNG, minePNG := filepath.Join(dir, "beans.png"), filepath.Join(dir, "shed.png"), filepath.Join(dir, "mine.png")
	colourPNG(t, beansPNG, color.NRGBA{40, 160, 60, 255})
	colourPNG(t, shedPNG, color.NRGBA{150, 90, 40, 255})
	colourPNG(t, minePNG, color.NRGBA{40, 80, 200, 255})
	ada.kith("image", "--title", "Allotment", "--caption", "Runner beans", beansPNG, shedPNG)
	adaBundle := filepath.Join(dir, "ada.kith")
	ada.kith("export", "--out", adaBundle)

	bea, beaAcc := newPerson("Bea", "bea")
	bea.kith("import", adaBundle)
	bea.kith("react", posted.ID, "love")
	bea.kith("tag", posted.ID, "recipes")
	beaBundle := filepath.Join(dir, "bea.kith")
	bea.kith("export", "--out", beaBundle)

	v.kith("import", adaBundle)
	v.kith("import", beaBundle)
	v.kith("follow", adaAcc)
	v.kith("follow", beaAcc)

	tab := br.ctx
	br.do(tab, "open V's timeline", 30*time.Second,
		chromedp.Navigate(v.Web), chromedp.WaitVisible(tid("compose-text")))
	heart := waitJS[string](br, tab, "Bea's ❤️ counted", 30*time.Second,
		`(b => b && b.dataset.count)(document.querySelector('[data-testid=reaction][data-value="\u2764\ufe0f"]'))`)
	if heart != "1" {
		t.Fatalf("❤️ count %q, want 1", heart)
	}
	label := waitJS[string](br, tab, "Bea's label", 30*time.Second,
		`(t => t && t.dataset.count)(document.querySelector('[data-testid=tag][data-label=recipes]'))`)
	if label != "1" {
		t.Fatalf("label count %q, want 1", label)
	}
	br.do(tab, "press 👍", 10*time.Second, click(chromedp.CSS(`[data-testid=reaction][data-value="👍"]`)))
	mine := waitJS[bool](br, tab, "👍 counted as mine", 20*time.Second,
		`(b => b && b.dataset.count === '1' && b.getAttribute('aria-pressed') === 'true')(document.querySelector('[data-testid=reaction][data-value="\u{1F44D}"]'))`)
	if !mine {
		t.Fatal("👍 not counted")
	}
	checkLabels(t, br, tab, "timeline with reactions")
	br.screenshot(tab, "50-reactions")
	var counted struct {
		Entries []struct {
			Mine string `json:"mine"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(v.kith("reactions", posted.ID), &counted); err != nil || len(counted.Entries) != 1 || counted.Entries[0].Mine != "\U0001F44D" {
		t.Fatalf("kith reactions after the click: %+v, %v", counted, err)
	}
	br.do(tab, "press 👍 again", 10*time.Second, click(chromedp.CSS(`[data-testid=reaction][data-value="👍"]`)))
	waitJS[bool](br, tab, "👍 taken back", 20*time.Second,
		`(b => b && b.dataset.count === '0' && b.getAttribute('aria-pressed') === 'false')(document.querySelector('[data-testid=reaction][data-value="\u{1F44D}"]'))`)

	br.do(tab, "open Pictures", 30*time.Second, navTo("nav-pictures"), chromedp.WaitVisible(tid("album-form")))
	caption := waitJS[string](br, tab, "Ada's album", 30*time.Second,
		`(a => a && a.querySelectorAll('[data-testid=album-image]').length === 2 && a.querySelector('[data-testid=album-title]').textContent === 'Allotment' && a.querySelector('[data-testid=album-caption]').textContent)(document.querySelector('[data-testid=album]'))`)
	if caption != "Runner beans" {
		t.Fatalf("caption %q", caption)
	}
	br.do(tab, "publish a picture through the form", 30*time.Second,
		chromedp.SetUploadFiles(tid("album-files"), []string{minePNG}),
		chromedp.WaitVisible(tid("album-caption-input")),
		setField("album-caption-input", "Blue sky"),
		setField("album-title-input", "Today"),
		click(tid("album-submit")))
	waitJS[bool](br, tab, "two albums, mine first", 30*time.Second,
		`(as => as.length === 2 && as[0].querySelector('[data-testid=album-title]').textContent === 'Today' && as[0].querySelector('[data-testid=album-caption]').textContent === 'Blue sky')([...document.querySelectorAll('[data-testid=album]')])`)
	checkLabels(t, br, tab, "pictures")
	br.screenshot(tab, "53-pictures")

	br.do(tab, "open Ada's profile and mute her", 30*time.Second,
		chromedp.Navigate(v.Web+"#/account/"+adaAcc), chromedp.WaitVisible(tid("mute-button")),
		click(tid("mute-button")), chromedp.WaitVisible(tid("muted-badge")))
	br.screenshot(tab, "51-muted-profile")
	br.do(tab, "back to the timeline", 30*time.Second, click(tid("nav-timeline")))
	waitJS[bool](br, tab, "Ada's post gone from the timeline", 30*time.Second,
		`document.querySelector('[data-testid=feed]') !== null && !document.querySelector('[data-testid=feed-empty]').hidden && document.querySelectorAll('[data-testid=post]').length === 0`)
	br.screenshot(tab, "52-muted-timeline")
	br.do(tab, "Pictures after the mute", 30*time.Second, navTo("nav-pictures"), chromedp.WaitVisible(tid("album-form")))
	waitJS[bool](br, tab, "only V's album", 30*time.Second,
		`(as => as.length === 1 && as[0].querySelector('[data-testid=album-title]').textContent === 'Today')([...document.querySelectorAll('[data-testid=album]')])`)
	var mutes struct {
		Accounts []struct {
			Account string `json:"account"`
			Name    string `json:"name"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(v.kith("mutes"), &mutes); err != nil || len(mutes.Accounts) != 1 || mutes.Accounts[0].Account != adaAcc || mutes.Accounts[0].Name != "Ada" {
		t.Fatalf("kith mutes: %+v, %v", mutes, err)
	}
}
