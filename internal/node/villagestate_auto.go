package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/village"
)

// A local's node publishes its village.state by itself when its view of
// the village changes (seed 000: every state change is signed;
// village.md §4 "Publishing"), coalescing bursts: it waits until no
// change came for StateQuiet, and never longer than StateMaxDelay after
// the first change it has not published. A burst of changes that lasts
// less than StateMaxDelay gives one state; one that lasts longer, one
// more per StateMaxDelay.
const (
	StateQuiet    = 2 * time.Second
	StateMaxDelay = 30 * time.Second
)

// statePublisher is the node's automatic state publishing. Changes bump
// gen; the loop publishes once gen has stayed put for StateQuiet (or
// StateMaxDelay passed), so a timer that fires after further changes only
// starts another wait.
type statePublisher struct {
	mu   sync.Mutex
	gen  uint64
	due  map[entry.ID]bool // villages whose view changed since their last state
	wake chan struct{}
	// after is time.After; tests replace it.
	after func(time.Duration) <-chan time.Time
	// published counts the states the loop appended, for tests.
	published int
}

func (p *statePublisher) init() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.wake == nil {
		p.wake = make(chan struct{}, 1)
		p.due = map[entry.ID]bool{}
	}
	if p.after == nil {
		p.after = time.After
	}
}

// changesView reports whether e can change a local's components in its
// village (village.md §4): a village entry other than a state (another
// local's state changes only the locals state, which the node does not
// publish for, else two locals would answer each other's states forever)
// and other than a request (no component depends on requests).
func changesView(e *entry.Entry) (entry.ID, bool) {
	if e.Payload == nil {
		return entry.ID{}, false
	}
	typ, err := content.PeekType(e.Payload)
	if err != nil || !village.IsVillageType(typ) || typ == village.TypeState || typ == village.TypeRequest {
		return entry.ID{}, false
	}
	if typ == village.TypeFound {
		return e.ID, true
	}
	return entry.ID(e.Header.LogID), true
}

// stateChanged notes the villages whose view the stored entries change.
func (n *Node) stateChanged(es []*entry.Entry) {
	p := &n.states
	p.init()
	p.mu.Lock()
	changed := false
	for _, e := range es {
		if id, ok := changesView(e); ok {
			p.due[id] = true
			changed = true
		}
	}
	if changed {
		p.gen++
	}
	p.mu.Unlock()
	if changed {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
}

// stateLoop publishes the due states, coalesced (see StateQuiet).
func (n *Node) stateLoop(ctx context.Context, nw *network) {
	p := &n.states
	p.init()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		}
		maxC := p.after(StateMaxDelay)
	wait:
		for {
			p.mu.Lock()
			gen := p.gen
			p.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-maxC:
				break wait
			case <-p.after(StateQuiet):
				p.mu.Lock()
				still := p.gen == gen
				p.mu.Unlock()
				if still {
					break wait
				}
			}
		}
		// Changes from here on are the next round's.
		select {
		case <-p.wake:
		default:
		}
		p.mu.Lock()
		due := p.due
		p.due = map[entry.ID]bool{}
		p.mu.Unlock()
		for id := range due {
			if err := n.publishIfChanged(ctx, id); err != nil && ctx.Err() == nil {
				nw.log.Warn("publish the village state", "village", id.String(), "err", err)
			}
		}
	}
}

// publishIfChanged publishes this device's state in the village if it is
// a current local there and its view (userspec, locals, strangers list
// and strangers state) differs from its latest state's.
func (n *Node) publishIfChanged(ctx context.Context, id entry.ID) error {
	st, err := n.Village(ctx, id)
	if errors.Is(err, ErrNoVillage) {
		return nil
	}
	if err != nil {
		return err
	}
	self := n.account
	if l := st.Local(self); !st.Founded || l == nil || l.Status != village.Member || !st.Current(n.device.Public()) {
		return nil
	}
	if last := n.lastState(ctx, id); last != nil {
		now, err := st.Components(self, last.Commitment())
		if err == nil && sameView(now, last.Components) {
			return nil
		}
	}
	if _, _, err := n.PublishState(ctx, id); err != nil {
		return err
	}
	n.states.mu.Lock()
	n.states.published++
	n.states.mu.Unlock()
	return nil
}

// sameView compares the components a local's view fixes: all but the
// previous state and the other locals' states.
func sameView(a, b village.Components) bool {
	return a.Userspec == b.Userspec && a.Locals == b.Locals && a.Strangers == b.Strangers && a.StrangersState == b.StrangersState
}

// lastState returns this device's latest village.state payload in the
// village, nil when none is held.
func (n *Node) lastState(ctx context.Context, id entry.ID) *village.StatePayload {
	_, es, err := n.villageEntries(ctx, id)
	if err != nil {
		return nil
	}
	var last *village.StatePayload
	var seq uint64
	self := n.device.Public()
	for _, e := range es {
		if e.Header.Author != self || e.Header.LogID != entry.LogID(id) || e.Header.Seq < seq {
			continue
		}
		if sp, ok := decodeVillage(e.Payload).(*village.StatePayload); ok {
			last, seq = sp, e.Header.Seq
		}
	}
	return last
}
