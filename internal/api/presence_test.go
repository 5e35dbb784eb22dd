package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
)

// GET /api/v1/online and POST /api/v1/signals: A and B follow each other
// and are online at one hub; B's answer names A, by profile name, online
// via the hub; A's message reaches B's list; errors as documented.
func TestPresenceEndpoints(t *testing.T) {
	idle := newFixture(t)
	idle.expectError("GET", "/api/v1/online", "", 409, wire.CodeNotServing, "the node's network is not running")
	for _, c := range []struct{ body, want string }{
		{`{"to":"acc_x","text":"hi"}`, "give the recipient's device, dev_…"},
		{`{"to":"` + idle.n.Device().String() + `","text":""}`, "text is 0 bytes: write 1 to 1024 bytes"},
		{`{"to":"` + idle.n.Device().String() + `","text":"` + strings.Repeat("x", 1025) + `"}`, "text is 1025 bytes"},
	} {
		idle.expectError("POST", "/api/v1/signals", c.body, 400, wire.CodeBadRequest, c.want)
	}

	mn := netnode.NewMockNet()
	t.Cleanup(func() { mn.Close() })
	serve := func(f *fixture, hub bool) {
		off := false
		cfg := node.DefaultConfig()
		cfg.MDNS, cfg.DHT = &off, &off
		cfg.Hub.On = hub
		if err := f.n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg, Mock: mn}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.n.StopNetwork() })
	}
	hub, a, b := newFixture(t), newFixture(t), newFixture(t)
	a.call("PUT", "/api/v1/profile", map[string]any{"name": "Ada"}, nil)
	a.call("PUT", "/api/v1/follows/"+b.n.Account().String(), nil, nil)
	b.call("PUT", "/api/v1/follows/"+a.n.Account().String(), nil, nil)
	serve(hub, true)
	serve(a, false)
	serve(b, false)
	// No hub yet: nothing to send through.
	a.expectError("POST", "/api/v1/signals", `{"to":"`+b.n.Device().String()+`","text":"hi"}`, 502, wire.CodeUnreachable, "online at no hub")
	for _, f := range []*fixture{a, b} {
		f.call("POST", "/api/v1/peers", wire.AddPeerRequest{Addr: hub.n.Addrs()[0]}, nil)
	}
	// B learns A's profile by sync once connected to A: wait for both.
	var o wire.Online
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b.call("GET", "/api/v1/online", nil, &o)
		if len(o.Online) == 1 && o.Online[0].Name == "Ada" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's online list: %+v", o)
		}
	}
	p := o.Online[0]
	if p.Device != a.n.Device().String() || p.Account != a.n.Account().String() || len(p.Hubs) != 1 || p.Hubs[0].Device != hub.n.Device().String() || len(p.Heads) == 0 {
		t.Fatalf("B sees %+v", p)
	}
	if len(o.Hubs) != 1 || o.Hubs[0].Device != hub.n.Device().String() || o.Hubs[0].Session == 0 {
		t.Fatalf("B is online at %+v", o.Hubs)
	}
	var sent wire.SentSignal
	a.call("POST", "/api/v1/signals", wire.SendSignalRequest{To: b.n.Device().String(), Text: "on my way"}, &sent)
	if sent.Hub.Device != hub.n.Device().String() {
		t.Fatalf("sent via %+v", sent.Hub)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b.call("GET", "/api/v1/online", nil, &o)
		if len(o.Signals) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's messages: %+v", o.Signals)
		}
	}
	if s := o.Signals[0]; s.From != a.n.Device().String() || s.FromName != "Ada" || s.Text != "on my way" || s.Hub != hub.n.Device().String() {
		t.Fatalf("B got %+v", s)
	}
	// The hub's own device is not online there for A: refused, with the reason.
	a.expectError("POST", "/api/v1/signals", `{"to":"`+hub.n.Device().String()+`","text":"hi"}`, 403, wire.CodeHubRefused, "is not connected to this hub, or takes no messages from you")
}
