package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestWebUIVillageKeepsTwoActive (issue 11, item 11): of two active
// locals, A's village page does not offer the passive mode and says why
// before anything is published; a forced choice is refused on the page,
// and A's node stays active. Once C joins (three active locals, the page
// updating live), the passive mode is offered and saving it works.
func TestWebUIVillageKeepsTwoActive(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "A", filepath.Join(dir, "a"))
	b := startNode(t, "B", filepath.Join(dir, "b"))
	c := startNode(t, "C", filepath.Join(dir, "c"))
	vid := foundElmStreet(t, a, b, c)

	tab := br.ctx
	br.do(tab, "open A's village page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#/village/%s'`, vid)),
		chromedp.WaitVisible(tid("village-role")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('details.userspec').open = true`))
	const why = "You cannot turn passive now: a village keeps at least two active locals, and you are one of the 2. " +
		"Invite another local, or ask a passive local to turn active, first."
	waitText(t, br, tab, "A's page of two active locals", "userspec-mode-note", why, 10*time.Second)
	if disabled := get(br, tab, "the passive option", 5*time.Second, chromedp.Evaluate[bool](
		`document.querySelector('[data-testid=userspec-mode] option[value=passive]').disabled`)); !disabled {
		t.Error("the passive mode is offered to one of two active locals")
	}
	// Forced (the option re-enabled by hand): the page refuses before
	// publishing.
	br.do(tab, "force the passive mode", 10*time.Second,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=userspec-mode] option[value=passive]').disabled = false`),
		setField("userspec-mode", "passive"), setField("userspec-name", "Ann"),
		click(tid("userspec-save")))
	waitText(t, br, tab, "the refusal", "userspec-status", why, 10*time.Second)
	if v, _ := villageShow(a, vid); villageLocal(v, a.Account).Mode != "active" || villageLocal(v, a.Account).Name != "" {
		t.Fatalf("A's node shows A as %+v after the refusal", villageLocal(v, a.Account))
	}

	// C joins: three active locals; A's open page offers the passive mode.
	villageEntryOf(a, "invite", vid, c.Account)
	villageEntryOf(b, "invite", vid, c.Account)
	villageWait(t, []*proc{c}, vid, "C admitted", func(v wire.Village) bool {
		for _, inv := range v.Invitations {
			if inv.Invitee == c.Account && inv.Admitted {
				return true
			}
		}
		return false
	})
	villageEntryOf(c, "join", vid)
	waitJS[bool](br, tab, "the passive mode offered", 45*time.Second,
		`document.querySelector('[data-testid=userspec-mode-note]').hidden && !document.querySelector('[data-testid=userspec-mode] option[value=passive]').disabled`)
	br.do(tab, "A turns passive", 10*time.Second,
		setField("userspec-mode", "passive"), setField("userspec-name", "Ann"),
		click(tid("userspec-save")))
	waitText(t, br, tab, "A's userspec saved", "userspec-status", "Saved.", 10*time.Second)
	villageWait(t, []*proc{a, b, c}, vid, "A passive", func(v wire.Village) bool {
		return villageLocal(v, a.Account).Mode == "passive" && villageLocal(v, a.Account).Name == "Ann" && len(v.Problems) == 0
	})
}
