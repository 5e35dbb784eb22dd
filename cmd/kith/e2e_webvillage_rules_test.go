package main

// The village charter's consensus methods in the web UI (issue 16 item 5):
// three real 'kith serve' processes driven in headless chromium. A founds a
// village from the found form; a custom rule that does not compile is
// refused with the API's message and nothing is founded; "two thirds with
// no block" founds it and the page says the rule in words. B, a local,
// blocks C's invitation with a reason from B's page, and A's open page
// shows B's stance live (internal/webui/README.md lists the hooks).

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

// stanceJS answers "position|reason|text" of a local's stance in an
// invitation's stances on the page ("" when not shown).
func stanceJS(invitee, local string) string {
	return fmt.Sprintf(`(e => e ? e.dataset.position + '|' + (e.querySelector('q')?.textContent || '') + '|' + e.textContent.trim() : '')(document.querySelector('[data-testid=village-invitation][data-invitee=%q] [data-testid=invitation-stances] [data-testid=stance][data-local=%q]'))`, invitee, local)
}

func TestWebVillageRules(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "A", filepath.Join(dir, "a"))
	b := startNode(t, "B", filepath.Join(dir, "b"))
	c := startNode(t, "C", filepath.Join(dir, "c"))
	villageConnect(a, b, c)
	b.kith("follow", a.Account)
	c.kith("follow", a.Account)

	tabA := br.ctx
	br.do(tabA, "open A's villages page", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/villages'`),
		chromedp.WaitVisible(tid("village-found-form")))

	// The rule's extra fields show only when their rule is chosen.
	hidden := func(id string) bool {
		return get(br, tabA, id+" hidden?", 5*time.Second, chromedp.Evaluate[bool](
			fmt.Sprintf(`document.querySelector('[data-testid=%q]').closest('.rule-extra').hidden`, id)))
	}
	if !hidden("found-admit-expr") || !hidden("found-admit-k") {
		t.Errorf("the expression and K fields show before their rule is chosen")
	}
	br.do(tabA, "fill the found form with a bad expression", 10*time.Second,
		setField("found-name", "Elm street"),
		setField("found-cofounders", b.Account),
		setField("found-admit", "cel"),
		setField("found-admit-expr", "endorsers >= 2"))
	if hidden("found-admit-expr") {
		t.Errorf("the expression field is hidden with the custom rule chosen")
	}
	checkLabels(t, br, tabA, "the found form")
	br.do(tabA, "submit the bad expression", 10*time.Second, click(tid("found-submit")))
	msg := waitJS[string](br, tabA, "the refusal", 10*time.Second,
		`(e => e && e.textContent.startsWith('Not founded') && e.textContent.trim())(document.querySelector('[data-testid=found-status]'))`)
	if !strings.Contains(msg, "admit: the expression does not compile") || !strings.Contains(msg, "endorsers") {
		t.Errorf("found-status after a bad expression = %q, want the API's message naming admit and endorsers", msg)
	}
	br.screenshot(tabA, "village-rules-refused")
	var list wire.VillageList
	if err := json.Unmarshal(a.kith("village", "list"), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Villages) != 0 {
		t.Fatalf("a refused rule founded %d villages: %+v", len(list.Villages), list.Villages)
	}

	// A quorum shows its K field, and K must be 1 or more.
	br.do(tabA, "choose a quorum of 0", 10*time.Second,
		setField("found-admit", "quorum"), setField("found-admit-k", "0"))
	if hidden("found-admit-k") || !hidden("found-admit-expr") {
		t.Errorf("with a quorum chosen, the K field is hidden or the expression field shows")
	}
	br.do(tabA, "submit a quorum of 0", 10*time.Second, click(tid("found-submit")))
	waitText(t, br, tabA, "a quorum of 0", "found-status", "How strangers are accepted: K is a whole number, 1 or more.", 10*time.Second)

	// Two thirds with no block: the CLI's "2/3 no-block".
	br.do(tabA, "found with two thirds and no block", 10*time.Second,
		setField("found-admit", "two-thirds-no-block"),
		click(tid("found-submit")),
		chromedp.WaitVisible(tid("village-admit")))
	vid := waitJS[string](br, tabA, "the village page", 10*time.Second, `location.hash.startsWith('#/village/ent_') && location.hash.slice('#/village/'.length)`)
	v, ok := villageShow(a, vid)
	if !ok || v.Admit != "cel" || v.AdmitExpr != "agree * 3 >= participants * 2 && block == 0" || v.Exclude != "majority" {
		t.Fatalf("A's village: %v %+v", ok, v)
	}
	waitText(t, br, tabA, "A's charter", "village-admit", "at least two thirds of the active locals agree, and nobody blocks", 10*time.Second)
	waitText(t, br, tabA, "A's charter", "village-exclude", "more than half of the active locals agree", 10*time.Second)

	villageWait(t, []*proc{b}, vid, "B to hold the found entry", func(v wire.Village) bool { return !v.Founded })
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a}, vid, "the founding", func(v wire.Village) bool { return v.Founded })
	villageEntryOf(a, "invite", vid, c.Account)
	villageWait(t, []*proc{b}, vid, "B to hold C's invitation", func(v wire.Village) bool {
		return v.Founded && len(v.Invitations) == 1 && v.Invitations[0].Needed == 1
	})

	tabB := br.tab("B")
	br.do(tabB, "open B's village page", 30*time.Second,
		chromedp.Navigate(b.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/village/`+vid+`'`),
		chromedp.WaitVisible(tid("village-invitations")),
		chromedp.WaitVisible(tid("position-block")))
	waitText(t, br, tabB, "B's charter", "village-admit", "at least two thirds of the active locals agree, and nobody blocks", 10*time.Second)
	checkLabels(t, br, tabB, "B's village page")

	// A block needs a reason: none given, nothing is sent.
	br.do(tabB, "B blocks without a reason", 10*time.Second, click(tid("position-block")))
	waitText(t, br, tabB, "B's block without a reason", "position-status", "Say why you block: the others read your reason.", 10*time.Second)
	if v, _ := villageShow(b, vid); len(v.Invitations) != 1 || len(v.Invitations[0].Stances) != 0 {
		t.Fatalf("a block without a reason was sent: %+v", v.Invitations)
	}
	br.do(tabB, "B blocks with a reason", 10*time.Second,
		setField("position-reason", "nobody here knows them"),
		click(tid("position-block")))
	waitText(t, br, tabB, "B's block", "my-position", "Your position: you block (“nobody here knows them”).", 10*time.Second)

	// A's open page shows B's stance, and the invitation cannot pass.
	got := waitJS[string](br, tabA, "B's stance on A's page", liveTimeout, fmt.Sprintf(`(s => s !== '' && s)(%s)`, stanceJS(c.Account, b.Account)))
	parts := strings.SplitN(got, "|", 3)
	if len(parts) != 3 || parts[0] != "block" || parts[1] != "nobody here knows them" || !strings.HasSuffix(parts[2], "blocks: nobody here knows them") {
		t.Errorf("B's stance on A's page = %q", got)
	}
	state := get(br, tabA, "the invitation's state on A's page", 5*time.Second, chromedp.Evaluate[string](textOf("invitation-state")))
	if !strings.HasSuffix(state, ": not admitted: more invitations alone cannot admit them (a block or the positions stand in the way).") {
		t.Errorf("A's page says of C's invitation %q", state)
	}
	br.screenshot(tabA, "village-rules-stance-a")
	br.screenshot(tabB, "village-rules-stance-b")
	if v, _ := villageShow(a, vid); len(v.Invitations) != 1 || v.Invitations[0].Admitted || v.Invitations[0].Needed != -1 {
		t.Errorf("A's invitation of C under B's block: %+v", v.Invitations)
	}

	// B lifts the block by endorsing: two of two agree, nobody blocks, and
	// the invitation is admitted; A's page says so live.
	br.do(tabB, "B endorses", 10*time.Second, click(tid("invitation-endorse")))
	admitted := waitJS[string](br, tabA, "C's invitation admitted on A's page", liveTimeout,
		`(s => s.endsWith(': admitted, not joined yet.') && s)(`+textOf("invitation-state")+`)`)
	for _, want := range []string{a.Account[:len("acc_")+10] + "… (you)", b.Account[:len("acc_")+10] + "…"} {
		if !strings.Contains(admitted, want) {
			t.Errorf("A's page says of C's admitted invitation %q, without the endorser %q", admitted, want)
		}
	}
	if n := get(br, tabA, "stances after B endorsed", 5*time.Second, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=stance]').length`)); n != 0 {
		t.Errorf("A's page still lists %d stances after B endorsed", n)
	}

	// C joins; B proposes to exclude C; A abstains from A's page and B's
	// open page lists A's stance on the proposal.
	villageEntryOf(c, "join", vid)
	villageWait(t, []*proc{a, b}, vid, "C to be a local", func(v wire.Village) bool { return villageLocal(v, c.Account).Status == "local" })
	prop := villageEntryOf(b, "exclude", vid, c.Account, "--reason", "moved away")
	inProp := func(id string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`[data-testid=village-proposal][data-proposal=%q] [data-testid=%q]`, prop, id))
	}
	br.do(tabA, "A abstains on the proposal", liveTimeout,
		chromedp.WaitVisible(inProp("position-abstain")), click(inProp("position-abstain")))
	abst := waitJS[string](br, tabB, "A's abstention on B's page", liveTimeout, fmt.Sprintf(
		`(e => e && e.dataset.position + '|' + e.textContent.trim())(document.querySelector('[data-testid=village-proposal][data-proposal=%q] [data-testid=proposal-stances] [data-testid=stance][data-local=%q]'))`, prop, a.Account))
	if abst != "abstain|"+a.Account[:len("acc_")+10]+"… abstains" {
		t.Errorf("A's stance on the proposal on B's page = %q", abst)
	}
	br.screenshot(tabB, "village-rules-proposal-stance")
}
