package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebLease: the Peers page's "Your data" lists the hub that keeps the
// account's logs under a lease, beside the account's devices, with when
// the lease ends and is renewed and how much it holds.
func TestWebLease(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	hubHome := filepath.Join(dir, "hub")
	if err := os.MkdirAll(hubHome, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hubHome, "config.toml"), []byte("[hub]\non = true\nlease = true\nlease_mb = 5\nlease_entries = 1000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startNode(t, "hub", hubHome)
	c := startNode(t, "client", filepath.Join(dir, "client"))
	c.kith("lease", h.addr())
	tab := br.ctx
	br.do(tab, "open the client's Peers page", 30*time.Second,
		chromedp.Navigate(c.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-peers"), chromedp.WaitVisible(tid("copies")))
	waitJS[bool](br, tab, "the hub's lease among the copies", 30*time.Second, fmt.Sprintf(
		`(l => l.length === 1 && l[0].dataset.holder === %q && l[0].dataset.state === 'held' && l[0].textContent === %q)([...document.querySelectorAll('[data-testid=copies-lease]')])`,
		h.Device, h.Device+" keeps your logs under a lease: ends in 30 days, renewed in 15 days; up to 5 MiB and 1000 entries."))
	br.screenshot(tab, "lease-copies")
}
