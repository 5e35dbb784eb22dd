package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestWebUIDecisionPatterns: Ann starts an invitation with one place from
// the page; Bea says yes from the command line and takes it; Ann's yes
// from the page puts her on the waiting list; Bea's no gives Ann the
// place. Then a debate Bea starts: Ann argues for the motion from the
// page, Bea answers her argument against it from the command line, and
// both arguments show on Ann's page in order, the answer naming whom it
// answers.
func TestWebUIDecisionPatterns(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	a, b, c, vid := decisionVillageProcs(t)
	all := []*proc{a, b, c}
	tab := br.ctx
	br.do(tab, "open Ann's Conversations page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-decisions"), chromedp.WaitVisible(tid("decision-start-form")))
	waitJS[bool](br, tab, "the village among the choices", 10*time.Second,
		`[...document.querySelectorAll('[data-testid=decision-where] option')].some(o => o.value === 'village:`+vid+`')`)
	br.do(tab, "start an invitation", 20*time.Second,
		chromedp.SendKeys(tid("decision-topic"), "Canoe trip on Sunday"),
		setField("decision-where", "village:"+vid),
		setField("decision-kind", "invitation"),
		chromedp.SendKeys(tid("decision-text"), "One seat left in the canoe."),
		setField("decision-method", "quorum"),
		chromedp.SendKeys(tid("decision-params"), "3"),
		chromedp.SendKeys(tid("decision-places"), "1"),
		click(tid("decision-start")),
		chromedp.WaitVisible(tid("decision-places-taken")))
	id := waitJS[string](br, tab, "the conversation's id", 10*time.Second, `(m => m && m[1])(location.hash.match(/#\/decision\/(.+)$/))`)
	waitText(t, br, tab, "no one yet", "decision-places-taken", "1 place, taken by no one yet.", 10*time.Second)
	decisionWait(t, all[1:2], id, "the invitation on Bea", func(d wire.Decision) bool { return d.Pattern == "invitation" })
	b.kith("conversation", "answer", id, "yes")
	waitText(t, br, tab, "Bea's yes on Ann's page", "decision-places-taken", "1 place, taken by Bea.", liveTimeout)
	br.do(tab, "Ann says yes", 10*time.Second, click(`[data-testid=decision-answer][data-value=yes]`))
	waitText(t, br, tab, "Ann waits", "decision-waiting", "Waiting for a place, in order: You.", 10*time.Second)
	br.screenshot(tab, "decision-invitation-waiting")
	decisionWait(t, all[1:2], id, "Ann's yes on Bea", func(d wire.Decision) bool { return len(d.Waiting) == 1 })
	b.kith("conversation", "answer", id, "no")
	waitText(t, br, tab, "Bea's no gives Ann the place", "decision-places-taken", "1 place, taken by You.", liveTimeout)

	// A debate Bea starts.
	var started wire.ConversationEntry
	if err := json.Unmarshal(b.kith("conversation", "start", "A bench by the pond", "--village", vid, "--pattern", "debate", "--text", "We put a bench by the pond."), &started); err != nil {
		t.Fatal(err)
	}
	decisionWait(t, all[:1], started.ID, "the debate on Ann", func(d wire.Decision) bool { return d.Pattern == "debate" })
	br.do(tab, "open the debate", 20*time.Second,
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/decision/`+started.ID+`'`),
		chromedp.WaitVisible(tid("decision-argue-form")))
	waitText(t, br, tab, "no arguments", "decision-arguments", "No arguments yet.", 10*time.Second)
	br.do(tab, "Ann argues for", 10*time.Second,
		setField("decision-side", "for"),
		chromedp.SendKeys(tid("decision-argument-text"), "Old people need a rest on the way."),
		click(tid("decision-argue")))
	waitText(t, br, tab, "Ann's argument", "decision-arguments", "For · You: Old people need a rest on the way.", 10*time.Second)
	pro := waitJS[string](br, tab, "the argument's id", 5*time.Second, `document.querySelector('[data-testid=decision-argument]').dataset.id`)
	decisionWait(t, all[1:2], started.ID, "Ann's argument on Bea", func(d wire.Decision) bool { return len(d.Arguments) == 1 })
	b.kith("conversation", "argue", started.ID, "against", "The path is too narrow for a bench.", "--answers", pro)
	waitText(t, br, tab, "Bea's answer on Ann's page", "decision-arguments",
		"For · You: Old people need a rest on the way.Against · Bea (answering You): The path is too narrow for a bench.", liveTimeout)
	if n := waitJS[int](br, tab, "the position choices", 5*time.Second, `document.querySelectorAll('[data-testid=decision-choice]').length`); n != 4 {
		t.Errorf("the debate offers %d position choices, want agree, disagree, abstain and block", n)
	}
	br.screenshot(tab, "decision-debate")
}
