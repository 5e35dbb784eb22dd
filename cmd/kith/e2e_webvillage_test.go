package main

// The web UI's village pages end to end: two real 'kith serve' processes
// that follow each other, driven in headless chromium. A founds a village
// with B as co-founder, B accepts it; the contact book of strangers is
// kept from both pages (a stranger added, vouched for with a proof file,
// noted, vetoed, the veto lifted by proof) and each page shows the other's
// votes live; A's published state is audited on B (internal/webui/README.md
// lists the data-testid hooks used here).

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
)

// liveTimeout bounds how long a change made on one node may take to show
// on the other node's open page.
const liveTimeout = 20 * time.Second

// strangerJS is a script answering a stranger's card on the village page
// (null when there is none).
func strangerJS(stranger string) string {
	return fmt.Sprintf(`document.querySelector('[data-testid=village-stranger][data-stranger=%q]')`, stranger)
}

// inStranger selects the elements with a data-testid in a stranger's card.
func inStranger(stranger, id string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`[data-testid=village-stranger][data-stranger=%q] [data-testid=%q]`, stranger, id))
}

// openActions unfolds a stranger card's actions (vote, note), as a click
// on its one button does, unless they are unfolded already.
func openActions(stranger string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(inStranger(stranger, "stranger-actions-toggle")),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(d => { if (!d.open) d.querySelector('summary').click() })(document.querySelector('[data-testid=village-stranger][data-stranger=%q] [data-testid=stranger-actions]'))`, stranger)))
}

// textOf is a script answering the trimmed text of the first element with
// a data-testid (” when there is none).
func textOf(id string) string {
	return fmt.Sprintf(`(document.querySelector('[data-testid=%q]')?.textContent || '').trim()`, id)
}

// waitText waits until the element with a data-testid has exactly want as
// its trimmed text.
func waitText(t *testing.T, br *browser, tab context.Context, what, id, want string, timeout time.Duration) {
	t.Helper()
	waitJS[bool](br, tab, fmt.Sprintf("%s: %s says %q", what, id, want), timeout,
		fmt.Sprintf(`%s === %q`, textOf(id), want))
}

// setField sets the value of the element with a data-testid (an input, a
// textarea, a select) as a person's typing or choice would, with the input
// and change events.
func setField(id, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(e => {
		e.value = %q;
		e.dispatchEvent(new Event('input', { bubbles: true }));
		e.dispatchEvent(new Event('change', { bubbles: true }));
	})(document.querySelector('[data-testid=%q]'))`, value, id))
}

// strangerCard is what a test reads of a stranger's card.
type strangerCard struct {
	Standing     string            `json:"standing"`      // the card's data-standing
	Badge        string            `json:"badge"`         // stranger-standing's data-standing
	BadgeText    string            `json:"badge_text"`    // and its text
	Votes        map[string]string `json:"votes"`         // local → vote
	Vouches      []string          `json:"vouches"`       // the vouches' texts
	Proofs       map[string]string `json:"proofs"`        // proof-link's data-blob → href
	Notes        map[string]string `json:"notes"`         // local → note text
	NoteFiles    []string          `json:"note_files"`    // note-file-link hrefs
	Vetoers      string            `json:"vetoers"`       // the "Vetoed by" line
	CanVeto      bool              `json:"can_veto"`      // vote-veto shown
	CanDefer     bool              `json:"can_defer"`     // vote-defer shown
	AcceptButton string            `json:"accept_button"` // vote-accept's text
	Status       string            `json:"status"`        // stranger-status
}

// readCardJS answers a strangerCard as JSON, or null when there is no card.
func readCardJS(stranger string) string {
	return `(c => c && JSON.stringify({
		standing: c.dataset.standing,
		badge: c.querySelector('[data-testid=stranger-standing]')?.dataset.standing || '',
		badge_text: (c.querySelector('[data-testid=stranger-standing]')?.textContent || '').trim(),
		votes: Object.fromEntries([...c.querySelectorAll('[data-testid=stranger-vote]')].map(e => [e.dataset.local, e.dataset.vote])),
		vouches: [...c.querySelectorAll('[data-testid=stranger-vouches] li')].map(e => e.textContent.trim()),
		proofs: Object.fromEntries([...c.querySelectorAll('[data-testid=proof-link]')].map(e => [e.dataset.blob, e.getAttribute('href')])),
		notes: Object.fromEntries([...c.querySelectorAll('[data-testid=stranger-note]')].map(e => [e.dataset.local, (e.querySelector('.note-text')?.textContent || '')])),
		note_files: [...c.querySelectorAll('[data-testid=note-file-link]')].map(e => e.getAttribute('href')),
		vetoers: (c.querySelector('.vetoers')?.textContent || '').trim(),
		can_veto: !!c.querySelector('[data-testid=vote-veto]'),
		can_defer: !!c.querySelector('[data-testid=vote-defer]'),
		accept_button: (c.querySelector('[data-testid=vote-accept]')?.textContent || '').trim(),
		status: (c.querySelector('[data-testid=stranger-status]')?.textContent || '').trim(),
	}))(` + strangerJS(stranger) + `)`
}

