package node

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The metrics of a node (doc/config.md, metrics_listen), in Prometheus'
// text format at /metrics: made from OpsReport at each scrape, so that
// they cost nothing between scrapes, with Go's and the process's own.
// libp2p's own metrics stay off (doc/network.md: its resource manager's
// took 6 % of a node's CPU under a connection flood).

// metricsCollector turns a node's OpsReport into metrics.
type metricsCollector struct{ n *Node }

func (c metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	prometheus.DescribeByCollect(c, ch)
}

var (
	descPeers        = prometheus.NewDesc("kith_peers", "Connected peers, by who dialled (in: the peer) and path (relayed: through a hub only).", []string{"direction", "path"}, nil)
	descSessions     = prometheus.NewDesc("kith_sync_sessions", "Sync sessions running now, by phase (live or not yet).", []string{"phase"}, nil)
	descSessionsRun  = prometheus.NewDesc("kith_sync_sessions_total", "Sync sessions run since the network started.", nil, nil)
	descEntries      = prometheus.NewDesc("kith_sync_entries_total", "Entries sync carried: in, received and accepted for the store; out, sent.", []string{"direction"}, nil)
	descBytes        = prometheus.NewDesc("kith_sync_bytes_total", "Framed bytes of sync streams.", []string{"direction"}, nil)
	descUses         = prometheus.NewDesc("kith_service_uses_total", "Uses of the services this node offers others, by service and kind.", []string{"service", "kind"}, nil)
	descRefusals     = prometheus.NewDesc("kith_refusals_total", "Requests refused, by service and reason.", []string{"service", "reason"}, nil)
	descExpiries     = prometheus.NewDesc("kith_expiries_total", "Things held for others that expired (relay slots, …), by service.", []string{"service"}, nil)
	descRelaySlots   = prometheus.NewDesc("kith_relay_slots", "Relay slots (reservations) held at this hub now.", nil, nil)
	descRelayCircs   = prometheus.NewDesc("kith_relay_circuits", "Relayed connections through this hub now.", nil, nil)
	descRelayBytes   = prometheus.NewDesc("kith_relay_bytes_total", "Bytes relayed connections carried, both ways.", nil, nil)
	descStrangerWork = prometheus.NewDesc("kith_stranger_work_total", "Requests of strangers under a budget (sessions: sync sessions and heads requests; requests: village requests), by outcome: admitted (at once or after waiting), waited, refused, evicted, full (came when the queue was full).", []string{"budget", "outcome"}, nil)
	descStrangerWait = prometheus.NewDesc("kith_stranger_work_waiting", "Strangers' requests waiting for their turn now.", []string{"budget"}, nil)
	descStrangerConn = prometheus.NewDesc("kith_stranger_connections", "Strangers' inbound connections now.", nil, nil)
	descStrangerTrim = prometheus.NewDesc("kith_stranger_connections_trimmed_total", "Idle strangers' connections closed to make room for a newcomer.", nil, nil)
)

