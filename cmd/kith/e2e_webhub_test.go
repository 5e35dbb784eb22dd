package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kithnet/kith/internal/entry"
)

// TestWebHubPage: the hub operator's page of a hub (kith serve --hub)
// says whom it serves, lists its services and limits, counts the client
// connected to it and the heads request it answered, and says nothing was
// refused; a node that is not a hub says how to become one.
func TestWebHubPage(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "hub"), "--hub")
	c := startNode(t, "client", filepath.Join(dir, "client"))
	c.kith("peer", "add", h.addr())
	c.kith("heads", h.Device, h.Device+"/"+entry.PublicLog.String())

	tab := br.ctx
	br.do(tab, "open the hub's web UI", 30*time.Second,
		chromedp.Navigate(h.Web), chromedp.WaitVisible(tid("nav-more")))
	br.do(tab, "open the Hub page", 30*time.Second,
		navTo("nav-hub"), chromedp.WaitVisible(tid("hub-report")))
	waitJS[bool](br, tab, "the page to say whom the hub serves", 20*time.Second,
		`(e => e && e.textContent === 'This node is a hub: it serves everyone it has not blocked.')(document.querySelector('[data-testid=hub-on]'))`)
	waitJS[bool](br, tab, "the services, limits, the client and the heads request", 20*time.Second, `(() => {
		const t = (id) => (document.querySelector('[data-testid=' + id + ']') || {}).textContent || '';
		const row = document.querySelector('[data-testid=hub-uses] tr[data-service=heads][data-what=request]');
		return t('hub-serves-facts').includes('relay (reach peers behind NAT through this hub)') &&
			t('hub-serves-facts').includes('head tracking') &&
			t('hub-serves-facts').includes('presence (who is online') &&
			t('hub-serves-facts').includes('dropbox (letters') &&
			t('hub-limits-facts').includes('at most 16 at once, all its devices together') &&
			t('hub-limits-facts').includes('at most 60 minutes and 1,024 MiB each way') &&
			t('hub-limits-facts').includes('at most 1,024 logs a request') &&
			t('hub-now-facts').includes('Connected peers1: 1 dialled in, 0 dialled out, 0 through a relay only') &&
			row && row.lastChild.textContent === '1' &&
			t('hub-refusals') === 'Nothing was refused.';
	})()`)
	br.screenshot(tab, "40-hub-operator")

	br.do(tab, "open the client's Hub page", 30*time.Second,
		chromedp.Navigate(c.Web), chromedp.WaitVisible(tid("nav-more")),
		navTo("nav-hub"), chromedp.WaitVisible(tid("hub-off")))
	waitJS[bool](br, tab, "the client to say it is not a hub and how to become one", 20*time.Second,
		`(e => e && e.textContent.startsWith('This node is not a hub: it relays for no one and tracks heads for no one. To serve others, start it with “kith serve --hub”'))(document.querySelector('[data-testid=hub-off]'))`)
}
