package main

// The web UI's festival pages end to end: two real 'kith serve' processes
// (Ann, Bea) on loopback. Ann, in headless chromium, creates a festival,
// two places with coordinates (the Main stage, first come first served,
// and the Tent, confirmed by hand) and Bea opens it. Cut off from Ann, Bea
// books the stage for a choir and the tent for a workshop; meanwhile Ann
// books the stage for a concert from the page. After healing, Ann's page
// shows the workshop waiting for her answer (she grants it), the
// programme per place with the times and what each event holds, and the
// choir's conflict with the concert in words. Screenshots at desktop and
// phone width go to build/screenshots. Then webFestivalRequests
// (e2e_webfestival_requests_test.go) goes on in the same processes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// readProgrammeJS lists the programme: a line per event, "day | place |
// time name | what it holds or asks".
const readProgrammeJS = `[...document.querySelectorAll('[data-testid=festival-day]')].flatMap(d =>
	[...d.querySelectorAll('[data-testid=festival-place]')].flatMap(p =>
		[...p.querySelectorAll('[data-testid=festival-event]')].map(e => [d.dataset.day, p.querySelector('h4').textContent,
			e.querySelector('[data-testid=festival-event-time]').textContent + ' ' + e.querySelector('[data-testid=festival-event-name]').textContent,
			[...e.querySelectorAll('[data-testid=festival-event-holds],[data-testid=festival-event-request]')].map(x => x.textContent).join(' / ')].join(' | '))))`

