package turnrelay

import (
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// sweep, every Limits.Sweep until Close, reads this machine's addresses
// again, closes the allocations of devices Config.Allowed no longer
// allows (a browser disconnected, an account unfollowed), and forgets the
// hours of bytes that are over for devices and accounts that hold no
// allocation.
func (s *Server) sweep() {
	defer s.sweeps.Done()
	t := time.NewTicker(s.limits.Sweep)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweepOnce()
		}
	}
}

func (s *Server) sweepOnce() {
	s.machine.Store(readMachineAddrs())
	now := s.cfg.Now()
	s.mu.Lock()
	byDev := map[identity.PublicKey][]*relayConn{}
	for _, rc := range s.allocs {
		byDev[rc.dev] = append(byDev[rc.dev], rc)
	}
	for dev, h := range s.spent {
		if now.Sub(h.start) >= time.Hour && s.per[dev] == 0 {
			delete(s.spent, dev)
		}
	}
	for acct, h := range s.spentAc {
		if now.Sub(h.start) >= time.Hour && s.perAcct[acct] == 0 {
			delete(s.spentAc, acct)
		}
	}
	s.mu.Unlock()
	if s.cfg.Allowed == nil {
		return
	}
	// Allowed may read the store: outside the lock. A device refused
	// twice in a row loses its allocations: once may be a browser
	// reconnecting, or a store too slow to answer in time.
	refused := map[identity.PublicKey]bool{}
	for dev, rcs := range byDev {
		if s.cfg.Allowed(dev) {
			continue
		}
		refused[dev] = true
		if !s.refused[dev] {
			continue
		}
		for _, rc := range rcs {
			s.mu.Lock()
			held := s.allocs[rc.addr] == rc
			s.mu.Unlock()
			if held {
				rc.end(&s.stats.EndedLeft, "its device, no longer connected or of the circle")
			}
		}
	}
	s.refused = refused // the sweep's own: only this goroutine reads it
}
