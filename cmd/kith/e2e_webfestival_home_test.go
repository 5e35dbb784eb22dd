package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestWebFestivalHome: the web UI creates a festival inside a space
// (festival.md §3 "Homes"). Ann and Bea share the space Crew. On Ann's
// Festivals page the form offers "Who receives it": public, or the space
// by name, and says what each means; Ann picks Crew and creates "Crew
// camp". Its page says it is sealed in the space Crew, the node holds it
// in that space, and Bea, a member, reads it by name.
func TestWebFestivalHome(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "Ann", filepath.Join(dir, "a"))
	b := startNode(t, "Bea", filepath.Join(dir, "b"))
	a.kith("profile", "set", "--name", "Ann")
	b.kith("profile", "set", "--name", "Bea")
	a.kith("follow", b.Account)
	b.kith("follow", a.Account)
	b.kith("peer", "add", a.addr())
	var created wire.SpaceEntry
	if err := json.Unmarshal(a.kith("space", "create", "Crew", "--with", b.Account), &created); err != nil || created.Space == "" {
		t.Fatalf("space create: %+v %v", created, err)
	}
	sid := created.Space
	spaceWait(t, a, sid, "the space's key", func(s spaceShown) bool { return s.CanWrite })

	tab := br.ctx
	br.do(tab, "open Ann's Festivals page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-festivals"), chromedp.WaitVisible(tid("festival-create-form")))
	waitText(t, br, tab, "the help for a public festival", "festival-home-help",
		"Anyone you share its reference with can open it; it is announced in the DHT.", 10*time.Second)
	// The space is offered by its name, once the page has read it.
	waitJS[bool](br, tab, "Crew offered", 10*time.Second, `[...document.querySelectorAll('[data-testid=festival-home] option')].some(o => o.textContent === 'Crew' && o.value === 'space:`+sid+`')`)
	br.do(tab, "choose the space Crew", 10*time.Second, chromedp.SetValue(tid("festival-home"), "space:"+sid))
	waitJS[bool](br, tab, "the choice told to the form", 5*time.Second,
		`document.querySelector('[data-testid=festival-home]').dispatchEvent(new Event('change', {bubbles: true}))`)
	waitText(t, br, tab, "the help for a space", "festival-home-help",
		"Sealed in the space Crew: only its members can read it, and people removed from the space do not read what is written after.", 10*time.Second)
	checkLabels(t, br, tab, "festivals")
	br.do(tab, "create Crew camp", 20*time.Second,
		chromedp.SendKeys(tid("festival-name"), "Crew camp"),
		click(tid("festival-create")))
	fid := waitJS[string](br, tab, "the festival's page", 20*time.Second,
		`location.hash.startsWith('#/festival/ent_') && `+textOf("festival-title")+` === 'Crew camp' && location.hash.slice('#/festival/'.length)`)
	waitText(t, br, tab, "where it lives", "festival-home-shown", "Sealed in the space Crew: only its members read it.", 10*time.Second)
	// Only a public festival has a reference to share.
	waitJS[bool](br, tab, "no reference shown", 5*time.Second, `!document.querySelector('[data-testid=festival-ref-shown]')`)
	br.screenshot(tab, "festival-in-space")

	if v, ok := festivalHomedShow(a, fid); !ok || v.Home != sid || v.Name != "Crew camp" {
		t.Fatalf("Ann's node holds the festival as %+v (%v), want it in the space %s", v, ok, sid)
	}
	waitFor(t, spaceTimeout, "Bea, a member, to read the festival", func() bool {
		v, ok := festivalHomedShow(b, fid)
		return ok && v.Home == sid && v.Name == "Crew camp"
	})
}
