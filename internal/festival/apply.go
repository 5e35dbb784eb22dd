package festival

import (
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// reducer applies entries one at a time in the causal order.
type reducer struct {
	s   *State
	reg *Registry
	// The entries, their index by id, the ids each names (festival.md §3,
	// "Order") and each one's place in the causal order, for inPast.
	es   []*entry.Entry
	at   map[entry.ID]int32
	deps [][]entry.ID
	pos  []int32
	seen []uint32 // inPast's marks, by index
	mark uint32
}

// markPast marks every entry in the causal past of entry a (reachable by
// backlinks and named ids) placed at or after floor in the causal order,
// and returns the mark: r.seen[i] == mark. Only entries placed after x
// can have x in their past, so the search stays between floor and a.
func (r *reducer) markPast(a entry.ID, floor int32) uint32 {
	if r.seen == nil {
		r.seen = make([]uint32, len(r.es))
	}
	r.mark++
	ia, ok := r.at[a]
	if !ok {
		return r.mark
	}
	stack := []int32{ia}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		visit := func(id entry.ID) {
			if j, ok := r.at[id]; ok && r.seen[j] != r.mark && r.pos[j] >= floor {
				r.seen[j] = r.mark
				stack = append(stack, j)
			}
		}
		if h := &r.es[i].Header; h.Seq > 1 {
			visit(h.Backlink)
		}
		for _, id := range r.deps[i] {
			visit(id)
		}
	}
	return r.mark
}

// short names an entry for people reading a reason.
func short(id entry.ID) string { return fmt.Sprintf("%x", id[:4]) }

// apply applies one entry and returns why it is ignored ("" when applied).
func (r *reducer) apply(id entry.ID, who identity.PublicKey, p Payload) string {
	s := r.s
	if c, ok := p.(*Create); ok {
		return r.create(id, who, c)
	}
	fid := festivalOf(p, id)
	f := s.Festivals[fid]
	if f == nil {
		return fmt.Sprintf("the festival %s is not held here", short(fid))
	}
	if why := r.cancelled(f); why != "" {
		return why
	}
	switch p := p.(type) {
	case *Resource:
		return r.resource(id, who, p)
	case *Event:
		ev := &EventState{ID: id, Festival: fid, Author: who, Payload: p}
		s.Events[id] = ev
		f.Events = append(f.Events, id)
		for _, res := range p.Needs {
			r.submit(ev, &RequestState{Key: RequestKey{id, res}, Event: id, Requester: who, Window: p.Span})
		}
	case *Request:
		ev := s.Events[p.Event]
		switch {
		case ev == nil:
			return fmt.Sprintf("the event %s is not held here", short(p.Event))
		case !ev.Cancelled.IsZero():
			return fmt.Sprintf("the event %q was cancelled", ev.Payload.Name)
		case ev.Festival != fid:
			return fmt.Sprintf("the event %q belongs to festival %s, not %s", ev.Payload.Name, short(ev.Festival), short(fid))
		case ev.Author != who:
			return fmt.Sprintf("only the author of the event %q asks for resources for it", ev.Payload.Name)
		}
		k := RequestKey{id, p.Resource}
		s.requestEntries[id] = k
		r.submit(ev, &RequestState{Key: k, Event: ev.ID, Requester: who, Window: p.Window})
	case *Authorize:
		return r.authorize(id, who, p)
	case *Withdraw:
		return r.withdraw(id, who, p)
	}
	return ""
}

// cancelled says why nothing more is applied in f ("" when it is open),
// naming the outermost cancelled festival of those f is nested in.
func (r *reducer) cancelled(f *FestivalState) string {
	var top *FestivalState
	for g, n := f, 0; g != nil && n < MaxDepth; g, n = r.s.Festivals[g.Payload.Parent], n+1 {
		if !g.Cancelled.IsZero() {
			top = g
		}
	}
	switch {
	case top == nil:
		return ""
	case top == f:
		return fmt.Sprintf("the festival %q was cancelled", f.Payload.Name)
	}
	return fmt.Sprintf("the festival %q, which %q is nested in, was cancelled", top.Payload.Name, f.Payload.Name)
}

func (r *reducer) create(id entry.ID, who identity.PublicKey, c *Create) string {
	f := &FestivalState{ID: id, Payload: c, Creator: who, Depth: 1}
	if !c.Parent.IsZero() {
		parent := r.s.Festivals[c.Parent]
		if parent == nil {
			return fmt.Sprintf("the parent festival %s is not held here", short(c.Parent))
		}
		if why := r.cancelled(parent); why != "" {
			return why
		}
		if parent.Depth >= MaxDepth {
			return fmt.Sprintf("festivals nest at most %d levels deep", MaxDepth)
		}
		f.Depth = parent.Depth + 1
		parent.Nested = append(parent.Nested, id)
	}
	r.s.Festivals[id] = f
	return ""
}

