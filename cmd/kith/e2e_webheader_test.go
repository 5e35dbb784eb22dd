package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebHeaderNameFromCLI: a name set with the CLI while the web UI is
// open shows in its header at once (the CLI writes through the same node,
// so the profile's event is a local one).
func TestWebHeaderNameFromCLI(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	v := startNode(t, "V", filepath.Join(t.TempDir(), "v"))
	tab := br.ctx
	br.do(tab, "open V", 30*time.Second, chromedp.Navigate(v.Web), chromedp.WaitVisible(tid("compose-text")))
	waitText(t, br, tab, "the header without a name", "me", "Add your name", 10*time.Second)
	v.kith("profile", "set", "--name", "Zoe")
	waitText(t, br, tab, "the header after 'kith profile set'", "me", "Zoe", 10*time.Second)
}
