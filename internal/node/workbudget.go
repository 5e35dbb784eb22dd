package node

import (
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// workBudget is the pure state of the node-wide budget for strangers'
// work (doc/network.md, "Strangers' work"): a token bucket of rate units a
// second holding at most burst, and a first-come first-served queue of at
// most maxWaiting requests for it. It has no clock and no goroutines: the
// caller passes the time and wakes the waiters it is given.
//
// A request that finds the queue full is refused, unless its peer is
// returning (refused within returnAfterRefusal): then the newest waiter
// that is not returning is refused in its place. Honest peers retry with
// the key they were refused under; an attacker that rotates identities
// gets no such turn, and one that reuses its keys is back to the plain
// race among returning peers.
type workBudget struct {
	rate       float64 // units a second
	burst      float64
	maxWaiting int

	tokens    float64
	last      time.Time // when tokens was last refilled
	queue     []*workWaiter
	refusedAt map[identity.PublicKey]time.Time
	stats     StrangerWorkStats
}

// workWaiter is one request waiting in the queue; done is closed (after
// err is set) when it is admitted or refused.
type workWaiter struct {
	peer      identity.PublicKey
	cost      float64
	returning bool
	since     time.Time
	err       error
	done      chan struct{}
}

// returnAfterRefusal is how long a peer refused for want of budget counts
// as returning.
const returnAfterRefusal = time.Minute

// maxRefusedRemembered bounds the refused peers remembered.
const maxRefusedRemembered = 4096

// StrangerWorkStats describes the budget for strangers' work.
type StrangerWorkStats struct {
	Rate       float64 // units a second (a sync session is 1)
	Waiting    int     // requests waiting now
	MaxWaiting int     // the most that may wait
	Admitted   int64   // requests admitted, at once or after waiting
	Waited     int64   // of those, admitted after waiting
	Refused    int64   // refused: the queue was full, or they waited too long
	Evicted    int64   // of those, refused to make room for a returning peer
	Full       int64   // requests that came when the queue was full (refused, or a returning peer that took a waiter's place)
}

func newWorkBudget(rate float64, burst float64, maxWaiting int, now time.Time) *workBudget {
	return &workBudget{rate: rate, burst: burst, maxWaiting: maxWaiting, tokens: burst, last: now, refusedAt: map[identity.PublicKey]time.Time{}}
}

// refill adds the tokens earned since the last refill.
func (b *workBudget) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// request asks for cost units for peer at now. It returns (nil, nil) when
// the work may start at once, a waiter to wait on when it must queue, or
// errBusy when it is refused. A waiter refused to make room for a
// returning peer has its done closed here.
func (b *workBudget) request(now time.Time, peer identity.PublicKey, cost float64) (w *workWaiter, err error) {
	cost = min(cost, b.burst)
	b.refill(now)
	if len(b.queue) == 0 && b.tokens >= cost {
		b.tokens -= cost
		b.stats.Admitted++
		delete(b.refusedAt, peer)
		return nil, nil
	}
	returning := false
	if at, ok := b.refusedAt[peer]; ok && now.Sub(at) < returnAfterRefusal {
		returning = true
	}
	if len(b.queue) >= b.maxWaiting {
		b.stats.Full++
		victim := -1
		if returning {
			for i := len(b.queue) - 1; i >= 0; i-- {
				if !b.queue[i].returning {
					victim = i
					break
				}
			}
		}
		if victim < 0 {
			b.refuse(now, peer)
			return nil, errBusy
		}
		v := b.queue[victim]
		b.queue = append(b.queue[:victim], b.queue[victim+1:]...)
		b.stats.Evicted++
		b.finish(now, v, errBusy)
	}
	w = &workWaiter{peer: peer, cost: cost, returning: returning, since: now, done: make(chan struct{})}
	b.queue = append(b.queue, w)
	return w, nil
}

// release admits the waiters at the head of the queue that the tokens
// cover, and returns how long until the next one can be, or 0 when none
// waits.
func (b *workBudget) release(now time.Time) time.Duration {
	b.refill(now)
	for len(b.queue) > 0 && b.tokens >= b.queue[0].cost {
		w := b.queue[0]
		b.queue = b.queue[1:]
		b.tokens -= w.cost
		b.stats.Admitted++
		b.stats.Waited++
		delete(b.refusedAt, w.peer)
		w.err = nil
		close(w.done)
	}
	if len(b.queue) == 0 {
		return 0
	}
	need := b.queue[0].cost - b.tokens
	return max(time.Millisecond, time.Duration(need/b.rate*float64(time.Second)))
}

// cancel takes w out of the queue (it gave up waiting) and refuses it;
// false when it was admitted or refused already.
func (b *workBudget) cancel(now time.Time, w *workWaiter) bool {
	for i, q := range b.queue {
		if q == w {
			b.queue = append(b.queue[:i], b.queue[i+1:]...)
			b.finish(now, w, errBusy)
			return true
		}
	}
	return false
}

// finish refuses a waiter taken out of the queue.
func (b *workBudget) finish(now time.Time, w *workWaiter, err error) {
	b.refuse(now, w.peer)
	w.err = err
	close(w.done)
}

// refuse counts a refusal of peer and remembers it as returning.
func (b *workBudget) refuse(now time.Time, peer identity.PublicKey) {
	b.stats.Refused++
	if _, ok := b.refusedAt[peer]; !ok && len(b.refusedAt) >= maxRefusedRemembered {
		for p, at := range b.refusedAt {
			if now.Sub(at) >= returnAfterRefusal {
				delete(b.refusedAt, p)
			}
		}
		if len(b.refusedAt) >= maxRefusedRemembered {
			return
		}
	}
	b.refusedAt[peer] = now
}

// usage returns the statistics.
func (b *workBudget) usage() StrangerWorkStats {
	s := b.stats
	s.Rate, s.Waiting, s.MaxWaiting = b.rate, len(b.queue), b.maxWaiting
	return s
}
