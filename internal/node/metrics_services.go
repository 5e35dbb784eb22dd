package node

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// The registration point for the services a node offers others
// (doc/protocol/services.md): each counts its use, its refusals and its
// expiries here, and may show a gauge, and they appear on the hub
// operator's page (GET /api/v1/hub/report) and in the metrics
// (metrics_listen: kith_service_uses_total, kith_refusals_total,
// kith_expiries_total, and the gauge's own name). A service's glue calls,
// with words of its own that stay few (they are labels):
//
//	n.meter.use("dropbox", "stored")                   // one use of a kind
//	n.refused(nw, "dropbox", "too_big", peer, "why")   // counted and logged
//	n.expired(nw, "dropbox", 3)                        // counted and logged
//	n.meter.gauge("kith_dropbox_messages", "Messages a hub holds.", f)
//
// Kinds and reasons are short snake_case words; the text a peer or an
// operator reads goes into the refusal's detail, which is logged, not
// counted.

// meter holds a node's counts of service use. The zero value is ready.
type meter struct {
	mu       sync.Mutex
	uses     map[[2]string]uint64 // service, kind
	refusals map[[2]string]uint64 // service, reason
	expiries map[string]uint64    // service
	gauges   []meterGauge
	logged   map[[2]string]logWindow // the refusal lines written lately (logRefusal)
	addr     string                  // where the metrics listener runs, if it does
}

type meterGauge struct {
	name, help string
	value      func() float64
}

// logWindow counts the lines of one kind logged in the current window and
// those left out.
type logWindow struct {
	start         time.Time
	lines, hushed int
}

// Refusal lines of one service and reason are logged at most
// refusalLines times a refusalWindow: a flood of refused requests must
// not fill the operator's disk. The next line says how many were left
// out.
const (
	refusalLines  = 5
	refusalWindow = 10 * time.Second
)

// Count is one counter of the meter.
type Count struct {
	Service string `json:"service"`
	// What is the kind of use, or the reason of a refusal.
	What string `json:"what"`
	N    uint64 `json:"n"`
}

// Gauge is one gauge a service registered.
type Gauge struct {
	Name  string  `json:"name"`
	Help  string  `json:"help"`
	Value float64 `json:"value"`
}

func addCount(m *map[[2]string]uint64, a, b string, n uint64) {
	if *m == nil {
		*m = map[[2]string]uint64{}
	}
	(*m)[[2]string{a, b}] += n
}

// use counts one use of service of the kind.
func (m *meter) use(service, kind string) {
	m.mu.Lock()
	addCount(&m.uses, service, kind, 1)
	m.mu.Unlock()
}

// refuse counts one refusal of service for reason.
func (m *meter) refuse(service, reason string) {
	m.mu.Lock()
	addCount(&m.refusals, service, reason, 1)
	m.mu.Unlock()
}

// expire counts n things of service that expired.
func (m *meter) expire(service string, n int) {
	m.mu.Lock()
	if m.expiries == nil {
		m.expiries = map[string]uint64{}
	}
	m.expiries[service] += uint64(n)
	m.mu.Unlock()
}

// gauge registers a gauge, named as in Prometheus (kith_…), read at every
// scrape and report; a name registered again replaces the first.
func (m *meter) gauge(name, help string, value func() float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges = slices.DeleteFunc(m.gauges, func(g meterGauge) bool { return g.name == name })
	m.gauges = append(m.gauges, meterGauge{name: name, help: help, value: value})
}

// dropGauge removes the gauge of that name, if registered.
func (m *meter) dropGauge(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges = slices.DeleteFunc(m.gauges, func(g meterGauge) bool { return g.name == name })
}

// counts returns the meter's counters sorted by service then kind.
func (m *meter) counts() (uses, refusals []Count, expiries []Count) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := func(src map[[2]string]uint64) []Count {
		out := make([]Count, 0, len(src))
		for k, n := range src {
			out = append(out, Count{Service: k[0], What: k[1], N: n})
		}
		sortCounts(out)
		return out
	}
	uses, refusals = list(m.uses), list(m.refusals)
	for s, n := range m.expiries {
		expiries = append(expiries, Count{Service: s, What: "expired", N: n})
	}
	sortCounts(expiries)
	return uses, refusals, expiries
}

func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		if c := strings.Compare(a.Service, b.Service); c != 0 {
			return c
		}
		return strings.Compare(a.What, b.What)
	})
}

// gaugeValues reads the registered gauges, sorted by name.
func (m *meter) gaugeValues() []Gauge {
	m.mu.Lock()
	gs := slices.Clone(m.gauges)
	m.mu.Unlock()
	out := make([]Gauge, 0, len(gs))
	for _, g := range gs {
		out = append(out, Gauge{Name: g.name, Help: g.help, Value: g.value()})
	}
	slices.SortFunc(out, func(a, b Gauge) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// logTurn reports whether a line of service and reason may be logged now,
// and how many were left out before it.
func (m *meter) logTurn(service, reason string, now time.Time) (ok bool, hushed int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.logged == nil {
		m.logged = map[[2]string]logWindow{}
	}
	k := [2]string{service, reason}
	w := m.logged[k]
	if now.Sub(w.start) >= refusalWindow {
		hushed = w.hushed
		w = logWindow{start: now}
	}
	if w.lines >= refusalLines {
		w.hushed++
		m.logged[k] = w
		return false, 0
	}
	w.lines++
	m.logged[k] = w
	if len(m.logged) > 1024 { // reasons are few; bound it anyway
		clear(m.logged)
	}
	return true, hushed
}

// refused counts a refusal of service to peer (zero: not known) for
// reason, and logs it (at most refusalLines a refusalWindow for one
// service and reason) as
//
//	level=INFO msg=refused service=heads reason=too_many peer=dev_… detail="…"
func (n *Node) refused(log *slog.Logger, service, reason string, peer identity.PublicKey, detail string) {
	n.meter.refuse(service, reason)
	n.logEvent(log, "refused", service, reason, peer, detail)
}

// expired counts and logs count things of service that expired (a relay
// slot, a dropbox message, a lease).
func (n *Node) expired(log *slog.Logger, service string, count int, detail string) {
	n.meter.expire(service, count)
	n.logEvent(log, "expired", service, "", identity.PublicKey{}, detail, "count", count)
}

// logEvent writes one structured line: msg is "refused", "expired" or
// "limit" (a limit reached), with the service, the reason, the peer and
// the detail, and how many lines like it were left out since the last.
func (n *Node) logEvent(log *slog.Logger, msg, service, reason string, peer identity.PublicKey, detail string, more ...any) {
	if log == nil {
		return
	}
	ok, hushed := n.meter.logTurn(msg+"/"+service, reason, time.Now())
	if !ok {
		return
	}
	attrs := []any{"service", service}
	if reason != "" {
		attrs = append(attrs, "reason", reason)
	}
	if peer != (identity.PublicKey{}) {
		attrs = append(attrs, "peer", peer.Device().String())
	}
	if detail != "" {
		attrs = append(attrs, "detail", detail)
	}
	attrs = append(attrs, more...)
	if hushed > 0 {
		attrs = append(attrs, "left_out", hushed)
	}
	log.Info(msg, attrs...)
}

// headsRefusal is the reason word of a heads refusal code.
func headsRefusal(code uint64) string {
	switch code {
	case services.RefuseNotServed:
		return "not_served"
	case services.RefuseTooMany:
		return "too_many"
	case services.RefuseBusy:
		return "busy"
	}
	return "other"
}
