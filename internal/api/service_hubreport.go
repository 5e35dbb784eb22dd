package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// HubReport reports what this node does for others (the hub operator's
// page).
func (s *Service) HubReport() wire.HubReport {
	r := s.n.OpsReport()
	h := r.Hub
	out := wire.HubReport{
		Serving: r.Serving, Hub: h.On, Serve: h.Serve, Accounts: append([]string{}, h.Accounts...),
		Offered: append([]string{}, r.Offered...),
		Limits: wire.HubLimits{RelayMinutes: h.RelayMinutes, RelayMB: h.RelayMB, RelayConnections: h.RelayConnections,
			RelaySlots: h.RelaySlots, HeadsLogs: h.HeadsLogs, StrangerWork: int(r.StrangerSessions.Rate)},
		MetricsAddr: r.MetricsAddr,
		Peers:       wire.HubPeers{InDirect: r.Peers.InDirect, InRelayed: r.Peers.InRelayed, OutDirect: r.Peers.OutDirect, OutRelayed: r.Peers.OutRelayed},
		Sync: wire.HubSync{Sessions: r.Sync.Sessions, Live: r.Sync.Live, SessionsRun: r.Sync.SessionsRun,
			EntriesIn: r.Sync.EntriesIn, EntriesOut: r.Sync.EntriesOut, BytesIn: r.Sync.BytesIn, BytesOut: r.Sync.BytesOut},
		Relay: wire.HubRelay{On: r.Relay.On, Slots: r.Relay.Slots, Circuits: r.Relay.Circuits, SlotsGiven: r.Relay.SlotsGiven,
			SlotsRenewed: r.Relay.SlotsRenewed, SlotsEnded: r.Relay.SlotsEnded, CircuitsOpened: r.Relay.CircuitsOpened, Bytes: r.Relay.Bytes},
		Uses: hubCounts(r.Uses), Refusals: hubCounts(r.Refusals), Expiries: hubCounts(r.Expiries), Gauges: []wire.HubGauge{},
		Strangers: wire.HubStrangers{
			Connections: wire.StrangerConnections{Held: r.StrangerConns.Strangers, Limit: r.StrangerConns.StrangerLimit, Trimmed: r.StrangerConns.Trimmed, Refused: r.StrangerConns.Refused},
			Sessions:    strangerWork(r.StrangerSessions),
			Requests:    strangerWork(r.StrangerRequests),
		},
	}
	for _, g := range r.Gauges {
		out.Gauges = append(out.Gauges, wire.HubGauge{Name: g.Name, Help: g.Help, Value: g.Value})
	}
	return out
}

func hubCounts(cs []node.Count) []wire.HubCount {
	out := make([]wire.HubCount, 0, len(cs))
	for _, c := range cs {
		out = append(out, wire.HubCount{Service: c.Service, What: c.What, N: c.N})
	}
	return out
}

func (s *Server) hubReport(w http.ResponseWriter, _ *http.Request, _ url.Values) error {
	writeJSON(w, s.svc.HubReport())
	return nil
}
