package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// foundElmStreet connects the nodes, has the others follow a, and a found
// "Elm street" with b as co-founder, who accepts; it answers the village
// id once a holds it founded.
func foundElmStreet(t *testing.T, a, b *proc, others ...*proc) string {
	t.Helper()
	villageConnect(append([]*proc{a, b}, others...)...)
	for _, p := range append([]*proc{b}, others...) {
		p.kith("follow", a.Account)
	}
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{b}, vid, "B to hold the found entry", func(v wire.Village) bool { return !v.Founded })
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a}, vid, "the founding", func(v wire.Village) bool { return v.Founded })
	return vid
}

// TestWebUIVillageJoinWaiting: C, invited by A alone to a village of two
// active locals (majority: both), joins on its village page before it is
// admitted. Its page says it joined and waits for one more local; A's page
// lists the invitation as joined and waiting; B endorses it from B's page,
// and C's page then says it is a local.
func TestWebUIVillageJoinWaiting(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "A", filepath.Join(dir, "a"))
	b := startNode(t, "B", filepath.Join(dir, "b"))
	c := startNode(t, "C", filepath.Join(dir, "c"))
	vid := foundElmStreet(t, a, b, c)
	villageEntryOf(a, "invite", vid, c.Account)
	villageWait(t, []*proc{c}, vid, "C to hold the invitation", func(v wire.Village) bool {
		return v.Founded && len(v.Invitations) == 1 && v.Invitations[0].Needed == 1
	})

	tabC := br.ctx
	br.do(tabC, "open C's village page", 30*time.Second,
		chromedp.Navigate(c.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/village/`+vid+`'`),
		chromedp.WaitVisible(tid("village-join")))
	waitText(t, br, tabC, "C before joining", "village-role",
		"You are invited (endorsed by "+a.Account[:len("acc_")+10]+"…); the locals have not admitted you yet: 1 more local must invite you too.", 10*time.Second)
	br.do(tabC, "C joins", 10*time.Second, click(tid("village-join")))
	waitText(t, br, tabC, "C after joining", "membership-status", "You joined.", 10*time.Second)
	waitText(t, br, tabC, "C after joining", "village-role",
		"You joined; you become a local once 1 more local invites you (the rule: more than half of the active locals agree). Ask them to endorse your invitation.", 10*time.Second)
	waitText(t, br, tabC, "C's invitation", "invitation-state",
		"Endorsed by "+a.Account[:len("acc_")+10]+"…: joined, waiting for 1 more local to invite you.", 10*time.Second)
	br.screenshot(tabC, "village-join-waiting")

	tabB := br.tab("B")
	br.do(tabB, "open B's village page", 30*time.Second,
		chromedp.Navigate(b.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/village/`+vid+`'`),
		chromedp.WaitVisible(tid("village-invitations")))
	state := waitJS[string](br, tabB, "the joined invitation on B's page", liveTimeout,
		`(e => e && e.textContent.includes('joined') && e.textContent.trim())(document.querySelector('[data-testid=invitation-state]'))`)
	if !strings.HasSuffix(state, ": joined, waiting for 1 more local to invite them.") {
		t.Errorf("B's page says of C's invitation %q", state)
	}
	br.screenshot(tabB, "village-join-waiting-local")
	br.do(tabB, "B endorses C's invitation", 10*time.Second, click(tid("invitation-endorse")))
	waitText(t, br, tabC, "C once B endorsed it, live", "village-role", "You are a local (active).", liveTimeout)
	waitText(t, br, tabC, "C once B endorsed it, live", "membership-status", "Enough locals invited you: you are a local now.", 5*time.Second)

	// A proposes to exclude B: on C's page, C has not voted (it is not
	// "against"), and B, the subject, is not eligible.
	prop := villageEntryOf(a, "exclude", vid, b.Account, "--reason", "moved away")
	tally := waitJS[string](br, tabC, "the proposal on C's page", liveTimeout, fmt.Sprintf(
		`(e => e && e.textContent.trim())(document.querySelector('[data-testid=village-proposal][data-proposal=%q] [data-testid=proposal-tally]'))`, prop))
	if want := "For: " + a.Account[:len("acc_")+10] + "…. Against: nobody. Not voted yet: " + c.Account[:len("acc_")+10] + "… (you)."; tally != want {
		t.Errorf("C's page shows the proposal's votes as %q, want %q", tally, want)
	}
	// At the top of C's page: the proposal waits for C's vote.
	waitText(t, br, tabC, "what waits for C", "village-votes-count", "1 exclusion proposal waits for your vote", 10*time.Second)
	br.screenshot(tabC, "village-proposal-not-voted")
	br.do(tabC, "C votes against", 10*time.Second, click(tid("proposal-against")))
	if shown := waitJS[bool](br, tabC, "the note gone once C voted", 10*time.Second,
		`document.querySelector('[data-testid=village-votes-note]').hidden`); !shown {
		t.Errorf("the note of proposals waiting for C's vote is still shown after C voted")
	}

	// A founds another village naming C, which C does not want: C declines
	// it from its page, which goes back to the villages, without it.
	var junk wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Junk street", "--with", c.Account), &junk); err != nil || junk.Village == "" {
		t.Fatalf("found Junk street: %+v %v", junk, err)
	}
	villageWait(t, []*proc{c}, junk.Village, "C to hold Junk street", func(v wire.Village) bool { return !v.Founded })
	br.do(tabC, "C declines Junk street", 30*time.Second,
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/village/`+junk.Village+`'`),
		chromedp.WaitVisible(tid("village-decline")), click(tid("village-decline")))
	waitJS[bool](br, tabC, "the villages page after declining", 10*time.Second, `location.hash === '#/villages'`)
	var list wire.VillageList
	if err := json.Unmarshal(c.kith("village", "list"), &list); err != nil || len(list.Villages) != 1 || list.Villages[0].ID != vid {
		t.Errorf("C's villages after declining Junk street: %+v (%v), want Elm street alone", list.Villages, err)
	}
}
