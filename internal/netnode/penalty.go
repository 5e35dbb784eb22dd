package netnode

import (
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// strikeMemory is how long penalties are remembered: a peer penalised again
// within strikeMemory of its previous penalty is refused twice as long as
// the last time; after strikeMemory of good behaviour it starts afresh.
const strikeMemory = 24 * time.Hour

// penalties records which peers are refused, and until when. It lives in
// memory only: a restart forgives everyone.
type penalties struct {
	base, max time.Duration
	now       func() time.Time

	mu     sync.Mutex
	byPeer map[identity.PublicKey]*penalty
}

// penalty is one peer's record.
type penalty struct {
	strikes int       // penalties within strikeMemory of each other
	last    time.Time // when the latest penalty was given
	until   time.Time // refused before this instant
	reason  string    // the latest reason
}

func newPenalties(base, max time.Duration, now func() time.Time) *penalties {
	return &penalties{base: base, max: max, now: now, byPeer: make(map[identity.PublicKey]*penalty)}
}

// add penalises key and returns until when it is refused and how many
// strikes it has.
func (p *penalties) add(key identity.PublicKey, reason string) (until time.Time, strikes int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.forgetOld(now)
	rec, ok := p.byPeer[key]
	if !ok {
		rec = &penalty{}
		p.byPeer[key] = rec
	}
	rec.strikes++
	rec.last = now
	rec.reason = reason
	rec.until = now.Add(p.duration(rec.strikes))
	return rec.until, rec.strikes
}

// duration is the refusal for a peer's strikes-th penalty: base doubled
// strikes-1 times, capped at max.
func (p *penalties) duration(strikes int) time.Duration {
	d := p.base
	for i := 1; i < strikes && d < p.max; i++ {
		d *= 2
	}
	return min(d, p.max)
}

// refusedUntil reports whether key is refused now, and until when.
func (p *penalties) refusedUntil(key identity.PublicKey) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, ok := p.byPeer[key]
	if !ok || !p.now().Before(rec.until) {
		return time.Time{}, false
	}
	return rec.until, true
}

// forgetOld drops the records of peers whose latest penalty is older than
// strikeMemory and whose refusal is over, so the map does not grow forever.
func (p *penalties) forgetOld(now time.Time) {
	for key, rec := range p.byPeer {
		if now.Sub(rec.last) > strikeMemory && !now.Before(rec.until) {
			delete(p.byPeer, key)
		}
	}
}

// Penalize scores the peer with key down for reason: it is disconnected at
// once and refused, inbound and outbound, for PenaltyBase, doubling with
// every repeat within a day, at most PenaltyMax. Penalties are kept in
// memory only.
func (h *Host) Penalize(key identity.PublicKey, reason string) {
	if key == h.self {
		return
	}
	until, strikes := h.penalties.add(key, reason)
	h.log.Info("peer penalised", "peer", key.Device().String(), "reason", reason,
		"strikes", strikes, "refused_until", until)
	if id, err := peerIDOf(key); err == nil {
		if err := h.host.Network().ClosePeer(id); err != nil {
			h.log.Debug("disconnecting a penalised peer", "peer", key.Device().String(), "err", err)
		}
	}
}

// Refused reports whether the peer with key is refused after a penalty, and
// until when.
func (h *Host) Refused(key identity.PublicKey) (until time.Time, ok bool) {
	return h.penalties.refusedUntil(key)
}