// waitCard waits until the stranger's card satisfies cond (a script over
// the card c), and answers what it shows.
func waitCard(t *testing.T, br *browser, tab context.Context, what, stranger, cond string, timeout time.Duration) strangerCard {
	t.Helper()
	raw := waitJS[string](br, tab, what, timeout, fmt.Sprintf(`(c => c && (%s) && %s)(%s)`, cond, readCardJS(stranger), strangerJS(stranger)))
	var c strangerCard
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatalf("%s: card %q: %v", what, raw, err)
	}
	return c
}

// tryGet fetches path from the node whose home is given, with its token,
// answering an error for any status but 200.
func tryGet(t *testing.T, home, path string) ([]byte, error) {
	t.Helper()
	ep, err := wire.ReadEndpoint(home)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(t.Context(), "GET", ep.URL+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+ep.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, err
}

func TestWebUIVillage(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "A", filepath.Join(dir, "a"))
	b := startNode(t, "B", filepath.Join(dir, "b"))
	var joined struct {
		Mutual bool `json:"mutual"`
	}
	if err := json.Unmarshal(b.kith("join", a.inviteCode()), &joined); err != nil || !joined.Mutual {
		t.Fatalf("B joins A: %+v, %v; want mutual", joined, err)
	}
	var idA, idB wire.Identity
	if err := json.Unmarshal(a.kith("id"), &idA); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.kith("id"), &idB); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(idA.Account, "acc_") || !strings.HasPrefix(idB.Account, "acc_") {
		t.Fatalf("account ids: A %q, B %q", idA.Account, idB.Account)
	}
	// The pages name a local without a village name by its short id.
	short := func(id string) string { return id[:len("dev_")+10] + "…" }

	sum := sha512.Sum512([]byte("a stranger met at the market"))
	stranger := hex.EncodeToString(sum[:])
	proofA := filepath.Join(t.TempDir(), "proof-a.txt")
	proofB := filepath.Join(t.TempDir(), "proof-b.txt")
	if err := os.WriteFile(proofA, []byte("A met them at the market, with their neighbour\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(proofB, []byte("B checked their letter from the town hall\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const note = "Sells bread at the Saturday market"

	// Both signed in, both on the Villages page; B's stays open.
	tabA := br.ctx
	br.do(tabA, "open A's Web UI link and its Villages page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		click(tid("nav-villages")), chromedp.WaitVisible(tid("village-found-form")))
	tabB := br.tab("B")
	br.do(tabB, "open B's Web UI link and its Villages page", 30*time.Second,
		chromedp.Navigate(b.Web), chromedp.WaitVisible(tid("compose-text")),
		click(tid("nav-villages")), chromedp.WaitVisible(tid("village-found-form")),
		chromedp.Evaluate[chromedp.Void](`window.kithTestMarker = 'not reloaded'`))
	for _, s := range []struct {
		tab  context.Context
		name string
		dev  string
	}{{tabA, "A", idA.Account}, {tabB, "B", idB.Account}} {
		shown := waitJS[string](br, s.tab, s.name+"'s villages list", 10*time.Second,
			`document.querySelector('[data-testid=villages-list] li') && document.getElementById('villages-heading').textContent + ' | ' + `+textOf("villages-list")+` + ' | ' + `+textOf("my-account"))
		want := "Your villages (0) | You take part in no village yet. Found one below, or ask a local to invite you. | " + s.dev
		if shown != want {
			t.Errorf("%s's empty Villages page shows %q, want %q", s.name, shown, want)
		}
		if current := get(br, s.tab, "the current nav link", 5*time.Second, chromedp.Evaluate[string](
			`document.querySelector('nav [aria-current=page]')?.dataset.testid || ''`)); current != "nav-villages" {
			t.Errorf("%s's Villages page marks %q as the current link", s.name, current)
		}
	}
	waitJS[bool](br, tabB, "B's live connection", liveTimeout,
		`document.querySelector('[data-testid=connection]').dataset.state === 'up'`)
	checkLabels(t, br, tabA, "villages")

	// A founds the village, naming B's account (from 'kith id') co-founder;
	// a malformed co-founder is refused first.
	br.do(tabA, "found with a wrong co-founder", 10*time.Second,
		chromedp.SendKeys(tid("found-name"), "Elm street"),
		chromedp.SendKeys(tid("found-cofounders"), "dev_notanaccount"),
		click(tid("found-submit")))
	waitText(t, br, tabA, "the refused co-founder", "found-status", "“dev_notanaccount” is not an account id: they start with acc_.", 10*time.Second)
	br.do(tabA, "found the village with B", 30*time.Second,
		setField("found-cofounders", ""),
		paste(tid("found-cofounders"), idB.Account),
		setField("found-exclude", "unanimous"),
		click(tid("found-submit")))
	village := waitJS[string](br, tabA, "A on the new village's page", 20*time.Second,
		`location.hash.startsWith('#/village/ent_') && `+textOf("village-name")+` === 'Elm street' && location.hash.slice('#/village/'.length)`)
	waitText(t, br, tabA, "A's membership", "village-role", "You accepted the founding; the others have not all accepted yet.", 10*time.Second)
	charter := get(br, tabA, "the charter", 5*time.Second, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid=village-charter] dd')].map(e => e.textContent.trim())`))
	// The founders are listed in the API's order (of their keys).
	if len(charter) == 5 {
		f := strings.Split(charter[2], ", ")
		slices.Sort(f)
		charter[2] = strings.Join(f, ", ")
	}
	f := []string{short(idA.Account) + " (you)", short(idB.Account)}
	slices.Sort(f)
	founders := strings.Join(f, ", ")
	wantCharter := []string{"more than half of the active locals agree", "every one of the active locals agrees", founders, "Not yet: waiting for " + short(idB.Account) + " to accept", village}
	if strings.Join(charter, "\n") != strings.Join(wantCharter, "\n") {
		t.Errorf("A's charter shows %q, want %q", charter, wantCharter)
	}
	// Under the charter, A's page says it waits on B, whether A's node
	// reached B with the founding, and what to do (issue 15 item 2).
	waitJS[bool](br, tabA, "A's page to say it waits on B", 10*time.Second, fmt.Sprintf(
		`(e => !!e && e.textContent.startsWith(%q) && /\(founder, (not )?reached\)/.test(e.textContent) && /may not have heard|took the founding/.test(e.textContent))(document.querySelector('[data-testid=village-waiting] li[data-account=%q]'))`,
		short(idB.Account), idB.Account))

	// B's open Villages page lists it live, as a founding to accept.
	start := time.Now()
	item := waitJS[string](br, tabB, "the village on B's open Villages page", liveTimeout, fmt.Sprintf(
		`(e => e && e.querySelector('a')?.textContent === 'Elm street' && e.textContent)(document.querySelector('[data-testid=village-item][data-village=%q]'))`, village))
	t.Logf("the village appeared on B's open Villages page %v after it was founded", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(item, "Founder: the founding is not complete") || !strings.Contains(item, "Every founder accepts the founding on the village’s page.") || strings.Contains(item, "0 locals") {
		t.Errorf("B's village item says %q", item)
	}
	if h := waitJS[string](br, tabB, "B's list heading", 5*time.Second, `document.getElementById('villages-heading').textContent`); h != "Your villages (1)" {
		t.Errorf("B's list heading says %q", h)
	}
	if m := get(br, tabB, "the page marker", 5*time.Second, chromedp.Evaluate[string](`window.kithTestMarker || ''`)); m != "not reloaded" {
		t.Errorf("B's page was reloaded to show the village (marker %q)", m)
	}
	checkLabels(t, br, tabB, "villages with a village")
	br.screenshot(tabB, "10-villages")

	// B opens it and accepts the founding; both pages say they are locals.
	br.do(tabB, "B opens the village and accepts the founding", 30*time.Second,
		click(chromedp.CSS(fmt.Sprintf(`[data-testid=village-item][data-village=%q] a`, village))),
		chromedp.WaitVisible(tid("village-accept")))
	waitText(t, br, tabB, "B's membership", "village-role", "You are named a founder and have not accepted yet.", 10*time.Second)
	br.do(tabB, "accept the founding", 10*time.Second, click(tid("village-accept")))
	waitText(t, br, tabB, "B after accepting", "membership-status", "You accepted the founding.", 10*time.Second)
	waitText(t, br, tabB, "B after accepting", "village-role", "You are a local (active).", 10*time.Second)
	start = time.Now()
	waitText(t, br, tabA, "A after B accepted, live", "village-role", "You are a local (active).", liveTimeout)
	t.Logf("B's acceptance reached A's open village page in %v", time.Since(start).Round(time.Millisecond))
	for _, s := range []struct {
		tab  context.Context
		name string
	}{{tabA, "A"}, {tabB, "B"}} {
		locals := waitJS[string](br, s.tab, s.name+"'s locals", 10*time.Second,
			`document.getElementById('locals-heading').textContent === 'Locals (2)' && [...document.querySelectorAll('[data-testid=village-local]')].map(e => e.dataset.local + '=' + e.dataset.status).sort().join(' ')`)
		want := []string{idA.Account + "=local", idB.Account + "=local"}
		if want[0] > want[1] {
			want[0], want[1] = want[1], want[0]
		}
		if locals != strings.Join(want, " ") {
			t.Errorf("%s's locals: %q, want %q", s.name, locals, strings.Join(want, " "))
		}
		if founded := get(br, s.tab, "founded", 5*time.Second, chromedp.Evaluate[string](
			`[...document.querySelectorAll('[data-testid=village-charter] dd')][3].textContent`)); founded != "Yes" {
			t.Errorf("%s's charter says founded %q", s.name, founded)
		}
		if empty := get(br, s.tab, "the empty contact book", 5*time.Second, chromedp.Evaluate[string](textOf("village-strangers"))); empty != "The contact book is empty: no local has voted on a stranger yet." {
			t.Errorf("%s's empty contact book says %q", s.name, empty)
		}
	}

	// A adds the stranger by id: listed, A's vote deferred, acknowledged.
	br.do(tabA, "add a malformed stranger id", 10*time.Second,
		chromedp.WaitVisible(tid("stranger-add-id")),
		chromedp.SendKeys(tid("stranger-add-id"), "abc123"), click(tid("stranger-add-submit")))
	waitText(t, br, tabA, "the refused id", "stranger-add-status", "Name the stranger by their account id (acc_… and 58 letters and digits), or by their 128-digit stranger id.", 10*time.Second)
	br.do(tabA, "add the stranger", 20*time.Second,
		setField("stranger-add-id", ""),
		paste(tid("stranger-add-id"), stranger), click(tid("stranger-add-submit")))
	waitText(t, br, tabA, "the added stranger", "stranger-add-status", "Added, with your vote deferred.", 10*time.Second)
	c := waitCard(t, br, tabA, "the stranger's card on A", stranger, `c.dataset.standing === 'acknowledged'`, 10*time.Second)
	if c.Badge != "acknowledged" || c.BadgeText != "○ Acknowledged" || c.Votes[idA.Account] != "deferred" || !c.CanVeto || !c.CanDefer || c.AcceptButton != "Accept with proof" {
		t.Errorf("the new stranger's card on A: %+v", c)
	}
	if h := get(br, tabA, "the strangers heading", 5*time.Second, chromedp.Evaluate[string](`document.getElementById('strangers-heading').textContent`)); h != "Strangers (1)" {
		t.Errorf("A's strangers heading says %q", h)
	}
	// The card names the stranger by its account (no profile of it is
	// held), with the start of the user id it claimed, not the 128 digits.
	wantHead := "Stranger " + short(identity.Encode(identity.KindAccount, [32]byte(sum[:32]))) + " (user " + stranger[64:72] + "…)"
	if h := get(br, tabA, "the stranger's heading", 5*time.Second, chromedp.Evaluate[string](`document.querySelector('#stranger-`+stranger+` [data-testid=stranger-name]').textContent`)); h != wantHead {
		t.Errorf("the stranger's card is headed %q, want %q", h, wantHead)
	}

	// A vouches for it with a proof file; the standing stays acknowledged
	// while B's vote is deferred.
	br.do(tabA, "accept with proof", 30*time.Second,
		openActions(stranger),
		chromedp.SetUploadFiles(inStranger(stranger, "vote-proof"), []string{proofA}),
		click(inStranger(stranger, "vote-accept")))
	c = waitCard(t, br, tabA, "A's accept on A's card", stranger, `c.querySelector('[data-testid=stranger-vote][data-vote=accept]')`, 20*time.Second)
	if c.Standing != "acknowledged" || c.Votes[idA.Account] != "accept" || c.Votes[idB.Account] != "deferred" || c.CanDefer || !c.CanVeto ||
		c.AcceptButton != "Accept with new proof" || len(c.Proofs) != 1 || c.Status != "You accepted with proof." {
		t.Errorf("after A's accept, A's card: %+v", c)
	}
	var blobA, hrefA string
	for blob, href := range c.Proofs { // the only one
		blobA, hrefA = blob, href
	}
	if !strings.HasPrefix(blobA, "blob_") || hrefA != "/api/v1/blobs/"+blobA {
		t.Errorf("A's proof link: blob %q, href %q", blobA, hrefA)
	}
	if want := []string{short(idA.Account) + " (you) with proof " + blobA[:len("blob_")+10] + "…"}; strings.Join(c.Vouches, "|") != strings.Join(want, "|") {
		t.Errorf("A's vouches: %q, want %q", c.Vouches, want)
	}

	// A adds a note with a file attached.
	br.do(tabA, "add a note", 30*time.Second,
		openActions(stranger),
		chromedp.SendKeys(inStranger(stranger, "note-text"), note),
		chromedp.SetUploadFiles(inStranger(stranger, "note-file"), []string{proofA}),
		click(inStranger(stranger, "note-submit")))
	c = waitCard(t, br, tabA, "A's note on A's card", stranger, `c.querySelector('[data-testid=stranger-note]')`, 20*time.Second)
	if c.Notes[idA.Account] != note || len(c.NoteFiles) != 1 || c.NoteFiles[0] != hrefA || c.Status != "Your note was added." {
		t.Errorf("after A's note, A's card: %+v (want the note file to be the same blob %s)", c, blobA)
	}
	if label := get(br, tabA, "the note button", 5*time.Second, chromedp.Evaluate[string](
		`(document.querySelector('[data-testid=village-stranger] [data-testid=note-submit]')?.textContent || '')`)); label != "Replace note" {
		t.Errorf("after a note, A's note button says %q", label)
	}

	// B's open village page shows the card live: A's vouch with its proof
	// link and A's note.
	start = time.Now()
	c = waitCard(t, br, tabB, "the stranger on B's open village page with A's vouch and note", stranger,
		fmt.Sprintf(`c.querySelector('[data-testid=proof-link][data-blob=%q]') && c.querySelector('[data-testid=stranger-note]')`, blobA), liveTimeout)
	t.Logf("A's vouch and note reached B's open village page in %v", time.Since(start).Round(time.Millisecond))
	if c.Standing != "acknowledged" || c.Votes[idA.Account] != "accept" || c.Votes[idB.Account] != "deferred" || c.Proofs[blobA] != hrefA ||
		c.Notes[idA.Account] != note || !c.CanVeto || !c.CanDefer || c.AcceptButton != "Accept with proof" {
		t.Errorf("B's card with A's vouch: %+v", c)
	}
	if want := short(idA.Account) + " with proof " + blobA[:len("blob_")+10] + "…"; len(c.Vouches) != 1 || c.Vouches[0] != want {
		t.Errorf("B's vouches: %q, want [%q]", c.Vouches, want)
	}
	want, err := os.ReadFile(proofA)
	if err != nil {
		t.Fatal(err)
	}
	if served := httpGet(t, a.home, hrefA); string(served) != string(want) {
		t.Errorf("A serves its proof as %q, want %q", served, want)
	}

	// B vetoes: vetoed on both pages, naming B.
	br.do(tabB, "B vetoes", 10*time.Second, openActions(stranger), click(inStranger(stranger, "vote-veto")))
	c = waitCard(t, br, tabB, "B's veto on B's card", stranger, `c.dataset.standing === 'vetoed'`, 20*time.Second)
	if c.Badge != "vetoed" || c.BadgeText != "✕ Vetoed" || c.Votes[idB.Account] != "veto" || c.CanVeto || c.CanDefer ||
		c.Vetoers != "Vetoed by "+short(idB.Account)+" (you)" || c.Status != "You vetoed." {
		t.Errorf("after B's veto, B's card: %+v", c)
	}
	start = time.Now()
	c = waitCard(t, br, tabA, "B's veto on A's open page", stranger, `c.dataset.standing === 'vetoed'`, liveTimeout)
	t.Logf("B's veto reached A's open village page in %v", time.Since(start).Round(time.Millisecond))
	if c.Badge != "vetoed" || c.BadgeText != "✕ Vetoed" || c.Votes[idB.Account] != "veto" || c.Votes[idA.Account] != "accept" ||
		c.Vetoers != "Vetoed by "+short(idB.Account) || !c.CanVeto {
		t.Errorf("after B's veto, A's card: %+v", c)
	}

	// The filter on B: by standing and by the note's text.
	br.do(tabB, "filter on accepted", 10*time.Second, setField("stranger-filter-standing", "accepted"))
	waitText(t, br, tabB, "the filter on accepted", "stranger-count", "Showing 0 of 1 strangers.", 10*time.Second)
	waitText(t, br, tabB, "the filter on accepted", "village-strangers", "No stranger matches the search.", 10*time.Second)
	br.do(tabB, "filter on vetoed and the note", 10*time.Second,
		setField("stranger-filter-standing", "vetoed"), chromedp.SendKeys(tid("stranger-filter"), "saturday market"))
	waitJS[bool](br, tabB, "the filter on vetoed and the note", 10*time.Second,
		textOf("stranger-count")+` === '' && document.querySelectorAll('[data-testid=village-stranger]').length === 1`)
	br.do(tabB, "search for what no stranger has", 10*time.Second, chromedp.SendKeys(tid("stranger-filter"), " of nowhere"))
	waitText(t, br, tabB, "the search for what no stranger has", "stranger-count", "Showing 0 of 1 strangers.", 10*time.Second)
	br.do(tabB, "clear the filter", 10*time.Second, setField("stranger-filter", ""), setField("stranger-filter-standing", ""))
	waitJS[bool](br, tabB, "the cleared filter", 10*time.Second,
		textOf("stranger-count")+` === '' && document.querySelectorAll('[data-testid=village-stranger]').length === 1`)

	// B lifts its veto by accepting with its own proof: accepted on both.
	br.do(tabB, "B accepts with proof", 30*time.Second,
		openActions(stranger),
		chromedp.SetUploadFiles(inStranger(stranger, "vote-proof"), []string{proofB}),
		click(inStranger(stranger, "vote-accept")))
	c = waitCard(t, br, tabB, "B's accept on B's card", stranger, `c.dataset.standing === 'accepted'`, 20*time.Second)
	if c.Badge != "accepted" || c.BadgeText != "✓ Accepted" || c.Votes[idA.Account] != "accept" || c.Votes[idB.Account] != "accept" ||
		len(c.Proofs) != 2 || c.Vetoers != "" || c.Status != "You accepted with proof." || c.AcceptButton != "Accept with new proof" {
		t.Errorf("after B's accept, B's card: %+v", c)
	}
	start = time.Now()
	c = waitCard(t, br, tabA, "B's accept on A's open page", stranger, `c.dataset.standing === 'accepted'`, liveTimeout)
	t.Logf("B's accept reached A's open village page in %v", time.Since(start).Round(time.Millisecond))
	if c.Badge != "accepted" || c.BadgeText != "✓ Accepted" || c.Votes[idB.Account] != "accept" || len(c.Proofs) != 2 || len(c.Vouches) != 2 || c.Notes[idA.Account] != note {
		t.Errorf("after B's accept, A's card: %+v", c)
	}
	checkLabels(t, br, tabA, "village (A)")
	checkLabels(t, br, tabB, "village (B)")
	br.screenshot(tabB, "11-village-contact-book")

	// A publishes its state; B opens A's chain: audited, no findings.
	br.do(tabA, "publish A's state", 20*time.Second,
		click(chromedp.CSS(`[data-testid=state-details] > summary`)), click(tid("publish-state")))
	published := waitJS[string](br, tabA, "the published state", 20*time.Second,
		`(s => s.startsWith('Published') && s)(`+textOf("publish-status")+`)`)
	var seq int
	var commitment string
	if _, err := fmt.Sscanf(published, "Published state %d, commitment %s naming 2 logs.", &seq, &commitment); err != nil || seq < 1 || len(commitment) != 16+len("…,") {
		t.Fatalf("A's publish status says %q (%v): want its seq, commitment and 2 logs (A's and B's)", published, err)
	}
	commitment = strings.TrimSuffix(commitment, "…,")
	br.do(tabB, "open A's chain on B", 20*time.Second,
		click(chromedp.CSS(fmt.Sprintf(`[data-testid=village-local][data-local=%q] [data-testid=chain-link]`, idA.Account))),
		chromedp.WaitVisible(tid("chain-view")))
	start = time.Now()
	// A's node may have published states by itself before (village.md §4,
	// "Publishing"): the one A published by hand is the one with its seq.
	chain := waitJS[string](br, tabB, "A's state in its chain on B", liveTimeout, fmt.Sprintf(
		`(st => st && document.querySelector('[data-testid=chain-ok]')?.dataset.ok === 'true' && JSON.stringify({
			local: document.querySelector('[data-testid=chain-view]').dataset.local,
			ok: document.querySelector('[data-testid=chain-ok]').dataset.ok,
			summary: document.querySelector('[data-testid=chain-ok]').textContent.trim(),
			findings: document.querySelectorAll('[data-testid=chain-finding]').length,
			states: document.querySelectorAll('[data-testid=chain-state]').length,
			seq: st.dataset.seq,
			flagged: st.dataset.flagged,
			commitment: st.querySelector('dd code').textContent,
			hash: location.hash,
		}))(document.querySelector('[data-testid=chain-state][data-seq="%d"]'))`, seq))
	t.Logf("B's chain page showed A's state %v after it opened", time.Since(start).Round(time.Millisecond))
	type chainView struct {
		Local, OK, Summary, Seq, Flagged, Hash, Commitment string
		Findings, States                                   int
	}
	var got chainView
	if err := json.Unmarshal([]byte(chain), &got); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(got.Commitment, commitment) && len(got.Commitment) == 64 {
		got.Commitment = commitment // the page shows it whole, the status its first 16 digits
	}
	// The summary counts the states: A's node may have published some by
	// itself before the one A published by hand.
	summary := "✓ No findings: the state agrees with the entries held here."
	if got.States > 1 {
		summary = fmt.Sprintf("✓ No findings: all %d states agree with the entries held here.", got.States)
	}
	if got.States < 1 || got.States > seq {
		t.Errorf("A's chain on B shows %d states, want 1 to %d", got.States, seq)
	}
	wantChain := chainView{idA.Account, "true", summary, fmt.Sprint(seq), "false",
		"#/village/" + village + "/chain/" + idA.Account, commitment, 0, got.States}
	if got != wantChain {
		t.Errorf("A's chain on B: %+v, want %+v", got, wantChain)
	}
	checkLabels(t, br, tabB, "chain")
	br.screenshot(tabB, "12-village-chain")

	// Phone width: the village page, with the stranger's full id open,
	// fits 375 px without scrolling sideways.
	br.do(tabB, "B's village page at phone width", 30*time.Second,
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile), click(tid("chain-back")),
		chromedp.WaitVisible(tid("village-stranger")),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid=village-stranger] details').forEach(d => { d.open = true })`))
	for _, page := range []string{"village", "villages"} {
		if page == "villages" {
			br.do(tabB, "B's villages page at phone width", 30*time.Second,
				click(tid("nav-villages")), chromedp.WaitVisible(tid("village-item")))
		}
		if overflow := get(br, tabB, "horizontal overflow", 10*time.Second, chromedp.Evaluate[int](
			`document.documentElement.scrollWidth - document.documentElement.clientWidth`)); overflow > 0 {
			t.Errorf("at 375 px the %s page is %d px wider than the screen", page, overflow)
		}
	}

	// B's proof link to A's proof: B's node fetched the blob that A's vote
	// names from A (as it fetches the images of posts).
	var served []byte
	waitFor(t, 30*time.Second, "B to hold A's proof", func() bool {
		var err error
		served, err = tryGet(t, b.home, hrefA)
		return err == nil
	})
	if string(served) != string(want) {
		t.Errorf("B serves A's proof as %q, want %q", served, want)
	}
}
