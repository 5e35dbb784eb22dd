package node

import (
	"sync"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// presenceTable is a hub's presence sessions (doc/protocol/services.md
// §7): one per device, with indexes from the keys watched to the
// sessions watching them. Everything it holds is bounded per session and
// it holds at most presenceMaxSessions of them.
type presenceTable struct {
	mu        sync.Mutex
	next      uint64 // the last session number given
	byDevice  map[identity.PublicKey]*hubSession
	byAccount map[identity.PublicKey]map[*hubSession]bool
	watchers  map[services.Key32]map[*hubSession]bool // a key -> the sessions watching it
	// events and signals count what was written to sessions: presence
	// events and messages (the metrics, metrics_hubstate.go).
	events, signals uint64
}

func newPresenceTable() *presenceTable {
	return &presenceTable{
		byDevice:  map[identity.PublicKey]*hubSession{},
		byAccount: map[identity.PublicKey]map[*hubSession]bool{},
		watchers:  map[services.Key32]map[*hubSession]bool{},
	}
}

// hubSession is one node's presence at the hub. Its fields are guarded
// by the table's mu, but for the stream, which its reader and its writer
// use.
type hubSession struct {
	device, account identity.PublicKey
	id              uint64 // the session's number
	update          uint64 // the last update told of this device
	s               netnode.Stream

	heads    []services.OwnHead
	audience map[services.Key32]bool
	watch    []services.Key32
	told     map[*hubSession]bool // watchers told this device is online

	// The frames not yet written: events, latest per device, and the
	// rest in order; inbox counts the messages among them.
	events   map[services.Key32]services.PeerEvent
	queue    []services.HubMessage
	inbox    int
	closeAft bool // close the stream once the queue is written
	ended    bool
	// wanted: the hub wants this device (follows, keeps, shares a village
	// with it, keeps its logs under a lease): when the table is full it
	// takes the place of a stranger's session (add).
	wanted bool
	wake   chan struct{}

	states, sends bucket
}

// lets reports whether w lets s learn of it: s is of w's account, or w's
// audience names s's device or account.
func (w *hubSession) lets(s *hubSession) bool {
	return w.account == s.account || w.audience[key32(s.device)] || w.audience[key32(s.account)]
}

func (s *hubSession) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// push queues m for s's writer; false when s's queue is full (the caller
// ends s).
func (s *hubSession) push(m services.HubMessage) bool {
	if s.ended {
		return true
	}
	if len(s.queue) >= presenceMaxQueue {
		return false
	}
	s.queue = append(s.queue, m)
	s.poke()
	return true
}

// tell queues, for watcher s, an event of w: the latest replaces one not
// yet written.
func (s *hubSession) tell(ev services.PeerEvent) {
	if s.ended {
		return
	}
	s.events[ev.Device] = ev
	s.poke()
}

// event makes w's next event: online with its heads, or gone.
func (w *hubSession) event(online bool) services.PeerEvent {
	w.update++
	ev := services.PeerEvent{Device: key32(w.device), Account: key32(w.account), Session: w.id, Update: w.update, Online: online, Heads: []services.OwnHead{}}
	if online {
		ev.Heads = w.heads
	}
	return ev
}

// sessionsOf returns the sessions whose device or account is k.
func (t *presenceTable) sessionsOf(k services.Key32) []*hubSession {
	var out []*hubSession
	if s, ok := t.byDevice[identity.PublicKey(k)]; ok {
		out = append(out, s)
	}
	for s := range t.byAccount[identity.PublicKey(k)] {
		if s.device != identity.PublicKey(k) {
			out = append(out, s)
		}
	}
	return out
}

// add welcomes a new session: it ends the device's older one, if any, and
// returns that; full when the table holds presenceMaxSessions already.
func (t *presenceTable) add(s *hubSession) (old, evicted *hubSession, full bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old = t.byDevice[s.device]
	if old == nil && len(t.byDevice) >= presenceMaxSessions {
		// Full: a device the hub wants takes the place of the oldest
		// session of one it does not want, so that fresh keys, which cost
		// nothing, cannot keep the hub's own people out.
		if !s.wanted {
			return nil, nil, true
		}
		for _, x := range t.byDevice {
			if !x.wanted && (evicted == nil || x.id < evicted.id) {
				evicted = x
			}
		}
		if evicted == nil {
			return nil, nil, true
		}
		t.removeLocked(evicted)
	}
	if old != nil {
		t.removeLocked(old)
	}
	t.next++
	s.id = t.next
	t.byDevice[s.device] = s
	if t.byAccount[s.account] == nil {
		t.byAccount[s.account] = map[*hubSession]bool{}
	}
	t.byAccount[s.account][s] = true
	return old, evicted, false
}

// setState takes s's new state: it tells the watchers s lets learn of it
// that it is online with these heads, and those it no longer lets that it
// is gone; and, as a watcher, tells s of the devices it now watches and
// may learn of, and that those it stopped watching are gone.
func (t *presenceTable) setState(s *hubSession, st services.PresenceState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s.ended {
		return
	}
	s.heads = st.Heads
	s.audience = make(map[services.Key32]bool, len(st.Audience))
	for _, k := range st.Audience {
		s.audience[k] = true
	}
	// s as a watcher.
	for _, k := range s.watch {
		delete(t.watchers[k], s)
		if len(t.watchers[k]) == 0 {
			delete(t.watchers, k)
		}
	}
	s.watch = st.Watch
	for _, k := range s.watch {
		if t.watchers[k] == nil {
			t.watchers[k] = map[*hubSession]bool{}
		}
		t.watchers[k][s] = true
	}
	seen := map[*hubSession]bool{}
	for _, k := range s.watch {
		for _, w := range t.sessionsOf(k) {
			if w != s && !seen[w] {
				seen[w] = true
				if w.lets(s) && !w.told[s] {
					w.told[s] = true
					s.tell(w.event(true))
				}
			}
		}
	}
	for _, w := range t.byDevice {
		if w.told[s] && !seen[w] {
			delete(w.told, s)
			s.tell(w.event(false))
		}
	}
	// s as a device watched.
	t.tellWatchers(s)
}

// tellWatchers tells s's watchers of its latest state (mu held).
func (t *presenceTable) tellWatchers(s *hubSession) {
	now := map[*hubSession]bool{}
	for _, k := range []services.Key32{key32(s.device), key32(s.account)} {
		for x := range t.watchers[k] {
			if x != s && s.lets(x) {
				now[x] = true
			}
		}
	}
	if len(now) > 0 {
		ev := s.event(true)
		for x := range now {
			x.tell(ev)
		}
	}
	var gone []*hubSession
	for x := range s.told {
		if !now[x] {
			gone = append(gone, x)
		}
	}
	if len(gone) > 0 {
		ev := s.event(false)
		for _, x := range gone {
			x.tell(ev)
		}
	}
	s.told = now
}

// remove ends s (its stream broke, or it was refused or replaced) and
// tells its watchers it is gone; a newer session of its device outranks
// that event with its own.
func (t *presenceTable) remove(s *hubSession) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removeLocked(s)
}

