package api

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// The event pump runs here in a synctest bubble: its clock and timers are
// fake, so the times below are the exact times the server writes each
// event, whatever the load of the machine.

// written is one event the pump wrote: when (since the start of the run),
// its name and the state its data carries (the trigger counter of its
// kind, read when the event was written).
type written struct {
	at    time.Duration
	name  string
	state int64
}

func (w written) String() string { return fmt.Sprintf("%s %d at %v", w.name, w.state, w.at) }

// pumpWriter is the http.ResponseWriter of a pump: it keeps every write
// with the (bubble's) time it was made.
type pumpWriter struct {
	start time.Time
	mu    sync.Mutex
	out   []written
	bad   []string
}

func (w *pumpWriter) Header() http.Header { return http.Header{} }
func (w *pumpWriter) WriteHeader(int)     {}
func (w *pumpWriter) Flush()              {}

func (w *pumpWriter) Write(b []byte) (int, error) {
	at := time.Since(w.start)
	w.mu.Lock()
	defer w.mu.Unlock()
	name, data, ok := strings.Cut(strings.TrimSuffix(string(b), "\n\n"), "\ndata: ")
	name, isEvent := strings.CutPrefix(name, "event: ")
	if !ok || !isEvent {
		w.bad = append(w.bad, string(b))
		return len(b), nil
	}
	var state int64
	var err error
	switch name {
	case wire.EventPeers:
		var pl wire.PeerList
		if err = json.Unmarshal([]byte(data), &pl); err == nil && len(pl.Peers) == 1 {
			_, err = fmt.Sscanf(pl.Peers[0].Device, "dev_%d", &state)
		}
	case wire.EventSync:
		var st wire.SyncTotals
		err = json.Unmarshal([]byte(data), &st)
		state = st.EntriesReceived
	case wire.EventEntry:
		var e wire.EntryEvent
		if err = json.Unmarshal([]byte(data), &e); err == nil {
			_, err = fmt.Sscanf(e.ID, "ent_%d", &state)
		}
	default:
		err = fmt.Errorf("unexpected event")
	}
	if err != nil {
		w.bad = append(w.bad, fmt.Sprintf("%q: %v", b, err))
		return len(b), nil
	}
	w.out = append(w.out, written{at: at, name: name, state: state})
	return len(b), nil
}

// trigger is one node event given to the pump at a time since the start.
type trigger struct {
	at   time.Duration
	kind node.EventKind
}

var triggerNames = map[node.EventKind]string{
	node.EventPeers: wire.EventPeers,
	node.EventSync:  wire.EventSync,
	node.EventEntry: wire.EventEntry,
}

// runPump runs an event pump in a synctest bubble, gives it the triggers
// at their times (sorted), waits 2 s past the last and returns what it
// wrote. Before each trigger, the counter of its kind goes up by one: the
// data of a peers, sync or entry event is that counter when written.
func runPump(t *testing.T, triggers []trigger) []written {
	t.Helper()
	var out []written
	synctest.Test(t, func(t *testing.T) {
		w := &pumpWriter{start: time.Now()}
		var counters [3]atomic.Int64 // peers, sync, entry
		events := make(chan node.Event)
		done, finished := make(chan struct{}), make(chan struct{})
		p := &eventPump{
			st:      &stream{w: w, rc: http.NewResponseController(w)},
			events:  events,
			closing: make(chan struct{}),
			ping:    time.Hour,
			entry: func(node.Event) wire.EntryEvent {
				return wire.EntryEvent{ID: fmt.Sprintf("ent_%d", counters[2].Load())}
			},
			peers: func() wire.PeerList {
				return wire.PeerList{Peers: []wire.Peer{{Device: fmt.Sprintf("dev_%d", counters[0].Load())}}}
			},
			sync: func() wire.SyncTotals {
				return wire.SyncTotals{EntriesReceived: counters[1].Load()}
			},
		}
		go func() {
			defer close(finished)
			p.run(done)
		}()
		var last time.Duration
		for _, tr := range triggers {
			time.Sleep(time.Until(w.start.Add(tr.at)))
			switch tr.kind {
			case node.EventPeers:
				counters[0].Add(1)
			case node.EventSync:
				counters[1].Add(1)
			case node.EventEntry:
				counters[2].Add(1)
			}
			events <- node.Event{Kind: tr.kind}
			synctest.Wait() // the pump wrote what this trigger makes it write
			last = tr.at
		}
		time.Sleep(time.Until(w.start.Add(last + 2*time.Second)))
		synctest.Wait()
		close(done)
		<-finished
		if p.st.err != nil {
			t.Errorf("stream error %v", p.st.err)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.bad) > 0 {
			t.Errorf("writes that are no expected event: %q", w.bad)
		}
		out = w.out
	})
	return out
}

