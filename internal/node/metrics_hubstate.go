package node

// The gauges of what a hub holds for others (issue 14, item 8): its
// dropbox (letters and bytes), the leases it keeps (how many, and what it
// counted of them), and its presence sessions (online, watching). Each is
// read at the scrape from the network's state, so it costs nothing
// between scrapes; a node that is not a hub has none. The presence
// events and signals a hub wrote are counters, among the services' uses
// (OpsReport): kith_service_uses_total{service="presence"}.

import "github.com/kithnet/kith/internal/dropbox"

// hubGauges are the names registerHubGauges registers.
var hubGauges = []string{
	"kith_dropbox_letters", "kith_dropbox_stranger_letters", "kith_dropbox_bytes", "kith_dropbox_recipients",
	"kith_leases", "kith_lease_bytes", "kith_lease_entries",
	"kith_presence_sessions", "kith_presence_watchers", "kith_presence_watched",
}

// registerHubGauges registers the gauges with the meter when this node is
// a hub, and removes them when it is not (startMetrics).
func (n *Node) registerHubGauges(hub bool) {
	if !hub {
		for _, name := range hubGauges {
			n.meter.dropGauge(name)
		}
		return
	}
	dropboxStat := func(f func(s dropbox.Stats) float64) func() float64 {
		return func() float64 {
			nw := n.net.Load()
			if nw == nil || nw.dropbox == nil || nw.dropbox.hub == nil {
				return 0
			}
			return f(nw.dropbox.hub.stats())
		}
	}
	n.meter.gauge("kith_dropbox_letters", "Letters this hub's dropbox holds now, for every recipient.",
		dropboxStat(func(s dropbox.Stats) float64 { return float64(s.Letters) }))
	n.meter.gauge("kith_dropbox_stranger_letters", "Of the letters held, those from senders their recipient does not follow.",
		dropboxStat(func(s dropbox.Stats) float64 { return float64(s.Strangers) }))
	n.meter.gauge("kith_dropbox_bytes", "Bytes of the letters this hub's dropbox holds now.",
		dropboxStat(func(s dropbox.Stats) float64 { return float64(s.Bytes) }))
	n.meter.gauge("kith_dropbox_recipients", "Recipients enrolled at this hub's dropbox (collected at least once, not forgotten).",
		dropboxStat(func(s dropbox.Stats) float64 { return float64(s.Recipients) }))

	leaseStat := func(f func(leases int, bytes, entries uint64) float64) func() float64 {
		return func() float64 {
			nw := n.net.Load()
			if nw == nil || nw.lease == nil || nw.lease.hold == nil {
				return 0
			}
			h := nw.lease.hold
			h.mu.Lock()
			gs := h.book.List()
			h.mu.Unlock()
			var b, e uint64
			for _, g := range gs {
				b += g.Held.Bytes
				e += g.Held.Entries
			}
			return f(len(gs), b, e)
		}
	}
	n.meter.gauge("kith_leases", "Leases this node keeps for others now.",
		leaseStat(func(l int, _, _ uint64) float64 { return float64(l) }))
	n.meter.gauge("kith_lease_bytes", "Bytes this node holds of the leased accounts' logs and blobs, as last counted (at least once a minute).",
		leaseStat(func(_ int, b, _ uint64) float64 { return float64(b) }))
	n.meter.gauge("kith_lease_entries", "Entries this node holds of the leased accounts' logs, as last counted.",
		leaseStat(func(_ int, _, e uint64) float64 { return float64(e) }))

	presenceStat := func(f func(presenceCounts) float64) func() float64 {
		return func() float64 {
			nw := n.net.Load()
			if nw == nil || nw.presence == nil {
				return 0
			}
			return f(nw.presence.counts())
		}
	}
	n.meter.gauge("kith_presence_sessions", "Devices online at this hub now (presence sessions).",
		presenceStat(func(c presenceCounts) float64 { return float64(c.sessions) }))
	n.meter.gauge("kith_presence_watchers", "Presence sessions that watch at least one device or account now.",
		presenceStat(func(c presenceCounts) float64 { return float64(c.watchers) }))
	n.meter.gauge("kith_presence_watched", "Devices and accounts watched now, summed over the sessions watching them.",
		presenceStat(func(c presenceCounts) float64 { return float64(c.watched) }))
}

// presenceCounts is what a hub's presence table holds, and has written.
type presenceCounts struct {
	sessions, watchers, watched int
	// events is the presence events (a device online with its heads, or
	// gone) written to watchers since the network started; signals the
	// messages handed to a recipient.
	events, signals uint64
}

// counts returns what the table holds now and has written.
func (t *presenceTable) counts() presenceCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := presenceCounts{sessions: len(t.byDevice), events: t.events, signals: t.signals}
	for _, s := range t.byDevice {
		if len(s.watch) > 0 {
			c.watchers++
		}
	}
	for _, ws := range t.watchers {
		c.watched += len(ws)
	}
	return c
}
