package node

import (
	"context"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/scope"
)

// maxDuePerRound bounds the authorizations the owner's loop publishes in
// one round; the rest come in the next (a flood of requests is answered
// at this pace, and each round reduces the festivals once).
const maxDuePerRound = 256

// startFestivalLoop runs, while the network runs, the owner's side of
// festival.md §3 ("The owner's node"): when festival entries arrive, it
// publishes the authorizations due under this account's automatic
// policies.
func (n *Node) startFestivalLoop(ctx context.Context, nw *network) {
	wake := make(chan struct{}, 1)
	n.fests.mu.Lock()
	n.fests.wake = wake
	n.fests.mu.Unlock()
	wake <- struct{}{} // what came while no network ran
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		defer func() {
			n.fests.mu.Lock()
			if n.fests.wake == wake {
				n.fests.wake = nil
			}
			n.fests.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-wake:
			}
			more, err := n.PublishDue(ctx)
			if err != nil {
				nw.log.Warn("festival: publish the authorizations due", "err", err)
				continue
			}
			if more {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
}

// festivalEntriesArrived drops the reduced festivals and wakes the
// owner's loop when entries of an opened festival came from a peer, and
// recomputes the scope when a device wrote its first entry in one (its
// certificate log is wanted from then on).
func (n *Node) festivalEntriesArrived(nw *network, es []*entry.Entry) {
	any, first := false, false
	unfounded := nw.scope.FestivalUnfounded()
	for _, e := range es {
		if n.isHomeLog(e.Header.LogID) {
			any = true
			continue
		}
		if e.Header.LogID == scope.FestivalFoundLog || nw.scope.FestivalLogWanted(e.Header.LogID) {
			any = true
			first = first || e.Header.Seq == 1 || (unfounded && e.Header.LogID == scope.FestivalFoundLog)
		}
	}
	if !any {
		return
	}
	n.festivalsChanged()
	if first {
		select {
		case nw.rescope <- struct{}{}:
		default:
		}
	}
}

// PublishDue publishes the authorizations this account's node is due to
// publish (festival.State.Due), at most maxDuePerRound; more reports
// whether some are left. Each names, in refs, the heads held of the
// festival's logs, the requesters' first.
func (n *Node) PublishDue(ctx context.Context) (more bool, err error) {
	st, err := n.festivalState(ctx)
	if err != nil {
		return false, err
	}
	due := st.Due(n.account)
	if len(due) > maxDuePerRound {
		due, more = due[:maxDuePerRound], true
	}
	for _, a := range due {
		// Never the same decision twice: one the reducer ignored would
		// otherwise be due again at once, for ever.
		key := dueKey{festival.RequestKey{Entry: a.Request, Resource: a.Resource}, a.Decision}
		n.fests.mu.Lock()
		if n.fests.published == nil {
			n.fests.published = map[dueKey]bool{}
		}
		again := n.fests.published[key]
		n.fests.published[key] = true
		n.fests.mu.Unlock()
		if again {
			continue
		}
		a.Refs = n.festivalRefs(ctx, a.Festival, nil)
		payload, err := festival.Encode(a)
		if err != nil {
			return false, err
		}
		if _, err := n.AppendRaw(ctx, scope.FestivalLog(a.Festival), payload); err != nil {
			return false, err
		}
	}
	if len(due) > 0 {
		n.festivalsChanged()
	}
	return more, nil
}

// dueKey is an authorization published by the owner's loop.
type dueKey struct {
	req      festival.RequestKey
	decision string
}
