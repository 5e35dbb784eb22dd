package main

// The web UI's conversation pages end to end: three real 'kith serve'
// processes (Ann, Bea, Cyd) found a village; Ann, in headless chromium,
// is refused a start whose rule does not compile (nothing is published),
// then starts a proposal decided by a two-thirds majority of the locals.
// Her open page shows the rule in plain words and what is still needed;
// Bea agrees from the command line and Ann's page updates live; Ann
// agrees from the page and the outcome shows. Then a ranked poll: Ann
// ranks from the page, Bea and Cyd vote from the command line, and the
// winner shows. Screenshots of each state go to build/screenshots.

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// decisionVillageProcs starts Ann, Bea and Cyd as kith processes who
// follow each other and found the village "Elm street".
func decisionVillageProcs(t *testing.T) (a, b, c *proc, vid string) {
	t.Helper()
	dir := t.TempDir()
	a = startNode(t, "Ann", filepath.Join(dir, "a"))
	b = startNode(t, "Bea", filepath.Join(dir, "b"))
	c = startNode(t, "Cyd", filepath.Join(dir, "c"))
	all := []*proc{a, b, c}
	for _, p := range []struct {
		p    *proc
		name string
	}{{a, "Ann"}, {b, "Bea"}, {c, "Cyd"}} {
		p.p.kith("profile", "set", "--name", p.name)
	}
	b.kith("join", a.inviteCode())
	c.kith("join", a.inviteCode())
	c.kith("join", b.inviteCode())
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account, "--with", c.Account), &founded); err != nil {
		t.Fatal(err)
	}
	vid = founded.Village
	villageWait(t, all[1:], vid, "the found entry", func(v wire.Village) bool { return v.Name == "Elm street" })
	villageEntryOf(b, "accept", vid)
	villageEntryOf(c, "accept", vid)
	villageWait(t, all, vid, "the founding", func(v wire.Village) bool { return v.Founded })
	return a, b, c, vid
}