func TestWebFestival(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "Ann", filepath.Join(dir, "a"))
	b := startNode(t, "Bea", filepath.Join(dir, "b"))
	a.kith("profile", "set", "--name", "Ann")
	b.kith("profile", "set", "--name", "Bea")
	b.kith("join", a.inviteCode())

	tab := br.ctx
	br.do(tab, "open Ann's Festivals page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-festivals"), chromedp.WaitVisible(tid("festival-create-form")))
	waitText(t, br, tab, "the empty list", "festivals-list", "No festival yet. Create one, or open one somebody shared with you.", 10*time.Second)
	checkLabels(t, br, tab, "festivals")

	// A reference that is not one is refused before anything is sent.
	br.do(tab, "open a bad reference", 10*time.Second,
		chromedp.SendKeys(tid("festival-ref"), "lakeside"), click(tid("festival-open")))
	waitText(t, br, tab, "the refusal", "festival-open-status", "A reference looks like ent_…/dev_…: the festival, a slash, its founder’s device. Ask its founder for it.", 10*time.Second)

	br.do(tab, "create Lakeside", 20*time.Second,
		chromedp.SendKeys(tid("festival-name"), "Lakeside"),
		chromedp.SendKeys(tid("festival-text"), "Three days by the lake"),
		click(tid("festival-create")))
	fid := waitJS[string](br, tab, "the festival's page", 20*time.Second,
		`location.hash.startsWith('#/festival/ent_') && `+textOf("festival-title")+` === 'Lakeside' && location.hash.slice('#/festival/'.length)`)
	ref := waitJS[string](br, tab, "the reference shown", 10*time.Second, textOf("festival-ref-shown"))
	if !strings.HasPrefix(ref, fid+"/dev_") {
		t.Fatalf("reference %q, festival %s", ref, fid)
	}
	waitText(t, br, tab, "no place on the map", "festival-map-empty", "No place with coordinates yet: give a resource a latitude and longitude to see it here.", 10*time.Second)
	checkLabels(t, br, tab, "festival")

	// Coordinates half given are refused in words.
	br.do(tab, "a resource with a latitude only", 20*time.Second,
		chromedp.SendKeys(tid("resource-name"), "Main stage"),
		chromedp.SendKeys(tid("resource-lat"), "52.5200"),
		click(tid("resource-submit")))
	waitText(t, br, tab, "half coordinates", "resource-status", "Give both latitude (−90 to 90) and longitude (−180 to 180) in degrees, like 52.52 and 13.405, or neither.", 10*time.Second)
	br.do(tab, "add the Main stage", 20*time.Second,
		chromedp.SendKeys(tid("resource-lon"), "13.4050"),
		chromedp.SendKeys(tid("resource-address"), "Lake road 1"),
		click(tid("resource-submit")))
	waitText(t, br, tab, "the stage added", "resource-status", "Added Main stage.", 20*time.Second)
	br.do(tab, "add the Tent, confirmed by hand", 20*time.Second,
		setField("resource-name", "Tent"),
		setField("resource-policy", "manual"),
		setField("resource-lat", "52.5218"),
		setField("resource-lon", "13.4102"),
		click(tid("resource-submit")))
	waitText(t, br, tab, "the tent added", "resource-status", "Added Tent.", 20*time.Second)
	places := waitJS[string](br, tab, "both places on the map", 10*time.Second,
		`(ps => ps.length === 2 && ps.map(p => p.dataset.name + '@' + p.dataset.x + ',' + p.dataset.y).join(' '))([...document.querySelectorAll('[data-testid=festival-map-place]')])`)
	// The tent is north-east of the stage: right of it and above it.
	var sx, sy, tx, ty int
	if _, err := fmtSscanf(places, &sx, &sy, &tx, &ty); err != nil {
		t.Fatalf("map places %q: %v", places, err)
	}
	if !(tx > sx && ty < sy) {
		t.Errorf("map: %q: the tent is not drawn north-east of the stage", places)
	}
	waitText(t, br, tab, "the distance", "festival-map-scale", "The farthest two places are 405 m apart.", 10*time.Second)

	// Bea opens the festival and holds both resources, then is cut off.
	b.kith("festival", "open", ref)
	b.kith("peer", "add", a.addr())
	waitFor(t, syncTimeout, "Bea to hold both resources", func() bool {
		v, ok := b.festival(fid)
		return ok && len(v.Resources) == 2
	})
	b.stop()
	var choir, workshop wire.FestivalEntry
	mustJSON(t, b.kith("festival", "event", fid, "Choir", "--from", "2026-07-04 21:00", "--to", "2026-07-04 23:00", "--needs", "Main stage"), &choir)
	mustJSON(t, b.kith("festival", "event", fid, "Workshop", "--from", "2026-07-04 10:00", "--to", "2026-07-04 12:00", "--needs", "Tent"), &workshop)

	// Ann books the stage from the page; her node grants it (first come).
	br.do(tab, "add the Concert", 20*time.Second,
		chromedp.SendKeys(tid("event-name"), "Concert"),
		chromedp.SendKeys(tid("event-start"), "2026-07-04 20:00"),
		chromedp.SendKeys(tid("event-end"), "2026-07-04 22:00"),
		click(`[data-testid=event-need][data-name="Main stage"]`),
		click(tid("event-submit")))
	waitText(t, br, tab, "the concert added", "event-status", "Added Concert.", 20*time.Second)
	concert := waitJS[string](br, tab, "the concert confirmed", liveTimeout,
		`(e => e && e.querySelector('[data-testid=festival-event-holds]')?.textContent === 'Holds Main stage' && e.dataset.id)(document.querySelector('[data-testid=festival-event]'))`)
	// An overlapping booking on the same node is refused before it is written.
	br.do(tab, "an overlapping booking", 20*time.Second,
		chromedp.SendKeys(tid("event-name"), "Late set"),
		setField("event-start", "2026-07-04 21:30"),
		setField("event-end", "2026-07-04 22:30"),
		click(`[data-testid=event-need][data-name="Main stage"]`),
		click(tid("event-submit")))
	waitText(t, br, tab, "the overlap refused", "event-status",
		`the festival's rules do not allow this: "Main stage" is already booked 2026-07-04 20:00–22:00 UTC by "Concert": choose another time or another resource`, 20*time.Second)
	br.screenshot(tab, "festival-concert")

	// Healing.
	b.start()
	b.kith("peer", "add", a.addr())
	// Ann's open page follows the festival's entries as they arrive.
	waitText(t, br, tab, "the workshop waiting for Ann, live", "festival-waiting-text", "Bea asks for Tent for Workshop, 2026-07-04 10:00–12:00.", syncTimeout)

	// Two concurrent requests for the stage: the one with the smaller id
	// is taken first (festival.md §3), unless the owner confirmed the
	// other before the first reached them. Ann's node confirmed the
	// concert before the choir's request reached it, so the concert
	// holds either way; the choir's reason depends on the order.
	choirID, concertID := parseEnt(t, choir.ID), parseEnt(t, concert)
	choirReason := `denied — "Main stage" is already booked 2026-07-04 20:00–22:00 UTC by "Concert"`
	conflict := `Choir (Bea, 2026-07-04 21:00–23:00): denied: "Main stage" is already booked 2026-07-04 20:00–22:00 UTC by "Concert"`
	if bytes.Compare(choirID[:], concertID[:]) < 0 {
		choirReason = `denied — the owner confirmed "Concert" for 2026-07-04 20:00–22:00 UTC before this request reached them`
		conflict = `Choir (Bea, 2026-07-04 21:00–23:00): denied: the owner confirmed "Concert" for 2026-07-04 20:00–22:00 UTC before this request reached them`
	}
	t.Logf("the choir's id sorts before the concert's: %v", bytes.Compare(choirID[:], concertID[:]) < 0)
	waitText(t, br, tab, "the conflict in words", "festival-conflict", conflict, syncTimeout)

	br.do(tab, "Ann grants the workshop", 20*time.Second, click(tid("festival-grant")))
	want := strings.Join([]string{
		"2026-07-04 | Main stage | 20:00–22:00 Concert | Holds Main stage",
		"2026-07-04 | Tent | 10:00–12:00 Workshop | Holds Tent",
		"2026-07-04 | No place yet | 21:00–23:00 Choir | Main stage: " + choirReason,
	}, "\n")
	var got string
	for deadline := time.Now().Add(liveTimeout); ; time.Sleep(200 * time.Millisecond) {
		got = get(br, tab, "the programme", 10*time.Second, chromedp.Evaluate[string](`(`+readProgrammeJS+`).join('\n')`))
		if got == want || time.Now().After(deadline) {
			break
		}
	}
	if got != want {
		t.Fatalf("programme:\n%s\nwant:\n%s", got, want)
	}
	waitJS[bool](br, tab, "nothing waiting after the grant", 10*time.Second, `document.querySelectorAll('[data-testid=festival-waiting-item]').length === 0`)
	waitJS[bool](br, tab, "the stage's bookings", 10*time.Second,
		`[...document.querySelectorAll('[data-testid=festival-resource][data-name="Main stage"] [data-testid=festival-booking]')].map(e => e.textContent).join('|') === '2026-07-04 20:00–22:00: Concert (you)'`)
	ics := waitJS[string](br, tab, "the programme.ics", 20*time.Second,
		`fetch(document.querySelector('[data-testid=festival-ics]').href).then(r => r.ok && r.headers.get('Content-Type').startsWith('text/calendar') ? r.text() : '')`)
	for _, s := range []string{"BEGIN:VCALENDAR", "SUMMARY:Concert", "DTSTART:20260704T200000Z", "LOCATION:Main stage", "SUMMARY:Workshop", "LOCATION:Tent"} {
		if !strings.Contains(ics, s+"\r\n") {
			t.Errorf("programme.ics lacks %q:\n%s", s, ics)
		}
	}
	checkLabels(t, br, tab, "festival")
	br.screenshot(tab, "festival-desktop")

	// The list names it; at phone width nothing overflows.
	br.do(tab, "back to the list", 20*time.Second, navTo("nav-festivals"), chromedp.WaitVisible(tid("festival-item")))
	waitJS[bool](br, tab, "Lakeside in the list", 10*time.Second,
		`[...document.querySelectorAll('[data-testid=festival-item] h3')].map(e => e.textContent).join('|') === 'Lakeside'`)
	br.do(tab, "phone width", 10*time.Second, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	noOverflow(t, br, tab, "festivals at phone width")
	br.screenshot(tab, "festivals-phone")
	br.do(tab, "the festival at phone width", 20*time.Second,
		click(`[data-testid=festival-item] h3 a`), chromedp.WaitVisible(tid("festival-programme")))
	waitJS[bool](br, tab, "the programme drawn", 10*time.Second, `document.querySelectorAll('[data-testid=festival-event]').length === 3`)
	noOverflow(t, br, tab, "festival at phone width")
	br.screenshot(tab, "festival-phone")

	// The same processes and browser go on (one set-up for both parts).
	webFestivalRequests(t, br, a, b, fid)
}

func mustJSON(t *testing.T, out []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
}

func parseEnt(t *testing.T, s string) entry.ID {
	t.Helper()
	id, err := entry.ParseID(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return id
}

// fmtSscanf reads "Main stage@X,Y Tent@X,Y".
func fmtSscanf(s string, sx, sy, tx, ty *int) (int, error) {
	return fmt.Sscanf(s, "Main stage@%d,%d Tent@%d,%d", sx, sy, tx, ty)
}
