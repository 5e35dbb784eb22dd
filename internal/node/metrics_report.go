package node

import (
	"github.com/kithnet/kith/internal/netnode"
	"slices"
)

// OpsReport is what a node does for others, for its operator: whom it
// serves and within which limits, its connections, what sync carried, the
// use and refusals of its services and the strangers' budgets. The hub
// operator's page (GET /api/v1/hub/report) and the metrics
// (metrics_listen) show it.
type OpsReport struct {
	Serving bool // the network runs; the rest is zero otherwise
	// Hub is the [hub] table in effect (Hub.On: this node is a hub).
	Hub HubConfig
	// Offered are the services the hub offers the peers it serves.
	Offered []string
	// MetricsAddr is where /metrics is served ("" when it is not).
	MetricsAddr string
	Peers       PeerCounts
	Sync        SyncCounts
	Relay       netnode.RelayStats
	// Uses, Refusals and Expiries are the services' counters (meter),
	// the relay's and the strangers' budgets' included.
	Uses, Refusals, Expiries []Count
	Gauges                   []Gauge
	// StrangerSessions and StrangerRequests are the strangers' budgets
	// (doc/network.md, "Strangers' work"); StrangerConns their inbound
	// connections.
	StrangerSessions, StrangerRequests StrangerWorkStats
	StrangerConns                      netnode.ConnStats
}

// PeerCounts are the connected peers by who dialled and whether the
// connection is relayed (a peer with a direct connection counts as
// direct).
type PeerCounts struct {
	InDirect, InRelayed, OutDirect, OutRelayed int
}

// SyncCounts are the sync sessions' totals since the network started.
type SyncCounts struct {
	Sessions, Live        int   // sessions now, and of those live
	SessionsRun           int64 // sessions run
	EntriesIn, EntriesOut int64
	BytesIn, BytesOut     int64
}

// OpsReport reports what the node does for others now.
func (n *Node) OpsReport() OpsReport {
	nw := n.net.Load()
	r := OpsReport{}
	if nw == nil {
		r.Hub = DefaultConfig().Hub
		return r
	}
	r.Serving, r.Hub = true, nw.cfg.Hub
	if r.Hub.On {
		// The names of what the hub announces, ascending, as it does.
		for _, sv := range hubAnnouncement(r.Hub).Services {
			r.Offered = append(r.Offered, sv.Name)
		}
		slices.Sort(r.Offered)
	}
	n.meter.mu.Lock()
	r.MetricsAddr = n.meter.addr
	n.meter.mu.Unlock()
	for _, p := range nw.host.Peers() {
		switch relayed := p.Transport == "relay"; {
		case p.Outbound && relayed:
			r.Peers.OutRelayed++
		case p.Outbound:
			r.Peers.OutDirect++
		case relayed:
			r.Peers.InRelayed++
		default:
			r.Peers.InDirect++
		}
	}
	for _, s := range nw.engine.Sessions() {
		r.Sync.Sessions++
		if s.Phase == "live" {
			r.Sync.Live++
		}
	}
	t := nw.engine.Totals()
	r.Sync.SessionsRun, r.Sync.EntriesIn, r.Sync.EntriesOut, r.Sync.BytesIn, r.Sync.BytesOut = t.Sessions, t.EntriesReceived, t.EntriesSent, t.BytesIn, t.BytesOut
	r.Relay = nw.host.RelayStats()
	r.StrangerSessions, r.StrangerRequests = nw.strangerSessions.stats(), nw.strangerRequests.stats()
	r.StrangerConns = nw.host.ConnStats()
	r.Uses, r.Refusals, r.Expiries = n.meter.counts()
	r.Gauges = n.meter.gaugeValues()
	// The relay's and the budgets' own counts, beside the services'.
	if r.Relay.On {
		r.Uses = append(r.Uses,
			Count{Service: "relay", What: "slot", N: uint64(r.Relay.SlotsGiven)},
			Count{Service: "relay", What: "slot_renewal", N: uint64(r.Relay.SlotsRenewed)},
			Count{Service: "relay", What: "circuit", N: uint64(r.Relay.CircuitsOpened)})
		for reason, c := range r.Relay.SlotsRefused {
			r.Refusals = append(r.Refusals, Count{Service: "relay_slot", What: reason, N: uint64(c)})
		}
		for reason, c := range r.Relay.CircuitsRefused {
			r.Refusals = append(r.Refusals, Count{Service: "relay_circuit", What: reason, N: uint64(c)})
		}
	}
	if nw.presence != nil && r.Hub.On {
		c := nw.presence.counts()
		r.Uses = append(r.Uses,
			Count{Service: "presence", What: "event", N: c.events},
			Count{Service: "presence", What: "signal", N: c.signals})
	}
	for _, b := range []struct {
		service string
		st      StrangerWorkStats
	}{{"stranger_sessions", r.StrangerSessions}, {"stranger_requests", r.StrangerRequests}} {
		if b.st.Refused > 0 {
			r.Refusals = append(r.Refusals, Count{Service: b.service, What: "busy", N: uint64(b.st.Refused)})
		}
	}
	if r.StrangerConns.Refused > 0 {
		r.Refusals = append(r.Refusals, Count{Service: "connection", What: "strangers_full", N: uint64(r.StrangerConns.Refused)})
	}
	sortCounts(r.Uses)
	sortCounts(r.Refusals)
	sortCounts(r.Expiries)
	return r
}
