package node

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// EventEntry: an entry was newly stored (Entry, Local).
	EventEntry EventKind = iota + 1
	// EventPeers: a peer connected or left, a sync session changed phase,
	// the network started or stopped, or the copy book changed (Status's
	// Copies); ask Peers for the list.
	EventPeers
	// EventSync: the sync totals changed; ask SyncTotals.
	EventSync
	// EventOverflow: the subscriber did not keep up and events were
	// dropped; whatever it derived from events must be reloaded. No other
	// event comes before the subscriber has received this one.
	EventOverflow
	// EventMessage: a private message of a conversation this device holds
	// arrived or was written here (Entry, Conversation, Local; message.go).
	EventMessage
	// EventPresence: a device watched came online at a hub, changed its
	// heads or went; ask Online (presence.go).
	EventPresence
	// EventSignal: a short message came through a hub (Signal;
	// presence.go).
	EventSignal
	// EventRequest: a request (a letter from a dropbox) was collected,
	// answered, accepted or ignored (Request, RequestChange;
	// dropboxrequests.go).
	EventRequest
)

// String returns the kind's name: entry, peers, sync or overflow.
func (k EventKind) String() string {
	switch k {
	case EventEntry:
		return "entry"
	case EventPeers:
		return "peers"
	case EventSync:
		return "sync"
	case EventOverflow:
		return "overflow"
	case EventMessage:
		return "message"
	case EventPresence:
		return "presence"
	case EventSignal:
		return "signal"
	case EventRequest:
		return "request"
	}
	return "unknown"
}

// Event is something that happened in the node, as Subscribe delivers it.
type Event struct {
	Kind EventKind
	// Entry is the stored entry (EventEntry). Its payload is nil when the
	// store did not take one.
	Entry *entry.Entry
	// Local: the entry was stored by this node itself (published or
	// imported from a bundle), not received from a peer (EventEntry).
	Local bool
	// Conversation is the conversation's id (EventMessage).
	Conversation [32]byte
	// Signal is the message that came (EventSignal).
	Signal *Signal
	// Request is the request's id and RequestChange what became of it:
	// "new", "answered", "accepted" or "ignored" (EventRequest).
	Request, RequestChange string
}

// sessionPoll is how often the node looks at its sync sessions for changes
// the replication engine does not announce (progress counters), and the
// least time between two peers or sync events it emits.
const sessionPoll = 500 * time.Millisecond

// events hands the node's events to its subscribers. It never blocks: a
// subscriber whose buffer is full gets EventOverflow in a slot kept for it,
// and nothing more until it has taken that.
type events struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	ch         chan Event // capacity: buffer + 1, the last slot for EventOverflow
	overflowed bool       // EventOverflow is queued and not taken yet
}

// Subscribe returns a channel of the node's events and a function that
// ends the subscription (and closes the channel; calling it again does
// nothing). buffer (at least 1) is how many events may wait for the
// subscriber; when it does not keep up, the events that do not fit are
// dropped and it gets one EventOverflow. The channel is closed when the
// node closes. Events come from the goroutines that store entries and run
// the network: the node never waits for a subscriber.
func (n *Node) Subscribe(buffer int) (<-chan Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	ev := &n.events
	s := &subscriber{ch: make(chan Event, buffer+1)}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.closed {
		close(s.ch)
		return s.ch, func() {}
	}
	if ev.subs == nil {
		ev.subs = map[*subscriber]struct{}{}
	}
	ev.subs[s] = struct{}{}
	return s.ch, func() {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		if _, ok := ev.subs[s]; ok {
			delete(ev.subs, s)
			close(s.ch)
		}
	}
}

// emit hands e to every subscriber without waiting.
func (ev *events) emit(e Event) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for s := range ev.subs {
		// Only emit sends, under mu, so len(s.ch) only shrinks meanwhile
		// and the sends below never block.
		if s.overflowed {
			if len(s.ch) > 0 {
				continue // the subscriber has not reached EventOverflow yet
			}
			s.overflowed = false
		}
		if len(s.ch) < cap(s.ch)-1 {
			s.ch <- e
			continue
		}
		s.ch <- Event{Kind: EventOverflow}
		s.overflowed = true
	}
}

// close ends every subscription; later ones get a closed channel.
func (ev *events) close() {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.closed = true
	for s := range ev.subs {
		close(s.ch)
	}
	ev.subs = nil
}

// emitEntries reports stored entries.
func (n *Node) emitEntries(es []*entry.Entry, local bool) {
	for _, e := range es {
		n.events.emit(Event{Kind: EventEntry, Entry: e, Local: local})
	}
}

// addedOf returns the entries of a batch that the store newly added.
func addedOf(es []*entry.Entry, res []store.Result) []*entry.Entry {
	added := make([]*entry.Entry, 0, len(es))
	for i, e := range es {
		if i < len(res) && res[i].Outcome == store.Added {
			added = append(added, e)
		}
	}
	return added
}

// SyncTotals sums the running sync sessions; zero when the network does
// not run.
func (n *Node) SyncTotals() SyncTotals {
	nw := n.net.Load()
	if nw == nil {
		return SyncTotals{}
	}
	return syncTotalsOf(nw.engine.Sessions())
}

func syncTotalsOf(ss []replicate.SessionState) SyncTotals {
	var t SyncTotals
	for _, s := range ss {
		t.Sessions++
		if s.CaughtUp {
			t.CaughtUp++
		}
		t.EntriesExpected += s.EntriesExpected
		t.EntriesReceived += s.EntriesReceived
		t.EntriesSent += s.EntriesSent
	}
	return t
}

// phasesOf names each session's peer and phase, in a comparable form.
func phasesOf(ss []replicate.SessionState) string {
	parts := make([]string, 0, len(ss))
	for _, s := range ss {
		parts = append(parts, s.Peer.Device().String()+"="+s.Phase)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// watchSessions emits EventPeers when a sync session starts, ends or
// changes phase, and EventSync when the sync totals change, at most once
// per sessionPoll each, until the network stops.
func (n *Node) watchSessions(nw *network) {
	var lastPhases string
	var lastTotals SyncTotals
	differs := func(ss []replicate.SessionState) bool {
		return phasesOf(ss) != lastPhases || syncTotalsOf(ss) != lastTotals
	}
	for {
		ctx, cancel := context.WithTimeout(nw.ctx, sessionPoll)
		ss, _ := nw.engine.WaitFor(ctx, differs)
		cancel()
		if nw.ctx.Err() != nil {
			return
		}
		if p := phasesOf(ss); p != lastPhases {
			lastPhases = p
			n.events.emit(Event{Kind: EventPeers})
		}
		if t := syncTotalsOf(ss); t != lastTotals {
			lastTotals = t
			n.events.emit(Event{Kind: EventSync})
		}
		select {
		case <-nw.ctx.Done():
			return
		case <-time.After(sessionPoll):
		}
	}
}
