package main

// The festival page's requests, answers and nesting, in the same two
// 'kith serve' processes and browser as TestWebFestival (which calls
// webFestivalRequests when its own part passed): Ann and Bea each in a tab
// of their own node's page, both online.
//
// Ann announces a place known only by address (with capacity and
// availability windows, confirmed by hand), one known only by a web
// address, and equipment limited to 3 hours a day per person; the map
// lists the two beside it. Bea's event form says which resources are free
// at the times she writes; she asks for the Tent, Ann denies it with a
// reason, and Bea's page says who denied it and why, offers the Tent's
// free windows that day and a form asking for another time; Ann grants
// that; Bea gives it back and the Tent's calendar shows the window free
// again. Ann cancels her Concert: the Main stage is free again. A second
// day gets its own page of the programme. Ann creates a festival inside
// Lakeside: it is listed there, and its breadcrumb leads back.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// inTestid is a selector: the element with testid inside the one with
// outer whose data-attr is value.
func inTestid(outer, attr, value, testid string) string {
	return fmt.Sprintf(`[data-testid=%q][data-%s=%q] [data-testid=%q]`, outer, attr, value, testid)
}

// jsTexts lists the trimmed texts of the elements a selector finds, joined by " | ".
func jsTexts(sel string) string {
	return fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.textContent.trim()).join(' | ')`, sel)
}

func waitTexts(t *testing.T, br *browser, tab context.Context, what, sel, want string, timeout time.Duration) {
	t.Helper()
	waitJS[bool](br, tab, fmt.Sprintf("%s: %s reads %q", what, sel, want), timeout, fmt.Sprintf(`%s === %q`, jsTexts(sel), want))
}

func webFestivalRequests(t *testing.T, br *browser, a, b *proc, fid string) {
	ann := br.tab("Ann 2")
	bea := br.tab("Bea")
	page := func(p *proc) chromedp.Action[chromedp.Void] {
		return chromedp.Navigate(p.Web + "#/festival/" + fid)
	}
	br.do(ann, "Ann's festival page", 30*time.Second, page(a), chromedp.WaitVisible(tid("resource-form")))
	waitJS[bool](br, ann, "the programme", 20*time.Second, `document.querySelectorAll('[data-testid=festival-event]').length === 3`)

	// Resources known by address or URL only, with capacity, windows and
	// the hours-per-day policy; bad input is refused in words first.
	br.do(ann, "a place without position", 20*time.Second,
		setField("resource-name", "Meadow"), click(tid("resource-submit")))
	waitText(t, br, ann, "a place needs a position", "resource-status", "A place needs a position (latitude and longitude), an address or a web address.", 10*time.Second)
	br.do(ann, "a bad window", 20*time.Second,
		setField("resource-address", "Lake road 3"), setField("resource-policy", "manual"), setField("resource-capacity", "40"),
		setField("resource-windows", "2026-07-05 23:00 – 2026-07-05 10:00"), click(tid("resource-submit")))
	waitText(t, br, ann, "the window refused", "resource-status", "“2026-07-05 23:00 – 2026-07-05 10:00” is not a window like 2026-07-04 10:00 – 2026-07-04 23:00 (UTC, the end after the start).", 10*time.Second)
	br.do(ann, "add the Meadow", 20*time.Second,
		setField("resource-windows", "2026-07-05 10:00 – 2026-07-05 23:00"), click(tid("resource-submit")))
	waitText(t, br, ann, "the meadow added", "resource-status", "Added Meadow.", 20*time.Second)
	br.do(ann, "add the Stream", 20*time.Second,
		setField("resource-name", "Stream"), setField("resource-policy", "first-come"), setField("resource-url", "https://stream.example/lakeside"),
		click(tid("resource-submit")))
	waitText(t, br, ann, "the stream added", "resource-status", "Added Stream.", 20*time.Second)
	br.do(ann, "hours per day without a number", 20*time.Second,
		setField("resource-kind", "equipment"), setField("resource-name", "PA"), setField("resource-policy", "hours-per-day"), setField("resource-hours", "25"),
		click(tid("resource-submit")))
	waitText(t, br, ann, "the hours refused", "resource-status", "Give the hours a day per person as a whole number from 1 to 24.", 10*time.Second)
	br.do(ann, "add the PA", 20*time.Second, setField("resource-hours", "3"), click(tid("resource-submit")))
	waitText(t, br, ann, "the PA added", "resource-status", "Added PA.", 20*time.Second)
	waitTexts(t, br, ann, "the places beside the map", "[data-testid=festival-place-other]", "Meadow: Lake road 3 | Stream: https://stream.example/lakeside", 10*time.Second)
	waitTexts(t, br, ann, "the resources' owners and policies (by name)", "[data-testid=festival-resource-meta]", strings.Join([]string{
		"Owned by you; first come, first served.",                       // Main stage
		"Owned by you; the owner confirms each request; for 40 people.", // Meadow
		"Owned by you; first come, at most 3 hours a day per person.",   // PA
		"Owned by you; first come, first served.",                       // Stream
		"Owned by you; the owner confirms each request."}, " | "), 10*time.Second)
	waitTexts(t, br, ann, "the meadow's windows", inTestid("festival-resource", "name", "Meadow", "festival-resource-windows"), "Available 2026-07-05 10:00–23:00 (UTC).", 10*time.Second)

	// Bea's event form says what is free when.
	br.do(bea, "Bea's festival page", 30*time.Second, page(b), chromedp.WaitVisible(tid("event-form")))
	waitJS[bool](br, bea, "Bea holds the PA", syncTimeout, `!!document.querySelector('[data-testid=event-need][data-name=PA]')`)
	br.do(bea, "times that overlap the workshop", 10*time.Second,
		setField("event-name", "Yoga"), setField("event-start", "2026-07-04 11:00"), setField("event-end", "2026-07-04 12:00"))
	waitTexts(t, br, bea, "what is free 11:00–12:00", "[data-testid=event-need-state]",
		"— free then | — available only 2026-07-05 10:00–23:00 | — free then | — free then | — booked 10:00–12:00 by Workshop (you)", 10*time.Second)
	br.do(bea, "ask for the Tent at noon", 20*time.Second,
		setField("event-start", "2026-07-04 12:00"), setField("event-end", "2026-07-04 13:00"),
		click(`[data-testid=event-need][data-name="Tent"]`), click(tid("event-submit")))
	waitText(t, br, bea, "Yoga added", "event-status", "Added Yoga.", 20*time.Second)
	tentMine := `[data-testid=festival-mine-item][data-resource="Tent"]`
	waitTexts(t, br, bea, "Bea's requests for the tent", tentMine+" [data-testid=festival-mine-text]",
		"Tent for Workshop, 2026-07-04 10:00–12:00: granted. | Tent for Yoga, 2026-07-04 12:00–13:00: waiting for Ann (its owner).", 10*time.Second)

	// Ann denies it with a reason; Bea reads who and why, and the free windows.
	waitText(t, br, ann, "Yoga waiting for Ann", "festival-waiting-text", "Bea asks for Tent for Yoga, 2026-07-04 12:00–13:00.", syncTimeout)
	br.do(ann, "Ann denies it", 20*time.Second, setField("festival-deny-reason", "the kids have it then"), click(tid("festival-deny")))
	waitTexts(t, br, bea, "the denial in Bea's words", tentMine+"[data-status=denied] [data-testid=festival-mine-text]",
		"Tent for Yoga, 2026-07-04 12:00–13:00: denied by Ann (its owner): the kids have it then.", syncTimeout)
	waitTexts(t, br, bea, "the tent's free windows", tentMine+" [data-testid=festival-free]", "Tent is free on Saturday, 4 July 2026: 00:00–10:00, 12:00–24:00 (UTC).", 10*time.Second)
	waitJS[bool](br, bea, "a free window suggested", 10*time.Second,
		fmt.Sprintf(`document.querySelector(%q).value === '2026-07-04 12:00' && document.querySelector(%q).value === '2026-07-04 13:00'`,
			tentMine+" [data-testid=festival-retry-start]", tentMine+" [data-testid=festival-retry-end]"))
	br.screenshot(bea, "festival-denied-desktop")
	br.do(bea, "ask again at 15:00", 20*time.Second,
		setIn(tentMine+" [data-testid=festival-retry-start]", "2026-07-04 15:00"), setIn(tentMine+" [data-testid=festival-retry-end]", "2026-07-04 16:00"),
		click(tentMine+" [data-testid=festival-retry]"))
	waitText(t, br, ann, "the new request waiting", "festival-waiting-text", "Bea asks for Tent for Yoga, 2026-07-04 15:00–16:00.", syncTimeout)
	br.screenshot(ann, "festival-owner-desktop")
	br.do(ann, "Ann grants it", 20*time.Second, click(tid("festival-grant")))
	waitTexts(t, br, bea, "granted", tentMine+"[data-status=granted] [data-testid=festival-mine-text]",
		"Tent for Workshop, 2026-07-04 10:00–12:00: granted. | Tent for Yoga, 2026-07-04 15:00–16:00: granted.", syncTimeout)
	waitTexts(t, br, ann, "the tent's calendar", inTestid("festival-resource", "name", "Tent", "festival-booking"),
		"2026-07-04 10:00–12:00: Workshop (Bea) | 2026-07-04 15:00–16:00: Yoga (Bea)", syncTimeout)

	// Bea gives it back; the Tent is free again.
	br.do(bea, "Bea gives the tent back", 20*time.Second, chromedp.Evaluate[chromedp.Void](
		`[...document.querySelectorAll('[data-testid=festival-mine-item]')].find(e => e.textContent.includes('15:00–16:00')).querySelector('[data-testid=festival-withdraw]').click()`))
	waitTexts(t, br, ann, "the tent's calendar after", inTestid("festival-resource", "name", "Tent", "festival-booking"),
		"2026-07-04 10:00–12:00: Workshop (Bea)", syncTimeout)
	waitTexts(t, br, ann, "the window given back", inTestid("festival-resource", "name", "Tent", "festival-freed"),
		"2026-07-04 15:00–16:00: free again (Yoga, withdrawn by its author)", 10*time.Second)

	// Ann cancels her concert.
	br.do(ann, "Ann cancels the concert", 20*time.Second,
		click(`[data-testid=festival-place][data-place="Main stage"] [data-testid=festival-cancel]`),
		click(`[data-testid=festival-place][data-place="Main stage"] [data-testid=festival-cancel-confirm]`))
	waitTexts(t, br, ann, "the concert cancelled", "[data-testid=festival-event-cancelled]", "(cancelled)", 20*time.Second)
	waitTexts(t, br, ann, "the stage free again", inTestid("festival-resource", "name", "Main stage", "festival-freed"),
		"2026-07-04 20:00–22:00: free again (Concert, the event was cancelled)", 10*time.Second)
	waitJS[bool](br, ann, "no booking of the stage", 10*time.Second,
		`!document.querySelector('[data-testid=festival-resource][data-name="Main stage"] [data-testid=festival-booking]')`)
	waitJS[bool](br, bea, "Bea sees it cancelled", syncTimeout, `!!document.querySelector('[data-testid=festival-event-cancelled]')`)

	// A second day: the programme shows one day at a time.
	br.do(ann, "a picnic on Sunday", 20*time.Second,
		setField("event-name", "Picnic"), setField("event-start", "2026-07-05 12:00"), setField("event-end", "2026-07-05 14:00"),
		click(`[data-testid=event-need][data-name="PA"]`), click(tid("event-submit")))
	waitText(t, br, ann, "picnic added", "event-status", "Added Picnic.", 20*time.Second)
	waitTexts(t, br, ann, "the days", "[data-testid=festival-day-tab]", "Saturday, 4 July 2026 (4) | Sunday, 5 July 2026 (1)", 10*time.Second)
	waitTexts(t, br, ann, "Sunday shown (the new event's day)", "[data-testid=festival-day] [data-testid=festival-event-name]", "Picnic", 10*time.Second)
	br.do(ann, "back to Saturday", 10*time.Second, click(`[data-testid=festival-day-tab][data-day="2026-07-04"]`))
	waitTexts(t, br, ann, "Saturday shown", "[data-testid=festival-day] [data-testid=festival-event-name]", "Workshop | Yoga | Concert | Choir", 10*time.Second)
	checkLabels(t, br, ann, "festival")
	br.screenshot(ann, "festival-cancelled-desktop")

	// A festival inside Lakeside.
	br.do(ann, "create Kids corner inside", 20*time.Second,
		setField("festival-sub-name", "Kids corner"), click(tid("festival-sub-create")))
	waitJS[bool](br, ann, "Kids corner's page", 20*time.Second, textOf("festival-title")+` === 'Kids corner' && location.hash !== '#/festival/`+fid+`'`)
	waitTexts(t, br, ann, "the breadcrumb", "[data-testid=festival-breadcrumb] li", "Festivals | Lakeside | Kids corner", 10*time.Second)
	br.do(ann, "up the breadcrumb", 20*time.Second, click(tid("festival-crumb")))
	waitJS[bool](br, ann, "Lakeside again", 20*time.Second, textOf("festival-title")+` === 'Lakeside'`)
	waitTexts(t, br, ann, "Kids corner inside Lakeside", "[data-testid=festival-nested-item]", "Kids corner", 10*time.Second)
	waitTexts(t, br, bea, "Bea sees it too", "[data-testid=festival-nested-item]", "Kids corner", syncTimeout)

	// Phone width (390 px): nothing overflows.
	for _, p := range []struct {
		tab  context.Context
		name string
	}{{ann, "festival-owner-phone"}, {bea, "festival-requests-phone"}} {
		br.do(p.tab, "phone width", 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		noOverflow(t, br, p.tab, p.name)
		br.screenshot(p.tab, p.name)
	}
	br.do(bea, "desktop width", 10*time.Second, chromedp.EmulateViewport(1280, 900))
	br.screenshot(bea, "festival-requests-desktop")
}

// setIn sets the value of the element a selector finds, as setField does.
func setIn(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(e => {
		e.value = %q;
		e.dispatchEvent(new Event('input', { bubbles: true }));
		e.dispatchEvent(new Event('change', { bubbles: true }));
	})(document.querySelector(%q))`, value, sel))
}