func (r *reducer) resource(id entry.ID, who identity.PublicKey, p *Resource) string {
	res := &ResourceState{ID: id, Festival: p.Festival, Owner: who, Payload: p}
	if pol, ok := r.reg.Lookup(p.Policy); ok {
		if err := pol.CheckParams(p.Params); err != nil {
			return fmt.Sprintf("its policy refuses its params: %v", err)
		}
		res.policy = pol
	} else {
		res.Unchecked = true
	}
	r.s.Resources[id] = res
	return ""
}

// inScope reports whether a resource of festival res may serve an event of
// festival ev: the same festival or one ev is nested in.
func (r *reducer) inScope(res, ev entry.ID) bool {
	for f, n := r.s.Festivals[ev], 0; f != nil && n < MaxDepth; f, n = r.s.Festivals[f.Payload.Parent], n+1 {
		if f.ID == res {
			return true
		}
	}
	return false
}

// submit applies a new request (festival.md §3, "Requests").
func (r *reducer) submit(ev *EventState, q *RequestState) {
	s := r.s
	s.Requests[q.Key] = q
	ev.Requests = append(ev.Requests, q.Key)
	res := s.Resources[q.Key.Resource]
	if res == nil {
		q.Status, q.Reason = StatusPending, fmt.Sprintf("the resource %s is not known here", short(q.Key.Resource))
		return
	}
	res.Requests = append(res.Requests, q.Key)
	q.Status = StatusDenied
	switch {
	case !res.Withdrawn.IsZero():
		q.Reason = fmt.Sprintf("the resource %q was withdrawn", res.Payload.Name)
		return
	case !r.inScope(res.Festival, ev.Festival):
		q.Reason = fmt.Sprintf("the resource %q belongs to festival %s, which the event's festival is not nested in", res.Payload.Name, short(res.Festival))
		return
	case !available(res.Payload.Windows, q.Window):
		q.Reason = "outside the resource's availability: " + availability(res.Payload.Windows)
		return
	}
	if hs := res.holdsIn(q.Window); len(hs) > 0 {
		q.LostTo = hs[0].Request
		if res.policy == nil || !automatic(res.policy, res, q) {
			q.Status, q.ByOwner = StatusPending, true
			q.Reason = "waiting for the owner's confirmation; " + r.conflict(res, hs[0])
			return
		}
		q.Reason, q.conflicted = r.conflict(res, hs[0]), true
		return
	}
	d := LeftToOwner()
	if res.policy != nil {
		d = res.policy.Decide(View{Resource: res}, q)
	}
	switch {
	case !d.Decided:
		q.Status, q.ByOwner, q.Reason = StatusPending, true, "waiting for the owner's confirmation"
	case d.Grant:
		r.grant(res, q, "")
	default:
		q.Reason = d.Reason
	}
}

// automatic reports whether the policy decides q itself: it decides a
// request that does not conflict. Asked of a copy, so the policy never
// sees the conflict.
func automatic(p Policy, res *ResourceState, q *RequestState) bool {
	free := *res
	free.holds, free.byRequester = holdList{}, nil
	c := *q
	return p.Decide(View{Resource: &free}, &c).Decided
}

// conflict says which hold a request runs into.
func (r *reducer) conflict(res *ResourceState, h Hold) string {
	name := short(h.Event)
	if ev := r.s.Events[h.Event]; ev != nil {
		name = fmt.Sprintf("%q", ev.Payload.Name)
	}
	return fmt.Sprintf("%q is already booked %s by %s", res.Payload.Name, h.Window, name)
}

func available(ws []Window, w Window) bool {
	if ws == nil {
		return true
	}
	for _, a := range ws {
		if w.Within(a) {
			return true
		}
	}
	return false
}

// availability lists a resource's windows for people, at most three.
func availability(ws []Window) string {
	parts := []string{}
	for i, w := range ws {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ws)-3))
			break
		}
		parts = append(parts, w.String())
	}
	return "it is available " + strings.Join(parts, ", ")
}

func (r *reducer) grant(res *ResourceState, q *RequestState, reason string) {
	q.Status, q.Reason, q.LostTo = StatusGranted, reason, RequestKey{}
	res.addHold(Hold{Window: q.Window, Request: q.Key, Event: q.Event, Requester: q.Requester})
}

// release ends q: withdrawn, for the reason given; a granted window is
// freed.
func (r *reducer) release(q *RequestState, reason string) {
	if q.Status == StatusWithdrawn {
		return
	}
	if q.Status == StatusGranted {
		if res := r.s.Resources[q.Key.Resource]; res != nil {
			res.removeHold(Hold{Window: q.Window, Request: q.Key, Requester: q.Requester})
		}
	}
	q.Status, q.Reason = StatusWithdrawn, reason
}
