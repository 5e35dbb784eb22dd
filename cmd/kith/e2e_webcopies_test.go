package main

// "Your data" in the web UI (issue 12, items 6 and 7): a real 'kith
// serve' of a laptop and of a phone of one account, in headless chromium.

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebCopies: the laptop's Peers page says "2 copies (this device,
// phone)" once the two devices synced; with the phone away, a new post of
// the laptop makes it say, live, 1 copy and that one entry of its log is
// only on this device. The tablet, which synced with the phone only, is
// named on the timeline, and on the Peers page with the command that
// revokes it.
func TestWebCopies(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	homes := []string{filepath.Join(dir, "laptop"), filepath.Join(dir, "phone"), filepath.Join(dir, "tablet")}
	accountDevices(t, homes, []string{"laptop", "phone", "tablet"})
	laptop := startNode(t, "laptop", homes[0])
	phone := startNode(t, "phone", homes[1])
	tablet := startNode(t, "tablet", homes[2])
	// The tablet syncs with the phone only.
	phone.kith("peer", "add", tablet.addr())
	laptop.kith("peer", "add", phone.addr())
	tablet.post("from the tablet")
	laptop.post("hello")
	waitFor(t, syncTimeout, "the laptop to know the tablet through the phone", func() bool {
		st := laptop.status()
		return len(st.Copies.Devices) == 3 && len(st.Copies.Unsynced) == 1
	})

	tab := br.ctx
	br.do(tab, "open the laptop's timeline", 30*time.Second,
		chromedp.Navigate(laptop.Web), chromedp.WaitVisible(tid("compose-text")))
	waitJS[bool](br, tab, "the timeline to name the tablet as never synced", 20*time.Second,
		`(e => e && !e.hidden && e.textContent === 'tablet has not synced with this device. If it is lost, revoke it: see Your data.')(document.querySelector('[data-testid=unsynced-notice]'))`)
	br.screenshot(tab, "29-unsynced-notice")
	br.do(tab, "open the laptop's Peers page", 30*time.Second,
		click(`[data-testid=unsynced-notice] a`), chromedp.WaitVisible(tid("copies")))
	waitJS[bool](br, tab, "2 copies on this device and the phone", 30*time.Second,
		`(e => e && e.dataset.count === '2' && e.textContent === '2 copies (this device, phone)')(document.querySelector('[data-testid=copies-count]'))`)
	// The tablet, which the laptop knows only from the phone, is named
	// with the command that revokes it.
	waitJS[bool](br, tab, "the tablet named as never synced", 10*time.Second, fmt.Sprintf(
		`(l => l.length === 1 && l[0].dataset.device === %q && l[0].textContent === %q)([...document.querySelectorAll('[data-testid=copies-unsynced]')])`,
		tablet.Device, "tablet has not synced with this device. If it is lost, revoke it: kith device revoke "+tablet.Device))
	br.screenshot(tab, "30-copies-two")

	phone.stop()
	tablet.stop()
	laptop.post("while the phone is away")
	waitJS[bool](br, tab, "1 copy, and the new post in one place", 30*time.Second,
		`(e => e && e.dataset.count === '1' && e.textContent === '1 copy (this device)' &&
		   [...document.querySelectorAll('[data-testid=copies-single]')].map(l => l.textContent).join('|') === '1 entry of your log on this device is only on this device.')(document.querySelector('[data-testid=copies-count]'))`)
	br.screenshot(tab, "31-copies-one")
}
