package scope

import (
	"context"
	"slices"

	"github.com/kithnet/kith/internal/identity"
)

// growth is what a recomputation adds to the follow graph of the last
// snapshot when only follows were added since (grow): accounts reached or
// brought closer, their devices, and the current devices of the accounts
// newly at distance 1. Applied under Scope.graphMu, it costs what
// changed, not the accounts held: following one more account no longer
// rebuilds maps of every account followed.
type growth struct {
	dist     map[identity.PublicKey]int
	authors  []identity.PublicKey
	followed []identity.PublicKey
}

// apply grows sn's graph maps (shared with the snapshot before) by g. The
// caller holds graphMu for writing.
func (g *growth) apply(sn *snapshot) {
	for a, d := range g.dist {
		sn.accounts[a] = d
	}
	for _, k := range g.authors {
		sn.authors[k] = true
	}
}

// grow returns what the follows and certificates noted since the last
// recomputation add to prev's follow graph, or nil when something else
// changed (an unfollow, a block or unblock of this account, a device of
// this account, of an account it blocks or of one in the graph revoked, a
// certificate that makes an account's follows shrink, a ledger dropped,
// too many edits): then the graph is built again (follows). A follow can
// only bring accounts closer, so the distances are relaxed from the
// accounts followed, breadth first by distance, exactly as the full walk
// would find them; a graph that shrinks is built again. A certificate of
// an account in the graph adds its devices as authors (and as followed
// devices at distance 1) and, within the hops, what the new device's
// statements add to the account's follows; a certificate of an account
// outside the graph changes nothing. It consumes the edits when it
// returns a growth.
func (s *Scope) grow(ctx context.Context, prev *snapshot) (*growth, error) {
	c := s.rel
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirty {
		return nil, nil
	}
	// prev's maps are read without graphMu: only recomputations write
	// them, and they are serialised by s.mu.
	g := &growth{dist: map[identity.PublicKey]int{}}
	distOf := func(a identity.PublicKey) (int, bool) {
		if d, ok := g.dist[a]; ok {
			return d, true
		}
		d, ok := prev.accounts[a]
		return d, ok
	}
	hops := s.cfg.Hops
	queue := make([][]identity.PublicKey, hops+2) // by distance, 1 … hops+1
	certified := map[identity.PublicKey]bool{}
	for _, e := range c.edits {
		d, ok := prev.accounts[e.account]
		if e.cert {
			if certified[e.account] {
				if e.revoke && prev.accounts[e.account] > 0 {
					// A revocation after a certificate of the same
					// account in one batch: the first edit grew, this
					// one must not be skipped (its device was current).
					return nil, nil
				}
				continue // the first edit holds the devices the graph had
			}
			certified[e.account] = true
			more, grows, err := s.certified(ctx, prev, e, g, d, ok)
			if err != nil || !grows {
				return nil, err
			}
			if len(more) > 0 { // only for d ≤ hops
				queue[d+1] = append(queue[d+1], more...)
			}
			continue
		}
		walked := ok && d <= hops // its follows are in the graph
		switch {
		case e.block && e.account == s.cfg.Account:
			return nil, nil // this account's blocks changed
		case e.block:
			// Another account's blocks count for nothing here.
		case !walked:
			// Not in the walk: if this recomputation brings it in,
			// its whole ledger is read below.
		case !e.on:
			return nil, nil // an unfollow: the graph may shrink
		default:
			queue[d+1] = append(queue[d+1], e.subject)
		}
	}
	for dist := 1; dist <= hops+1; dist++ {
		for i := 0; i < len(queue[dist]); i++ {
			a := queue[dist][i]
			if d, seen := distOf(a); (seen && d <= dist) || prev.blocked[a] {
				continue
			}
			g.dist[a] = dist
			g.authors = append(g.authors, a)
			devs, current, err := c.devicesOf(ctx, s.st, a)
			if err != nil {
				return nil, err
			}
			for _, d := range devs {
				if !prev.blocked[d] {
					g.authors = append(g.authors, d)
				}
			}
			if dist == 1 {
				g.followed = append(g.followed, current...)
			}
			if dist <= hops && len(devs) > 0 {
				l, err := c.ledger(ctx, s.st, a, devs)
				if err != nil {
					return nil, err
				}
				l.EachFollow(func(b identity.PublicKey) { queue[dist+1] = append(queue[dist+1], b) })
			}
		}
	}
	if c.dirty {
		// A ledger read again above (its devices changed without a
		// note): what the graph holds of it may be stale.
		return nil, nil
	}
	c.edits = nil
	return g, nil
}