// wantSpacing fails unless two peers (or two sync) events are at least
// eventGap apart.
func wantSpacing(t *testing.T, got []written) {
	t.Helper()
	last := map[string]time.Duration{}
	for _, w := range got {
		if w.name == wire.EventEntry {
			continue
		}
		if prev, ok := last[w.name]; ok && w.at-prev < eventGap {
			t.Errorf("two %s events %v apart (at %v and %v), want at least %v", w.name, w.at-prev, prev, w.at, eventGap)
		}
		last[w.name] = w.at
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestEventPumpCoalesces(t *testing.T) {
	const peers, sync, entry = node.EventPeers, node.EventSync, node.EventEntry
	const p, s, e = wire.EventPeers, wire.EventSync, wire.EventEntry
	// many is n triggers of kind, one every step from at.
	many := func(kind node.EventKind, at, step time.Duration, n int) []trigger {
		var out []trigger
		for i := range n {
			out = append(out, trigger{at + time.Duration(i)*step, kind})
		}
		return out
	}
	tests := []struct {
		name     string
		triggers []trigger
		want     []written
	}{{
		name:     "one peers change is sent at once",
		triggers: []trigger{{ms(100), peers}},
		want:     []written{{ms(100), p, 1}},
	}, {
		name: "40 peers changes within the gap after one sent: exactly one event, at the end of the gap, with the last state",
		triggers: slices.Concat(
			[]trigger{{0, peers}},
			many(peers, ms(10), ms(10), 40), // 10 ms … 400 ms
		),
		want: []written{{0, p, 1}, {ms(500), p, 41}},
	}, {
		name: "40 sync changes within the gap after one sent: exactly one event, at the end of the gap, with the last state",
		triggers: slices.Concat(
			[]trigger{{0, sync}},
			many(sync, ms(10), ms(10), 40),
		),
		want: []written{{0, s, 1}, {ms(500), s, 41}},
	}, {
		name:     "a change every 100 ms for 2 s: one event every 500 ms",
		triggers: slices.Concat([]trigger{{0, peers}}, many(peers, ms(50), ms(100), 20)), // 0, 50 … 1950 ms
		want:     []written{{0, p, 1}, {ms(500), p, 6}, {ms(1000), p, 11}, {ms(1500), p, 16}, {ms(2000), p, 21}},
	}, {
		name:     "a change after the gap has passed is sent at once",
		triggers: []trigger{{0, peers}, {ms(499), peers}, {ms(1200), peers}},
		want:     []written{{0, p, 1}, {ms(500), p, 2}, {ms(1200), p, 3}},
	}, {
		name:     "peers and sync do not hold each other back",
		triggers: []trigger{{0, peers}, {ms(1), sync}, {ms(100), peers}, {ms(200), sync}},
		want:     []written{{0, p, 1}, {ms(1), s, 1}, {ms(500), p, 2}, {ms(501), s, 2}},
	}, {
		name: "a sync change due before a waiting peers event is sent when due",
		// peers waits until 600 ms; sync, sent at 0, is due at 500 ms.
		triggers: []trigger{{0, sync}, {ms(100), peers}, {ms(150), peers}, {ms(200), sync}},
		want:     []written{{0, s, 1}, {ms(100), p, 1}, {ms(500), s, 2}, {ms(600), p, 2}},
	}, {
		name:     "a peers change due before a waiting sync event is sent when due",
		triggers: []trigger{{0, peers}, {ms(100), sync}, {ms(150), sync}, {ms(200), peers}},
		want:     []written{{0, p, 1}, {ms(100), s, 1}, {ms(500), p, 2}, {ms(600), s, 2}},
	}, {
		name: "entry events are never held back, not even while peers wait",
		triggers: slices.Concat(
			[]trigger{{0, peers}, {ms(10), peers}},
			many(entry, ms(20), ms(20), 3),
		),
		want: []written{{0, p, 1}, {ms(20), e, 1}, {ms(40), e, 2}, {ms(60), e, 3}, {ms(500), p, 2}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runPump(t, tt.triggers)
			if !slices.Equal(got, tt.want) {
				t.Errorf("written:\n%v\nwant:\n%v", got, tt.want)
			}
			wantSpacing(t, got)
		})
	}
}

// expectWritten is what the pump must write for triggers (sorted): an
// entry event for each entry trigger, at once; for peers and for sync,
// an event at once when the last one of the kind is eventGap old or
// more, else one event when it is, carrying every change until then. ok
// is false when a trigger comes at the very instant a held-back event of
// its kind is due, where either order is right.
func expectWritten(triggers []trigger) (want []written, ok bool) {
	for kind, name := range triggerNames {
		var count int64
		var sent, due time.Duration
		var hasSent, pending bool
		flush := func(until time.Duration, inclusive bool) {
			if pending && (due < until || inclusive && due == until) {
				want = append(want, written{due, name, count})
				sent, hasSent, pending = due, true, false
			}
		}
		for _, tr := range triggers {
			if tr.kind != kind {
				continue
			}
			flush(tr.at, false)
			if pending && due == tr.at {
				return nil, false
			}
			count++
			if pending {
				continue
			}
			if kind == node.EventEntry || !hasSent || tr.at-sent >= eventGap {
				want = append(want, written{tr.at, name, count})
				sent, hasSent = tr.at, true
				continue
			}
			pending, due = true, sent+eventGap
		}
		flush(1<<62, true)
	}
	return want, true
}

// byKindAndTime orders written events by name, then time: the order of
// events of different kinds written at the same instant is not fixed.
func byKindAndTime(ws []written) []written {
	out := slices.Clone(ws)
	slices.SortStableFunc(out, func(a, b written) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return int(a.at - b.at)
	})
	return out
}

// TestEventPumpRandomSchedules: for random schedules of peers, sync and
// entry changes, the pump writes exactly what the rule (expectWritten)
// says, at exactly those times; two peers or two sync events are never
// less than eventGap apart.
func TestEventPumpRandomSchedules(t *testing.T) {
	kinds := []node.EventKind{node.EventPeers, node.EventSync, node.EventEntry}
	rng := rand.New(rand.NewPCG(11, 1))
	for i := 0; i < 40; i++ {
		var triggers []trigger
		var want []written
		for {
			triggers = triggers[:0]
			n := 1 + rng.IntN(60)
			for range n {
				at := time.Duration(rng.Int64N(int64(3 * time.Second)))
				triggers = append(triggers, trigger{at.Truncate(time.Microsecond), kinds[rng.IntN(3)]})
			}
			slices.SortStableFunc(triggers, func(a, b trigger) int { return int(a.at - b.at) })
			var ok bool
			if want, ok = expectWritten(triggers); ok {
				break
			}
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got := runPump(t, triggers)
			if g, w := byKindAndTime(got), byKindAndTime(want); !slices.Equal(g, w) {
				t.Errorf("triggers %v\nwritten:\n%v\nwant:\n%v", triggers, g, w)
			}
			wantSpacing(t, got)
		})
	}
}
