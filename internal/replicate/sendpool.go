package replicate

import "sync"

// sendPool bounds the ENTRIES bytes all the sessions of an engine queue for
// writing together (doc/protocol/sync.md, "Serving wants"). A session
// queues its first floor bytes on its own; every frame beyond them takes
// its bytes from the pool, waiting while the pool is empty, and gives them
// back once written or dropped. Safe for concurrent use.
type sendPool struct {
	floor int // bytes a session queues without the pool

	mu   sync.Mutex
	cond *sync.Cond
	free int
}

func newSendPool(total, floor int) *sendPool {
	p := &sendPool{floor: floor, free: total}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// take takes n bytes, waiting until they are free or quit() reports true
// (then it takes nothing and returns false). Whoever makes quit true must
// call wake.
func (p *sendPool) take(n int, quit func() bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.free < n {
		if quit() {
			return false
		}
		p.cond.Wait()
	}
	p.free -= n
	return true
}

// give gives n bytes back.
func (p *sendPool) give(n int) {
	if n == 0 {
		return
	}
	p.mu.Lock()
	p.free += n
	p.cond.Broadcast()
	p.mu.Unlock()
}

// wake makes waiting takers check their quit.
func (p *sendPool) wake() {
	p.mu.Lock()
	p.cond.Broadcast()
	p.mu.Unlock()
}