// certified grows g by the devices of e.account, which certified or
// revoked a device (e.cert), at distance d in prev (ok: in the graph). It
// returns the accounts to walk at distance d+1, or grows false when the
// graph must be built again. The caller holds c.mu.
func (s *Scope) certified(ctx context.Context, prev *snapshot, e edit, g *growth, d int, ok bool) (more []identity.PublicKey, grows bool, err error) {
	c := s.rel
	switch {
	case e.account == s.cfg.Account || prev.blocked[e.account]:
		return nil, false, nil // this account's devices, or the blocked ones
	case !ok:
		return nil, true, nil // outside the graph: read when it is reached
	case e.revoke || !e.had:
		// A revocation drops entries (the account's follows may shrink);
		// !had cannot happen for an account in the graph (its devices
		// are held from the walk until a certificate).
		return nil, false, nil
	}
	devs, current, err := c.devicesOf(ctx, s.st, e.account)
	if err != nil {
		return nil, false, err
	}
	for _, k := range devs {
		if !prev.blocked[k] {
			g.authors = append(g.authors, k)
		}
	}
	if d == 1 {
		for _, k := range current {
			if !slices.Contains(e.old, k) {
				g.followed = append(g.followed, k)
			}
		}
	}
	if d > s.cfg.Hops || len(devs) == 0 {
		return nil, true, nil
	}
	old, l, err := c.reread(ctx, s.st, e.account, devs)
	if err != nil {
		return nil, false, err
	}
	shrank := false
	if old != nil {
		old.EachFollow(func(b identity.PublicKey) { shrank = shrank || !l.Follows(b) })
	}
	if shrank {
		return nil, false, nil
	}
	l.EachFollow(func(b identity.PublicKey) { more = append(more, b) })
	return more, true, nil
}

// FollowMark is how far a caller of FollowsSince has read one account's
// follows.
type FollowMark struct {
	ledger  *Ledger
	resets  uint64
	added   int
	certGen uint64
	certPos uint64 // certificates noted before the mark (relCache.certs)
}

// FollowsSince tells a caller that keeps something per account followed
// (the devices whose messages it reads) what changed since mark, so that
// one more follow costs it one account, not all of them. It returns the
// account's blocks (a new map) and, when all is false, the accounts it came
// to follow since mark and the accounts it follows whose devices changed
// since (a certificate or a revocation: the caller reads their devices
// again); when all is true (the first call, or an unfollow, a block or an
// unblock since, a device of an account it blocks certified or revoked,
// more certificates than kept, the statements read again), every account
// it follows: the caller starts again. The account's statements are read
// as RelationsOf reads them.
func (s *Scope) FollowsSince(ctx context.Context, account identity.PublicKey, devices []identity.PublicKey, mark FollowMark) (added []identity.PublicKey, blocks map[identity.PublicKey]bool, next FollowMark, all bool, err error) {
	c := s.rel
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.ledger(ctx, s.st, account, devices)
	if err != nil {
		return nil, nil, FollowMark{}, false, err
	}
	blocks = make(map[identity.PublicKey]bool, len(l.kinds[1].on))
	l.EachBlock(func(a identity.PublicKey) { blocks[a] = true })
	next = FollowMark{ledger: l, resets: l.resets, added: len(l.added), certGen: c.certGen, certPos: c.certBase + uint64(len(c.certs))}
	if mark.ledger == l && l.track && mark.resets == l.resets && mark.certGen == c.certGen && mark.added <= len(l.added) && mark.certPos >= c.certBase {
		added = append([]identity.PublicKey(nil), l.added[mark.added:]...)
		certified := true
		for _, a := range c.certs[mark.certPos-c.certBase:] {
			if blocks[a] {
				certified = false // a blocked account's devices: all again
				break
			}
			if l.Follows(a) {
				added = append(added, a)
			}
		}
		if certified {
			return added, blocks, next, false, nil
		}
		added = nil
	}
	l.track = true
	l.EachFollow(func(a identity.PublicKey) { added = append(added, a) })
	return added, blocks, next, true, nil
}
