package node

import (
	"context"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
)

// AddResource announces a resource in festival f; this node's account
// owns it.
func (n *Node) AddResource(ctx context.Context, f entry.ID, r festival.Resource) (*entry.Entry, error) {
	r.Festival = f
	if r.Policy == "" {
		r.Policy = festival.PolicyFirstCome
	}
	if err := festival.Check(&r); err != nil {
		return nil, err
	}
	return n.appendFestival(ctx, f, &r, func(st *festival.State) error {
		if _, ok := festival.DefaultRegistry().Lookup(r.Policy); !ok {
			return festivalErr("the policy %q is not known here (known: %s)", r.Policy, strings.Join(festival.DefaultRegistry().Names(), ", "))
		}
		return nil
	})
}

// AddEvent announces an event in festival f; each of its needs is a
// request for its span. A need that cannot be had (withdrawn, outside the
// resource's availability, already booked) is refused here, in words,
// before anything is written.
func (n *Node) AddEvent(ctx context.Context, f entry.ID, ev festival.Event) (*entry.Entry, error) {
	ev.Festival = f
	ev.Needs = festival.SortIDs(ev.Needs)
	if len(ev.Needs) == 0 {
		ev.Needs = nil
	}
	if err := festival.Check(&ev); err != nil {
		return nil, err
	}
	return n.appendFestival(ctx, f, &ev, func(st *festival.State) error {
		for _, r := range ev.Needs {
			if err := canBook(st, f, r, ev.Span); err != nil {
				return err
			}
		}
		return nil
	})
}

// RequestResource asks for a resource for one of this account's events
// in a window.
func (n *Node) RequestResource(ctx context.Context, event, resource entry.ID, w festival.Window) (*entry.Entry, error) {
	st, err := n.festivalState(ctx)
	if err != nil {
		return nil, err
	}
	ev := st.Events[event]
	if ev == nil {
		return nil, fmt.Errorf("%w: the event %s is not held here", ErrNoFestival, event)
	}
	p := &festival.Request{Festival: ev.Festival, Event: event, Resource: resource, Window: w}
	if err := festival.Check(p); err != nil {
		return nil, err
	}
	return n.appendFestival(ctx, ev.Festival, p, func(st *festival.State) error {
		ev := st.Events[event]
		if ev.Author != n.account {
			return festivalErr("%q is another account's event: only its author asks for resources for it", ev.Payload.Name)
		}
		if !ev.Cancelled.IsZero() {
			return festivalErr("%q was cancelled", ev.Payload.Name)
		}
		return canBook(st, ev.Festival, resource, w)
	})
}

// canBook says, in words, why a request for resource in w would be denied
// or wait on a conflict as the festival now stands; nil when it would not.
func canBook(st *festival.State, f, resource entry.ID, w festival.Window) error {
	r := st.Resources[resource]
	if r == nil {
		return fmt.Errorf("%w: the resource %s is not held here ('kith festival show' lists the resources)", ErrNoFestival, resource)
	}
	if !r.Withdrawn.IsZero() {
		return festivalErr("%q was withdrawn by its owner", r.Payload.Name)
	}
	if !nestedIn(st, f, r.Festival) {
		return festivalErr("%q belongs to another festival, not this one or one it is nested in", r.Payload.Name)
	}
	if ws := r.Payload.Windows; ws != nil {
		ok := false
		for _, a := range ws {
			ok = ok || w.Within(a)
		}
		if !ok {
			var av []string
			for _, a := range ws {
				av = append(av, a.String())
			}
			return festivalErr("%q is available only %s; %s is outside that: choose a time inside", r.Payload.Name, strings.Join(av, ", "), w)
		}
	}
	for _, h := range r.Holds() {
		if h.Window.Overlaps(w) {
			name := h.Event.String()
			if ev := st.Events[h.Event]; ev != nil {
				name = fmt.Sprintf("%q", ev.Payload.Name)
			}
			return festivalErr("%q is already booked %s by %s: choose another time or another resource", r.Payload.Name, h.Window, name)
		}
	}
	return nil
}

// nestedIn reports whether festival f is outer or nested in it.
func nestedIn(st *festival.State, f, outer entry.ID) bool {
	for i := 0; i <= festival.MaxDepth && !f.IsZero(); i++ {
		if f == outer {
			return true
		}
		fs := st.Festivals[f]
		if fs == nil {
			return false
		}
		f = fs.Payload.Parent
	}
	return false
}

