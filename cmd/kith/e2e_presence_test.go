package main

// Presence and signalling (issue 14, item 3) between real processes on
// loopback, and the web UI's "online via HUB".

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

// online runs kith online --json.
func (p *proc) online() wire.Online {
	var o wire.Online
	if err := json.Unmarshal(p.kith("online"), &o); err != nil {
		p.t.Fatal(err)
	}
	return o
}

// TestPresenceCLIAndWeb: A and B follow each other and are connected only
// to a hub (kith serve --hub). kith online on B lists A online via the
// hub; kith signal from A reaches B's list; B's People page shows A
// online via the hub (B holds nothing of A's: no name yet), with a dot beside A in Following, and A's message.
func TestPresenceCLIAndWeb(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "hub"), "--hub")
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	a.kith("follow", b.Account)
	b.kith("follow", a.Account)
	a.kith("peer", "add", h.addr())
	b.kith("peer", "add", h.addr())
	waitFor(t, syncTimeout, "kith online on B to list A via the hub", func() bool {
		o := b.online()
		return len(o.Online) == 1 && o.Online[0].Device == a.Device && len(o.Online[0].Hubs) == 1 && o.Online[0].Hubs[0].Device == h.Device &&
			len(o.Hubs) == 1 && o.Hubs[0].Device == h.Device
	})
	// The hub is named by the name its certificate gives its device (B
	// holds nothing of the hub's account: the certificate the hub sent
	// when B connected), never by its id when that name is known.
	var hubDevs struct {
		Devices []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(httpGet(t, h.home, "/api/v1/devices"), &hubDevs); err != nil || len(hubDevs.Devices) != 1 || hubDevs.Devices[0].ID != h.Device {
		t.Fatalf("the hub's devices: %+v, %v", hubDevs, err)
	}
	named := hubDevs.Devices[0].Name != "" // the machine's host name, unless it is not a valid name
	if o := b.online(); o.Hubs[0].Name != hubDevs.Devices[0].Name || o.Online[0].Hubs[0].Name != hubDevs.Devices[0].Name {
		t.Errorf("kith online on B names the hub %q (and A's hub %q), want its device's name %q", o.Hubs[0].Name, o.Online[0].Hubs[0].Name, hubDevs.Devices[0].Name)
	}
	via := "online via " + hubDevs.Devices[0].Name
	handedOn := "handed on by " + h.Device + "\n"
	if named {
		handedOn = "handed on by " + hubDevs.Devices[0].Name + " (" + h.Device + ")\n"
	}
	if out := string(a.kithText("signal", b.Device, "on", "my", "way")); out != handedOn {
		t.Fatalf("kith signal prints %q", out)
	}
	waitFor(t, 10*time.Second, "B to hold A's message", func() bool {
		o := b.online()
		return len(o.Signals) == 1 && o.Signals[0].From == a.Device && o.Signals[0].Text == "on my way"
	})
	if out, err := a.try("signal", h.Device, "hello"); err == nil || !strings.Contains(string(out)+err.Error(), "not connected to this hub, or takes no messages from you") {
		t.Fatalf("a message to the hub's own device: %s %v, want refused", out, err)
	}

	br := newBrowser(t)
	tab := br.ctx
	br.do(tab, "open B's People page", 30*time.Second,
		chromedp.Navigate(b.Web+"#/people"), chromedp.WaitVisible(tid("online-list")))
	waitJS[bool](br, tab, "A online via the hub, by its name", 30*time.Second, fmt.Sprintf(
		`(l => l.length === 1 && l[0].dataset.device === %q && l[0].querySelector('a').getAttribute('href') === '#/account/%s' && (t => %t ? t === %q : t.startsWith('online via dev_'))(l[0].querySelector('[data-testid=online-dot]').textContent))([...document.querySelectorAll('[data-testid=online-person]')])`,
		a.Device, a.Account, named, via))
	waitJS[bool](br, tab, "a dot beside A in Following", 10*time.Second, fmt.Sprintf(
		`!!document.querySelector('[data-testid=following-list] [data-account=%q] [data-testid=online-dot]')`, a.Account))
	waitJS[bool](br, tab, "A's message", 10*time.Second,
		`[...document.querySelectorAll('[data-testid=signal]')].some(e => e.textContent.endsWith(': on my way'))`)
	br.screenshot(tab, "presence-people")
	if named {
		br.do(tab, "B's Peers page", 30*time.Second, navTo("nav-peers"), chromedp.WaitVisible(fmt.Sprintf(`[data-testid=peer][data-device=%q]`, h.Device)))
		if got := waitJS[string](br, tab, "the hub named on Peers", 10*time.Second, fmt.Sprintf(`document.querySelector('[data-testid=peer][data-device=%q] h3 a').textContent`, h.Device)); got != hubDevs.Devices[0].Name {
			t.Errorf("B's Peers page names the hub %q, want its device's name %q", got, hubDevs.Devices[0].Name)
		}
		br.screenshot(tab, "presence-peers")
		br.do(tab, "back to People", 30*time.Second, click(tid("nav-people")), chromedp.WaitVisible(tid("online-list")))
	}
	// A goes: the page says so, live.
	a.stop()
	waitJS[bool](br, tab, "nobody online once A went", 30*time.Second,
		`document.querySelectorAll('[data-testid=online-person]').length === 0`)
}