func (t *presenceTable) removeLocked(s *hubSession) {
	if s.ended {
		return
	}
	if len(s.told) > 0 {
		ev := s.event(false)
		for x := range s.told {
			x.tell(ev)
		}
	}
	s.ended = true
	s.poke()
	if t.byDevice[s.device] == s {
		delete(t.byDevice, s.device)
	}
	delete(t.byAccount[s.account], s)
	if len(t.byAccount[s.account]) == 0 {
		delete(t.byAccount, s.account)
	}
	for _, k := range s.watch {
		delete(t.watchers[k], s)
		if len(t.watchers[k]) == 0 {
			delete(t.watchers, k)
		}
		for _, w := range t.sessionsOf(k) {
			delete(w.told, s)
		}
	}
	s.told = nil
}

// send hands a message from s to the device to, if it is connected with
// a session that lets s learn of it, and says what became of it.
func (t *presenceTable) send(s *hubSession, m services.PresenceSend) services.SendResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	res := services.SendResult{MsgID: m.MsgID}
	r := t.byDevice[identity.PublicKey(m.To)]
	switch {
	case r == nil || r == s || !r.lets(s):
		res.Code, res.Reason = services.RefuseUnreachable, "the recipient is not connected to this hub, or takes no messages from you"
	case r.inbox >= presenceMaxInbox:
		res.Code, res.Reason = services.RefuseBusy, "the recipient has not taken the messages before yours yet; send again later"
	default:
		if r.push(services.HubMessage{Message: &services.Signal{From: key32(s.device), FromAccount: key32(s.account), Text: m.Text}}) {
			r.inbox++
			t.signals++
		} else {
			res.Code, res.Reason = services.RefuseBusy, "the recipient is not taking what the hub writes; send again later"
		}
	}
	return res
}

// take returns the frames to write to s next and whether s ended (then
// nothing is to be written but what closeAft asks).
func (t *presenceTable) take(s *hubSession) (out []services.HubMessage, ended, closeAfter bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out = append(out, s.queue...)
	for _, m := range s.queue {
		if m.Message != nil {
			s.inbox--
		}
	}
	s.queue = s.queue[:0]
	t.events += uint64(len(s.events))
	for k, ev := range s.events {
		ev := ev
		out = append(out, services.HubMessage{Peer: &ev})
		delete(s.events, k)
	}
	return out, s.ended, s.closeAft
}

// count returns how many sessions the table holds.
func (t *presenceTable) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byDevice)
}
