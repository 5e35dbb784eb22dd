package scope

import (
	"context"

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

// grow returns what the follows noted since the last recomputation add to
// prev's follow graph, or nil when something else changed (an unfollow, a
// block or unblock of this account, a device certified or revoked, a
// ledger dropped, too many edits): then the graph is built again
// (follows). A follow can only bring accounts closer, so the distances
// are relaxed from the accounts followed, breadth first by distance,
// exactly as the full walk would find them; a graph that shrinks is built
// again. It consumes the edits when it returns a growth.
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
	for _, e := range c.edits {
		d, ok := prev.accounts[e.account]
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

// FollowMark is how far a caller of FollowsSince has read one account's
// follows.
type FollowMark struct {
	ledger  *Ledger
	resets  uint64
	added   int
	certGen uint64
}

// FollowsSince tells a caller that keeps something per account followed
// (the devices whose messages it reads) what changed since mark, so that
// one more follow costs it one account, not all of them. It returns the
// account's blocks (a new map) and, when all is false, the accounts it came
// to follow since mark; when all is true (the first call, or an unfollow,
// a block or an unblock since, a device certified or revoked anywhere, the
// statements read again), every account it follows: the caller starts
// again. The account's statements are read as RelationsOf reads them.
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
	next = FollowMark{ledger: l, resets: l.resets, added: len(l.added), certGen: c.certGen}
	if mark.ledger == l && l.track && mark.resets == l.resets && mark.certGen == c.certGen && mark.added <= len(l.added) {
		return append([]identity.PublicKey(nil), l.added[mark.added:]...), blocks, next, false, nil
	}
	l.track = true
	l.EachFollow(func(a identity.PublicKey) { added = append(added, a) })
	return added, blocks, next, true, nil
}
