package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestWebPairDevice (issue 12, item 1, web UI): on A's web UI, "Add a
// device" shows a pairing code with its QR code; B, started without an
// account, chooses "I have another device" in its onboarding, enters the
// code and a name, and becomes a device of A's account; A's page says
// which device joined, by name. A's post reaches B.
func TestWebPairDevice(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "A", filepath.Join(dir, "a"))
	a.post("hello from the laptop")
	b := &proc{t: t, name: "B", home: filepath.Join(dir, "b"), noInit: true}
	b.start()
	t.Cleanup(b.stop)

	tabA := br.ctx
	br.do(tabA, "open Add a device on A", 30*time.Second,
		chromedp.Navigate(a.Web), chromedp.WaitVisible(tid("compose-text")),
		chromedp.Navigate(strings.SplitN(a.Web, "/login", 2)[0]+"/#/invite"), chromedp.WaitVisible(tid("add-device")),
		click(tid("add-device")), chromedp.WaitVisible(tid("pair-create")),
		click(tid("pair-create")), chromedp.WaitVisible(tid("pair-code")), chromedp.WaitVisible(tid("pair-qr")))
	code := get(br, tabA, "the pairing code", 10*time.Second, chromedp.Evaluate[string](
		`document.querySelector('[data-testid=pair-code]').value`))
	if !strings.HasPrefix(code, "KITHPAIR1:") {
		t.Fatalf("the page shows code %q", code)
	}
	checkLabels(t, br, tabA, "Add a device")
	br.screenshot(tabA, "pair-01-code")

	tabB := br.tab("B")
	br.do(tabB, "pair B from its onboarding", 60*time.Second,
		chromedp.Navigate(b.Web), chromedp.WaitVisible(tid("setup-pair")),
		click(tid("setup-pair")), chromedp.WaitVisible(tid("pair-join-code")))
	checkLabels(t, br, tabB, "I have another device")
	br.do(tabB, "a wrong code first", 60*time.Second,
		paste(tid("pair-join-code"), code[:len(code)-3]),
		click(tid("pair-join-submit")))
	msg := waitJS[string](br, tabB, "the mistyped-code message", 20*time.Second,
		`(document.querySelector('[data-testid=setup-status]')?.textContent || '').includes('mistyped') && document.querySelector('[data-testid=setup-status]').textContent`)
	if !strings.Contains(msg, "not a valid pairing code") {
		t.Errorf("message for a truncated code: %q", msg)
	}
	br.do(tabB, "the right code", 60*time.Second,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=pair-join-code]').value = ''`),
		paste(tid("pair-join-code"), code),
		chromedp.SendKeys(tid("device-name"), "phone"),
		click(tid("pair-join-submit")), chromedp.WaitVisible(tid("compose-text")))
	shown := get(br, tabB, "B's account", 10*time.Second, chromedp.Evaluate[string](
		`document.querySelector('[data-testid=me]').dataset.account`))
	if shown != a.Account {
		t.Fatalf("B shows account %q, want A's %s", shown, a.Account)
	}
	var id wire.Identity
	if err := json.Unmarshal(b.kith("id"), &id); err != nil || id.Account != a.Account {
		t.Fatalf("kith id on B: %+v %v", id, err)
	}
	joined := waitJS[string](br, tabA, "A to say which device joined", 30*time.Second,
		`document.querySelector('[data-testid=pair-joined]')?.textContent || ''`)
	if !strings.Contains(joined, "phone") || !strings.Contains(joined, id.Device) {
		t.Errorf("A says %q, want the name phone and device %s", joined, id.Device)
	}
	br.screenshot(tabA, "pair-02-joined")
	waitFor(t, syncTimeout, "B to hold A's post", func() bool {
		return b.hasPosts(a.Account, []string{"hello from the laptop"})
	})
}
