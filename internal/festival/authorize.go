package festival

import (
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// authorize applies an owner's authorization (festival.md §3,
// "Authorizations").
func (r *reducer) authorize(id entry.ID, who identity.PublicKey, p *Authorize) string {
	s := r.s
	q := s.Requests[RequestKey{p.Request, p.Resource}]
	if q == nil {
		return fmt.Sprintf("the request %s for resource %s is not held here", short(p.Request), short(p.Resource))
	}
	res := s.Resources[p.Resource]
	if res == nil {
		return fmt.Sprintf("the resource %s is not held here", short(p.Resource))
	}
	if ev := s.Events[q.Event]; ev.Festival != p.Festival {
		return fmt.Sprintf("the request belongs to festival %s, not %s", short(ev.Festival), short(p.Festival))
	}
	if who != res.Owner {
		return fmt.Sprintf("its author is not the owner of %q; only the owner decides", res.Payload.Name)
	}
	if p.Policy != res.Payload.Policy {
		return fmt.Sprintf("it names the policy %q; the policy of %q is %q", p.Policy, res.Payload.Name, res.Payload.Policy)
	}
	if q.Status == StatusWithdrawn {
		return "the request was withdrawn: " + q.Reason
	}
	grant := p.Decision == DecisionGrant
	if !q.ByOwner {
		if grant != (q.Status == StatusGranted) {
			if !grant || !q.conflicted {
				return fmt.Sprintf("it contradicts the policy %s: the request was %s: %s", res.Payload.Policy, q.Status, q.Reason)
			}
			if why := r.anchor(id, res, q); why != "" {
				return why
			}
		}
		q.Confirmed, q.confirmedAs = id, q.Status
		return ""
	}
	if grant {
		if q.Status != StatusGranted {
			if !available(res.Payload.Windows, q.Window) {
				return "it contradicts the resource's availability: " + availability(res.Payload.Windows)
			}
			if hs := res.holdsIn(q.Window); len(hs) > 0 {
				return "it contradicts the resource's holds: " + r.conflict(res, hs[0]) + "; deny that request first"
			}
			r.grant(res, q, "granted by the owner")
		}
	} else {
		if q.Status == StatusGranted {
			res.removeHold(Hold{Window: q.Window, Request: q.Key, Requester: q.Requester})
		}
		q.Status, q.Reason = StatusDenied, "denied by the owner"
		if p.Reason != "" {
			q.Reason += ": " + p.Reason
		}
	}
	// The owner's call, not a lost race, decides it now.
	q.LostTo = RequestKey{}
	q.Confirmed, q.confirmedAs = id, q.Status
	return ""
}

// anchor applies an owner's grant, under an automatic policy, of request
// q that was denied because a concurrent request came first in the causal
// order: the owner had confirmed q before the holders reached them, so q
// came first for the owner, the single source of truth. The holders lose
// the window, unless one is confirmed or the owner had seen it (then the
// grant contradicts first come), or the policy would not grant q without
// them.
func (r *reducer) anchor(id entry.ID, res *ResourceState, q *RequestState) string {
	hs := res.holdsIn(q.Window)
	floor := int32(len(r.es))
	for _, h := range hs {
		floor = min(floor, r.pos[r.at[h.Request.Entry]])
	}
	// One search of the authorization's past, however many holders.
	mark := r.markPast(id, floor)
	for _, h := range hs {
		hq := r.s.Requests[h.Request]
		if !hq.Confirmed.IsZero() || r.seen[r.at[h.Request.Entry]] == mark {
			return fmt.Sprintf("it contradicts the policy %s: the request was %s: %s", res.Payload.Policy, q.Status, q.Reason)
		}
	}
	for _, h := range hs {
		res.removeHold(h)
	}
	if d := res.policy.Decide(View{Resource: res}, q); !d.Decided || !d.Grant {
		for _, h := range hs {
			res.addHold(h)
		}
		return fmt.Sprintf("it contradicts the policy %s: without the concurrent requests it would deny: %s", res.Payload.Policy, d.Reason)
	}
	name := short(q.Event)
	if ev := r.s.Events[q.Event]; ev != nil {
		name = fmt.Sprintf("%q", ev.Payload.Name)
	}
	for _, h := range hs {
		hq := r.s.Requests[h.Request]
		hq.Status, hq.conflicted, hq.LostTo = StatusDenied, true, q.Key
		hq.Reason = fmt.Sprintf("the owner confirmed %s for %s before this request reached them", name, q.Window)
	}
	r.grant(res, q, "")
	return ""
}

// withdraw applies a withdrawal (festival.md §3, "Withdrawals").
func (r *reducer) withdraw(id entry.ID, who identity.PublicKey, p *Withdraw) string {
	s := r.s
	t := p.Target
	var author identity.PublicKey
	var fid entry.ID
	var done func() string
	switch {
	case s.Festivals[t] != nil:
		f := s.Festivals[t]
		author, fid = f.Creator, t
		done = func() string { r.cancelFestival(f, id); return "" }
	case s.Resources[t] != nil:
		res := s.Resources[t]
		author, fid = res.Owner, res.Festival
		done = func() string {
			if !res.Withdrawn.IsZero() {
				return "the resource was already withdrawn"
			}
			res.Withdrawn = id
			for _, k := range res.Requests {
				r.release(s.Requests[k], fmt.Sprintf("the resource %q was withdrawn", res.Payload.Name))
			}
			return ""
		}
	case s.Events[t] != nil:
		ev := s.Events[t]
		author, fid = ev.Author, ev.Festival
		done = func() string {
			if !ev.Cancelled.IsZero() {
				return "the event was already cancelled"
			}
			r.cancelEvent(ev, id, "the event was cancelled")
			return ""
		}
	default:
		k, ok := s.requestEntries[t]
		if !ok {
			return fmt.Sprintf("the target %s is not a festival, resource, event or request held here", short(t))
		}
		q := s.Requests[k]
		author, fid = q.Requester, s.Events[q.Event].Festival
		done = func() string {
			if q.Status == StatusWithdrawn {
				return "the request was already withdrawn"
			}
			r.release(q, "withdrawn by its author")
			return ""
		}
	}
	if fid != p.Festival {
		return fmt.Sprintf("the target belongs to festival %s, not %s", short(fid), short(p.Festival))
	}
	if who != author {
		return "only the author of what is withdrawn withdraws it"
	}
	return done()
}

func (r *reducer) cancelEvent(ev *EventState, by entry.ID, reason string) {
	ev.Cancelled = by
	for _, k := range ev.Requests {
		r.release(r.s.Requests[k], reason)
	}
}

// cancelFestival cancels f and what is nested in it, and their events.
func (r *reducer) cancelFestival(f *FestivalState, by entry.ID) {
	reason := fmt.Sprintf("the festival %q was cancelled", f.Payload.Name)
	stack := []*FestivalState{f}
	for len(stack) > 0 {
		g := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if g != f && !g.Cancelled.IsZero() {
			continue
		}
		g.Cancelled = by
		for _, e := range g.Events {
			if ev := r.s.Events[e]; ev.Cancelled.IsZero() {
				r.cancelEvent(ev, by, reason)
			}
		}
		for _, n := range g.Nested {
			stack = append(stack, r.s.Festivals[n])
		}
	}
}