func TestWebUIDecision(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	a, b, c, vid := decisionVillageProcs(t)
	all := []*proc{a, b, c}

	tab := br.ctx
	br.do(tab, "open Ann's Conversations page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-decisions"), chromedp.WaitVisible(tid("decision-start-form")))
	waitText(t, br, tab, "the empty list", "decisions-list", "No conversation yet. Start one below.", 10*time.Second)
	waitJS[bool](br, tab, "the village among the choices", 10*time.Second,
		`[...document.querySelectorAll('[data-testid=decision-where] option')].some(o => o.value === 'village:`+vid+`')`)
	checkLabels(t, br, tab, "conversations")

	// A rule that does not compile is refused; nothing is published.
	br.do(tab, "start with a bad rule", 20*time.Second,
		chromedp.SendKeys(tid("decision-topic"), "Paint the gate"),
		setField("decision-where", "village:"+vid),
		chromedp.SendKeys(tid("decision-text"), "Paint it blue, with a white frame"),
		setField("decision-method", "cel"),
		chromedp.SendKeys(tid("decision-expr"), "agree >"),
		click(tid("decision-start")))
	refused := waitJS[string](br, tab, "the refusal", 10*time.Second, textOf("decision-start-status"))
	if !strings.Contains(refused, "the expression does not compile") || !strings.HasSuffix(refused, "(nothing was published)") {
		t.Fatalf("refusal %q", refused)
	}
	br.screenshot(tab, "decision-refused")
	if out := string(a.kith("conversation", "list")); !strings.Contains(out, `"decisions":[]`) {
		t.Fatalf("a refused start was published: %s", out)
	}

	// Two thirds of the locals.
	br.do(tab, "start the proposal", 20*time.Second,
		setField("decision-method", "qualified"),
		setField("decision-params", "2/3"),
		click(tid("decision-start")))
	id := waitJS[string](br, tab, "Ann on the conversation's page", 20*time.Second,
		`location.hash.startsWith('#/decision/ent_') && `+textOf("decision-topic")+` === 'Paint the gate' && location.hash.slice('#/decision/'.length)`)
	waitText(t, br, tab, "the rule", "decision-rule", "Rule: qualified majority: at least 2/3 of the 3 participants agree", 10*time.Second)
	waitText(t, br, tab, "what is needed", "decision-needed", "Still needed: 2 more agreements", 10*time.Second)
	checkLabels(t, br, tab, "conversation")
	br.screenshot(tab, "decision-open")

	// Bea agrees from the command line: Ann's page follows.
	decisionWait(t, []*proc{b}, id, "the start at Bea's", func(d wire.Decision) bool { return d.Topic == "Paint the gate" })
	decisionEntry(b, "position", id, "agree", "blue is calm")
	waitText(t, br, tab, "Bea's agreement, live", "decision-needed", "Still needed: 1 more agreement", liveTimeout)
	br.do(tab, "Ann agrees", 20*time.Second,
		click(`[data-testid=decision-choice][data-value=agree]`),
		click(tid("decision-position")))
	waitJS[bool](br, tab, "Ann's agreement in the history", liveTimeout, `[...document.querySelectorAll('[data-testid=decision-event]')].map(e => e.textContent).join('|') === 'Bea agrees: blue is calm|You agree'`)
	waitJS[bool](br, tab, "the outcome", liveTimeout, textOf("decision-outcome")+`.startsWith('Outcome: accepted: "Paint it blue, with a white frame"; agreed by Ann, Bea')`)
	if n := get(br, tab, "forms once decided", 10*time.Second, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=decision-position-form]').length`)); n != 0 {
		t.Fatalf("the position form is still offered after the outcome (%d)", n)
	}
	br.screenshot(tab, "decision-decided")
	decisionWait(t, all, id, "the outcome everywhere", func(d wire.Decision) bool {
		return d.Closed && d.Outcome != nil && len(d.Outcome.Agreed) == 2
	})

	// A ranked poll.
	br.do(tab, "back to the list", 20*time.Second,
		navTo("nav-decisions"), chromedp.WaitVisible(tid("decision-start-form")))
	br.do(tab, "start a poll", 20*time.Second,
		chromedp.SendKeys(tid("decision-topic"), "Market day"),
		setField("decision-where", "village:"+vid),
		setField("decision-kind", "poll"),
		setField("decision-options", "Tuesday\nWednesday\nSaturday"),
		setField("decision-method", "instant-runoff"),
		click(tid("decision-start")))
	poll := waitJS[string](br, tab, "the poll's page", 20*time.Second,
		`location.hash.startsWith('#/decision/ent_') && `+textOf("decision-topic")+` === 'Market day' && location.hash.slice('#/decision/'.length)`)
	br.do(tab, "Ann ranks Saturday, then Tuesday", 20*time.Second,
		setField2(`[data-testid=decision-rank][data-number="3"]`, "1"),
		setField2(`[data-testid=decision-rank][data-number="1"]`, "2"),
		click(tid("decision-vote")))
	waitJS[bool](br, tab, "Ann's ballot", liveTimeout, `[...document.querySelectorAll('[data-testid=decision-participant]')].some(p => p.textContent === 'You — ranks "Saturday" > "Tuesday"')`)
	decisionWait(t, []*proc{b, c}, poll, "the poll", func(d wire.Decision) bool { return d.Topic == "Market day" })
	decisionEntry(b, "vote", poll, "Wednesday", "Saturday")
	decisionEntry(c, "vote", poll, "Saturday")
	waitJS[bool](br, tab, "the winner", liveTimeout, textOf("decision-outcome")+`.startsWith('Outcome: "Saturday" wins')`)
	br.screenshot(tab, "decision-poll-decided")

	br.do(tab, "the list", 20*time.Second, navTo("nav-decisions"))
	waitJS[bool](br, tab, "both decided in the list", liveTimeout, `document.querySelectorAll('[data-testid=decision-item][data-closed=true]').length === 2`)
	br.screenshot(tab, "decisions-list")
}

// setField2 is setField for any selector.
func setField2(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(e => {
		e.value = ` + jsString(value) + `;
		e.dispatchEvent(new Event('input', { bubbles: true }));
		e.dispatchEvent(new Event('change', { bubbles: true }));
	})(document.querySelector(` + jsString(sel) + `))`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