// AuthorizeRequest grants or denies, as the owner of resource, the
// request made by entry req (an event or a festival.request).
func (n *Node) AuthorizeRequest(ctx context.Context, req, resource entry.ID, grant bool, reason string) (*entry.Entry, error) {
	st, err := n.festivalState(ctx)
	if err != nil {
		return nil, err
	}
	q := st.Requests[festival.RequestKey{Entry: req, Resource: resource}]
	r := st.Resources[resource]
	if q == nil || r == nil {
		return nil, fmt.Errorf("%w: no request %s for the resource %s is held here ('kith festival show' lists the requests waiting for you)", ErrNoFestival, req, resource)
	}
	ev := st.Events[q.Event]
	p := &festival.Authorize{Festival: ev.Festival, Request: req, Resource: resource, Decision: festival.DecisionGrant, Policy: r.Payload.Policy, Reason: reason}
	if !grant {
		p.Decision = festival.DecisionDeny
	}
	if err := festival.Check(p); err != nil {
		return nil, err
	}
	return n.appendFestival(ctx, ev.Festival, p, func(st *festival.State) error {
		if r.Owner != n.account {
			return festivalErr("%q belongs to %s: only its owner decides its requests", r.Payload.Name, n.nameOf(ctx, r.Owner))
		}
		if q.Status == festival.StatusWithdrawn {
			return festivalErr("the request was withdrawn")
		}
		if grant && q.Status != festival.StatusGranted {
			if err := canBook(st, ev.Festival, resource, q.Window); err != nil && q.ByOwner {
				return fmt.Errorf("%w (deny the booking that holds it first)", err)
			}
		}
		if !q.ByOwner && !r.Unchecked {
			derived := q.Status == festival.StatusGranted
			if grant != derived && !(grant && q.Status == festival.StatusDenied && strings.Contains(q.Reason, " is already booked ")) {
				return festivalErr("%q decides by the policy %s, which %s this request (%s); your node publishes that by itself. Announce the resource with the policy manual to decide by hand",
					r.Payload.Name, r.Payload.Policy, q.Status, q.Reason)
			}
		}
		return nil
	})
}

// WithdrawFestivalEntry withdraws one of this account's festival entries:
// a festival, resource, event (cancelled) or request.
func (n *Node) WithdrawFestivalEntry(ctx context.Context, target entry.ID, reason string) (*entry.Entry, error) {
	st, err := n.festivalState(ctx)
	if err != nil {
		return nil, err
	}
	var f entry.ID
	var author = n.account
	var what string
	switch {
	case st.Festivals[target] != nil:
		fs := st.Festivals[target]
		f, author, what = target, fs.Creator, fmt.Sprintf("the festival %q", fs.Payload.Name)
		if !fs.Payload.Parent.IsZero() {
			f = fs.Payload.Parent
		}
	case st.Resources[target] != nil:
		r := st.Resources[target]
		f, author, what = r.Festival, r.Owner, fmt.Sprintf("the resource %q", r.Payload.Name)
	case st.Events[target] != nil:
		ev := st.Events[target]
		f, author, what = ev.Festival, ev.Author, fmt.Sprintf("the event %q", ev.Payload.Name)
	default:
		for k, q := range st.Requests {
			if k.Entry == target {
				f, author, what = st.Events[q.Event].Festival, q.Requester, "the request"
			}
		}
	}
	if what == "" {
		return nil, fmt.Errorf("%w: nothing held here is named %s", ErrNoFestival, target)
	}
	if author != n.account {
		return nil, festivalErr("%s was written by %s: only its author withdraws it", what, n.nameOf(ctx, author))
	}
	fs := st.Festivals[target]
	p := &festival.Withdraw{Festival: target, Target: target, Reason: reason}
	if fs == nil {
		p.Festival = f
	}
	if err := festival.Check(p); err != nil {
		return nil, err
	}
	// A festival's withdrawal is written in its own log (its participants
	// hold it); any other in its festival's.
	log := f
	if fs != nil {
		log = target
	}
	return n.appendFestival(ctx, log, p, nil)
}
