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
// It gets the data of entry, space, peers and sync events from entry,
// space, peers and sync, called when the event is written.
type eventPump struct {
	st      *stream
	events  <-chan node.Event // nil in setup mode
	inited  <-chan struct{}   // setup mode: closed once the account exists
	closing <-chan struct{}   // closed when the server closes
	ping    time.Duration
	entry   func(node.Event) wire.EntryEvent
	// space answers the data of a space event after an entry event, when
	// the entry is a message of a space (nil: none).
	space func(node.Event) (wire.SpaceEvent, bool)
	// decision answers the data of a decision event after an entry
	// event, when the entry is in a conversation log (nil: none).
	decision func(node.Event) (wire.ConversationChanged, bool)
	peers    func() wire.PeerList
	sync     func() wire.SyncTotals
}

// run writes events until done or closing is closed, the node closes
// events, inited is closed (after a resync event) or a write fails
// (st.err).
func (p *eventPump) run(done <-chan struct{}) {
	st := p.st
	ping := time.NewTicker(p.ping)
	defer ping.Stop()
	var peers, sync held
	// timer fires at dueAt, when the first held event may go; dueAt is
	// zero while none waits.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var dueAt time.Time
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
				if p.space != nil {
					if se, ok := p.space(ev); ok {
						st.send(wire.EventSpace, se)
					}
				}
				if p.decision != nil {
					if de, ok := p.decision(ev); ok {
						st.send(wire.EventDecision, de)
					}
				}
			case node.EventOverflow:
				st.send(wire.EventResync, wire.Resync{})
			case node.EventPeers:
				peers.pending = true
			case node.EventSync:
				sync.pending = true
			case node.EventMessage:
				st.send(wire.EventMessage, messageEvent(ev))
			case node.EventPresence:
				st.send(wire.EventPresence, struct{}{})
			case node.EventSignal:
				st.send(wire.EventSignal, signalEvent(ev))
			case node.EventRequest:
				st.send(wire.EventRequest, wire.RequestEvent{ID: ev.Request, Change: ev.RequestChange})
			}
		case <-timer.C:
			dueAt = time.Time{}
		}
		now := time.Now()
		var wait time.Duration // until the first held event may go; 0: none
		if send, d := peers.take(now); send {
			st.send(wire.EventPeers, p.peers())
		} else {
			wait = d
		}
		if send, d := sync.take(now); send {
			st.send(wire.EventSync, p.sync())
		} else if d > 0 && (wait == 0 || d < wait) {
			wait = d
		}
		if wait > 0 && (dueAt.IsZero() || now.Add(wait).Before(dueAt)) {
			dueAt = now.Add(wait)
			timer.Reset(wait)
		}
	}
}

// held is one kind of coalesced event of a stream (peers or sync): whether
// a change waits to be sent, and when the last event of the kind went.
type held struct {
	pending bool
	last    time.Time
}

// take reports whether the event goes now, eventGap or more after the
// last (then now becomes the last), and else, while a change waits, how
// long until it may go.
func (h *held) take(now time.Time) (send bool, wait time.Duration) {
	if !h.pending {
		return false, 0
	}
	if d := h.last.Add(eventGap).Sub(now); d > 0 {
		return false, d
	}
	h.pending, h.last = false, now
	return true, 0
}
