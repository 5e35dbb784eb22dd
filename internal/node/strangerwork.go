package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/village"
)

// The budgets for strangers' work (doc/network.md, "Strangers' work"):
// the sync sessions of peers the node does not want (neither in its scope
// nor kept), whatever their identities, share one budget of
// DefaultStrangerWork units a second, a unit a session; their village
// requests share another of the same rate, one unit and a quarter unit per
// entry a stream. Two budgets, so that a flood of requests does not keep a
// stranger's sync waiting, nor the reverse.
const (
	// DefaultStrangerWork is the default rate, in units a second.
	DefaultStrangerWork = 20
	// strangerWorkWaiting is the most requests that wait at once.
	strangerWorkWaiting = 64
	// strangerWorkWait is the longest a request waits before it is refused.
	strangerWorkWait = 10 * time.Second
	// syncSessionCost is a sync session's cost in units.
	syncSessionCost = 1
)

// villageRequestCost is the cost of a village request stream of n
// entries: reading, verifying and storing them, and keeping the budget
// for unlisted strangers, took about nine sync sessions' CPU for 32
// entries in bench/hostile.
func villageRequestCost(n int) float64 { return 1 + float64(n)/4 }

// errBusy refuses a stranger's work for want of budget. It is not
// misbehaviour: the peer may try again.
var errBusy = errors.New("this node's budget for strangers' work is spent: try again in a few seconds")

// strangerWork is the node-wide budget for strangers' work: a workBudget
// with a clock, a timer that admits waiters as tokens come, and a bound on
// how long one waits.
type strangerWork struct {
	maxWait time.Duration

	mu    sync.Mutex
	b     *workBudget
	armed bool // a release is scheduled

	onRefused func(peer identity.PublicKey, err error) // logs a refusal (metrics_services.go); set before use
}

// newStrangerWork returns a budget of rate units a second that holds at
// most burst.
func newStrangerWork(rate, burst float64) *strangerWork {
	if rate <= 0 {
		rate = DefaultStrangerWork
	}
	burst = max(rate, burst)
	return &strangerWork{maxWait: strangerWorkWait, b: newWorkBudget(rate, burst, strangerWorkWaiting, time.Now())}
}

// take waits until cost units of the budget are peer's: nil then, errBusy
// when the queue is full or the wait too long, or ctx's error.
func (g *strangerWork) take(ctx context.Context, peer identity.PublicKey, cost float64) (err error) {
	defer func() {
		if errors.Is(err, errBusy) && g.onRefused != nil {
			g.onRefused(peer, err)
		}
	}()
	g.mu.Lock()
	w, err := g.b.request(time.Now(), peer, cost)
	if w == nil || err != nil {
		g.mu.Unlock()
		return err
	}
	g.scheduleLocked(time.Now())
	g.mu.Unlock()
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
	case <-t.C:
	}
	g.mu.Lock()
	g.b.cancel(time.Now(), w)
	g.mu.Unlock()
	<-w.done // closed by cancel, or by a release just before it
	if w.err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return w.err
}

// scheduleLocked admits who can be admitted now and arms a timer for the
// next. g.mu is held.
func (g *strangerWork) scheduleLocked(now time.Time) {
	if g.armed {
		return
	}
	if d := g.b.release(now); d > 0 {
		g.armed = true
		time.AfterFunc(d, func() {
			g.mu.Lock()
			g.armed = false
			g.scheduleLocked(time.Now())
			g.mu.Unlock()
		})
	}
}

// stats reports the budget's use.
func (g *strangerWork) stats() StrangerWorkStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.b.usage()
}

// strangerTurn waits for cost units of budget g when the network does not
// want peer; a wanted peer (followed, kept, a village's local, one of this
// account's devices) never waits.
func (nw *network) strangerTurn(ctx context.Context, g *strangerWork, peer identity.PublicKey, cost float64) error {
	if nw.host.Wants(peer) {
		return nil
	}
	return g.take(ctx, peer, cost)
}

// refuseSync closes a sync stream refused for want of budget with BYE code
// 9, busy (doc/protocol/sync.md), which tells the peer why and that it may
// try again.
func refuseSync(s netnode.Stream, why error) {
	_ = s.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = s.Write(replicate.AppendFrame(nil, &replicate.Bye{Code: replicate.CodeBusy, Text: why.Error()}))
	_ = s.Close()
}

// maxVillageRequests is the most entries a village request stream carries
// (village.MaxRequests): the request budget's burst covers one such stream.
const maxVillageRequests = village.MaxRequests

// openSession opens a sync stream to peer, as the initiator, once the node
// may offer it anything. For a peer the node wants it learns the peer's
// account, then opens the stream. For a stranger it opens the stream
// first, so that a peer that takes no sync session (an idle connection of
// a flood) costs neither the budget nor a certificate exchange; then it
// waits for the stranger's turn in the sessions' budget (a refusal closes
// the stream with BYE 9, busy), then learns the account. giveUp: the peer
// is blocked, or its account cannot be known; the loop stops.
func (n *Node) openSession(nw *network, peer identity.PublicKey) (s netnode.Stream, giveUp bool, err error) {
	open := func() (netnode.Stream, error) {
		octx, cancel := context.WithTimeout(nw.ctx, 10*time.Second)
		defer cancel()
		return nw.host.Open(octx, peer, SyncProtocol)
	}
	account := func() bool {
		if _, err := n.peerAccount(nw.ctx, nw, peer); errors.Is(err, errBlockedPeer) {
			return false
		} else if err != nil {
			nw.log.Info("no sync session with peer", "peer", peer.Device(), "err", err)
			return false
		}
		return true
	}
	if nw.host.Wants(peer) {
		if !account() {
			return nil, true, nil
		}
		s, err := open()
		return s, false, err
	}
	if s, err = open(); err != nil {
		return nil, false, err
	}
	if err := nw.strangerSessions.take(nw.ctx, peer, syncSessionCost); err != nil {
		nw.log.Debug("no sync session with a stranger now", "peer", peer.Device(), "err", err)
		refuseSync(s, err)
		return nil, false, err
	}
	if !account() {
		_ = s.Reset()
		return nil, true, nil
	}
	return s, false, nil
}