func (c metricsCollector) Collect(ch chan<- prometheus.Metric) {
	r := c.n.OpsReport()
	if !r.Serving {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descPeers, float64(r.Peers.InDirect), "in", "direct")
	gauge(descPeers, float64(r.Peers.InRelayed), "in", "relayed")
	gauge(descPeers, float64(r.Peers.OutDirect), "out", "direct")
	gauge(descPeers, float64(r.Peers.OutRelayed), "out", "relayed")
	gauge(descSessions, float64(r.Sync.Live), "live")
	gauge(descSessions, float64(r.Sync.Sessions-r.Sync.Live), "starting")
	counter(descSessionsRun, float64(r.Sync.SessionsRun))
	counter(descEntries, float64(r.Sync.EntriesIn), "in")
	counter(descEntries, float64(r.Sync.EntriesOut), "out")
	counter(descBytes, float64(r.Sync.BytesIn), "in")
	counter(descBytes, float64(r.Sync.BytesOut), "out")
	for _, u := range r.Uses {
		counter(descUses, float64(u.N), u.Service, u.What)
	}
	for _, u := range r.Refusals {
		counter(descRefusals, float64(u.N), u.Service, u.What)
	}
	for _, u := range r.Expiries {
		counter(descExpiries, float64(u.N), u.Service)
	}
	if r.Relay.On {
		gauge(descRelaySlots, float64(r.Relay.Slots))
		gauge(descRelayCircs, float64(r.Relay.Circuits))
		counter(descRelayBytes, float64(r.Relay.Bytes))
	}
	for _, b := range []struct {
		name string
		st   StrangerWorkStats
	}{{"sessions", r.StrangerSessions}, {"requests", r.StrangerRequests}} {
		counter(descStrangerWork, float64(b.st.Admitted), b.name, "admitted")
		counter(descStrangerWork, float64(b.st.Waited), b.name, "waited")
		counter(descStrangerWork, float64(b.st.Refused), b.name, "refused")
		counter(descStrangerWork, float64(b.st.Evicted), b.name, "evicted")
		counter(descStrangerWork, float64(b.st.Full), b.name, "full")
		gauge(descStrangerWait, float64(b.st.Waiting), b.name)
	}
	gauge(descStrangerConn, float64(r.StrangerConns.Strangers))
	counter(descStrangerTrim, float64(r.StrangerConns.Trimmed))
	for _, g := range r.Gauges {
		gauge(prometheus.NewDesc(g.Name, g.Help, nil, nil), g.Value)
	}
}

// MetricsHandler serves the node's metrics in Prometheus' text format.
func (n *Node) MetricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metricsCollector{n: n}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, MaxRequestsInFlight: 2, Timeout: 10 * time.Second})
}

// MetricsAddr returns where the metrics are served (HOST:PORT), or "".
func (n *Node) MetricsAddr() string {
	n.meter.mu.Lock()
	defer n.meter.mu.Unlock()
	return n.meter.addr
}

// startMetrics logs the refusals, limits and expiries of the relay and
// of the strangers' budgets (metrics_services.go), and serves /metrics at
// the configured address while the network runs.
func (n *Node) startMetrics(nw *network) error {
	nw.strangerSessions.onRefused = func(peer identity.PublicKey, err error) {
		n.logEvent(nw.log, "refused", "stranger_sessions", "busy", peer, err.Error())
	}
	nw.strangerRequests.onRefused = func(peer identity.PublicKey, err error) {
		n.logEvent(nw.log, "refused", "stranger_requests", "busy", peer, err.Error())
	}
	nw.host.ObserveRelay(func(ev netnode.RelayEvent) {
		switch ev.What {
		case "slot_refused":
			n.logEvent(nw.log, "refused", "relay_slot", ev.Reason, identity.PublicKey{}, "")
		case "circuit_refused":
			n.logEvent(nw.log, "refused", "relay_circuit", ev.Reason, identity.PublicKey{}, "")
		case "slots_ended":
			n.expired(nw.log, "relay_slot", ev.Count, "relay slots ended (their time ran out, or their peer went)")
		case "circuit_time_limit":
			n.logEvent(nw.log, "limit", "relay_circuit", "time", identity.PublicKey{}, "a relayed connection ran its whole time and was closed", "after", ev.After.Round(time.Second).String())
		}
	})
	n.registerHubGauges(nw.cfg.Hub.On)
	n.meter.gauge("kith_network_warnings", "What of the configured network does not run (kith status lists it).", func() float64 {
		return float64(len(n.NetworkWarnings()))
	})
	addr := nw.cfg.metricsAddr()
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics_listen: %w (choose another address, or leave metrics_listen empty)", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.MetricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	n.meter.mu.Lock()
	n.meter.addr = ln.Addr().String()
	n.meter.mu.Unlock()
	nw.log.Info("serving metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	nw.wg.Add(2)
	go func() {
		defer nw.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			nw.log.Warn("metrics server stopped", "err", err)
		}
	}()
	go func() {
		defer nw.wg.Done()
		<-nw.ctx.Done()
		_ = srv.Close()
		n.meter.mu.Lock()
		n.meter.addr = ""
		n.meter.mu.Unlock()
	}()
	return nil
}
