package api

import (
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// eventGap is the least time between two peers (or two sync) events of a
// stream: changes in between are sent together, once.
const eventGap = 500 * time.Millisecond

// eventPump is the loop of one event stream (GET /api/v1/events): it
// writes the node's events to st as they come, peers and sync events
// coalesced to one of each per eventGap, and a ping comment every ping.
// It gets the data of entry, peers and sync events from entry, peers and
// sync, called when the event is written.
type eventPump struct {
	st      *stream
	events  <-chan node.Event // nil in setup mode
	inited  <-chan struct{}   // setup mode: closed once the account exists
	closing <-chan struct{}   // closed when the server closes
	ping    time.Duration
	entry   func(node.Event) wire.EntryEvent
	peers   func() wire.PeerList
	sync    func() wire.SyncTotals
}

// run writes events until done or closing is closed, the node closes
// events, inited is closed (after a resync event) or a write fails
// (st.err).
func (p *eventPump) run(done <-chan struct{}) {
	st := p.st
	ping := time.NewTicker(p.ping)
	defer ping.Stop()
	var lastPeers, lastSync time.Time
	var pendingPeers, pendingSync bool
	var due <-chan time.Time // set while a coalesced event waits
	for st.err == nil {
		select {
		case <-done:
			return
		case <-p.closing:
			return
		case <-p.inited:
			st.send(wire.EventResync, wire.Resync{})
			return
		case <-ping.C:
			st.write(": ping\n\n")
		case ev, ok := <-p.events:
			if !ok {
				return // the node closed
			}
			switch ev.Kind {
			case node.EventEntry:
				st.send(wire.EventEntry, p.entry(ev))
			case node.EventOverflow:
				st.send(wire.EventResync, wire.Resync{})
			case node.EventPeers:
				pendingPeers = true
			case node.EventSync:
				pendingSync = true
			}
		case <-due:
			due = nil
		}
		now := time.Now()
		var wait time.Duration
		if pendingPeers {
			if d := lastPeers.Add(eventGap).Sub(now); d > 0 {
				wait = d
			} else {
				pendingPeers, lastPeers = false, now
				st.send(wire.EventPeers, p.peers())
			}
		}
		if pendingSync {
			if d := lastSync.Add(eventGap).Sub(now); d > 0 {
				if wait == 0 || d < wait {
					wait = d
				}
			} else {
				pendingSync, lastSync = false, now
				st.send(wire.EventSync, p.sync())
			}
		}
		if wait > 0 && due == nil {
			due = time.After(wait)
		}
	}
}
