package api_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// GET /api/v1/hub/report: a node not serving says so, with the default
// [hub] table; a hub on loopback reports whom it serves, its limits, the
// relay, a client connected to it, and a heads request it answered and
// one it refused as too_many.
func TestHubReport(t *testing.T) {
	hub := newFixture(t)
	var r wire.HubReport
	hub.call("GET", "/api/v1/hub/report", nil, &r)
	if r.Serving || r.Hub || r.Serve != "everyone" || r.Limits.RelayMinutes != 60 || r.Limits.HeadsLogs != 1024 || len(r.Uses) != 0 || r.Uses == nil {
		t.Fatalf("report of a node not serving: %+v", r)
	}

	off := false
	cfg := node.DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	cfg.Hub = node.HubConfig{On: true, HeadsLogs: 2, RelaySlots: 7}
	if err := hub.n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hub.n.StopNetwork() })
	client := newFixture(t)
	cfg.Hub = node.HubConfig{}
	if err := client.n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.n.StopNetwork() })
	if _, err := client.n.AddPeer(t.Context(), hub.n.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	hubKey := identity.PublicKey(hub.n.Device())
	if _, err := client.n.HubHeads(t.Context(), hubKey, []store.LogKey{{Author: hubKey, LogID: entry.PublicLog}}); err != nil {
		t.Fatal(err)
	}
	three := make([]store.LogKey, 3)
	for i := range three {
		three[i] = store.LogKey{Author: hubKey, LogID: entry.LogID{byte(i + 1)}}
	}
	if _, err := client.n.HubHeads(t.Context(), hubKey, three); err == nil {
		t.Fatal("a request over the limit was answered")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		hub.call("GET", "/api/v1/hub/report", nil, &r)
		if r.Peers.InDirect == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !r.Serving || !r.Hub || r.Serve != "everyone" || !slices.Equal(r.Offered, []string{"dropbox", "heads", "presence", "relay"}) {
		t.Errorf("report: %+v, want a serving hub for everyone offering relay and heads", r)
	}
	if r.Limits != (wire.HubLimits{RelayMinutes: 60, RelayMB: 1024, RelayConnections: 16, RelaySlots: 7, HeadsLogs: 2, StrangerWork: 20}) {
		t.Errorf("limits %+v", r.Limits)
	}
	if r.Peers != (wire.HubPeers{InDirect: 1}) || !r.Relay.On || r.Relay.Slots != 0 {
		t.Errorf("peers %+v, relay %+v: want one inbound direct peer and the relay on with no slot", r.Peers, r.Relay)
	}
	wantUses := []wire.HubCount{{Service: "heads", What: "request", N: 1}, {Service: "presence", What: "event"}, {Service: "presence", What: "signal"},
		{Service: "relay", What: "circuit"}, {Service: "relay", What: "slot"}, {Service: "relay", What: "slot_renewal"}}
	if !slices.Equal(r.Uses, wantUses) {
		t.Errorf("uses %+v, want %+v", r.Uses, wantUses)
	}
	if !slices.Equal(r.Refusals, []wire.HubCount{{Service: "heads", What: "too_many", N: 1}}) {
		t.Errorf("refusals %+v, want one heads request refused as too_many", r.Refusals)
	}
	var gauges []string
	for _, g := range r.Gauges {
		if g.Value != 0 {
			t.Errorf("gauge %s = %v, want 0", g.Name, g.Value)
		}
		gauges = append(gauges, g.Name)
	}
	wantGauges := []string{"kith_dropbox_bytes", "kith_dropbox_letters", "kith_dropbox_recipients", "kith_dropbox_stranger_letters",
		"kith_lease_bytes", "kith_lease_entries", "kith_leases", "kith_network_warnings",
		"kith_presence_sessions", "kith_presence_watched", "kith_presence_watchers"}
	if !slices.Equal(gauges, wantGauges) || r.Strangers.Sessions.Rate != 20 {
		t.Errorf("gauges %v, want %v; strangers %+v", gauges, wantGauges, r.Strangers)
	}
}
