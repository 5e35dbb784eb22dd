package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// festivalErr gives the node's festival errors their codes: not_found
// for a festival (or a resource, event, request) not held, conflict when
// the festival's rules refuse the entry, bad_request for an invalid
// payload.
func festivalErr(err error) error {
	var fe *festival.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, node.ErrNoFestival):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, node.ErrFestivalRule):
		return withCode(wire.CodeConflict, err)
	case errors.Is(err, node.ErrSpaceWaiting):
		return withCode(wire.CodeSpaceWaiting, err)
	case errors.As(err, &fe):
		return withCode(wire.CodeBadRequest, err)
	}
	return err
}

// festivalTime reads an RFC 3339 time as seconds since 1970 (UTC).
func festivalTime(what, s string) (uint64, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil || t.Unix() < 0 {
		return 0, apiError(wire.CodeBadRequest, "%s: %q is not a time like 2026-07-04T20:00:00Z (RFC 3339)", what, s)
	}
	return uint64(t.Unix()), nil
}

func festivalWindow(what string, sp wire.Span) (festival.Window, error) {
	s, err := festivalTime(what+" start", sp.Start)
	if err != nil {
		return festival.Window{}, err
	}
	e, err := festivalTime(what+" end", sp.End)
	if err != nil {
		return festival.Window{}, err
	}
	if e <= s {
		return festival.Window{}, apiError(wire.CodeBadRequest, "%s: the end %s is not after the start %s", what, sp.End, sp.Start)
	}
	return festival.Window{Start: s, End: e}, nil
}

func spanOf(w festival.Window) wire.Span {
	return wire.Span{Start: timeText(w.Start), End: timeText(w.End)}
}

func timeText(t uint64) string { return time.Unix(int64(t), 0).UTC().Format(time.RFC3339) }

func person(a identity.PublicKey, name string) wire.Person {
	return wire.Person{Account: a.Account().String(), Name: name}
}

// Festivals lists the festivals opened here and those nested in them.
func (s *Service) Festivals(ctx context.Context) (wire.FestivalList, error) {
	fs, err := s.n.Festivals(ctx)
	if err != nil {
		return wire.FestivalList{}, festivalErr(err)
	}
	out := wire.FestivalList{Festivals: make([]wire.FestivalSummary, 0, len(fs))}
	for _, f := range fs {
		out.Festivals = append(out.Festivals, festivalSummary(f))
	}
	return out, nil
}

func festivalSummary(f node.FestivalBrief) wire.FestivalSummary {
	out := wire.FestivalSummary{ID: f.ID.String(), Name: f.Name, Ref: f.Ref, Opened: f.Opened, Cancelled: f.Cancelled}
	if !f.Parent.IsZero() {
		out.Parent = f.Parent.String()
	}
	return out
}

// festivalID reads a festival by id or by the name of one held here.
func (s *Service) festivalID(ctx context.Context, ref string) (entry.ID, error) {
	if id, err := entry.ParseID(ref); err == nil {
		return id, nil
	}
	fs, err := s.n.Festivals(ctx)
	if err != nil {
		return entry.ID{}, err
	}
	var found []entry.ID
	for _, f := range fs {
		if f.Name == ref {
			found = append(found, f.ID)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return entry.ID{}, apiError(wire.CodeNotFound, "no festival named %q is held here: 'kith festival list' shows those that are; open one with 'kith festival open'", ref)
	}
	return entry.ID{}, apiError(wire.CodeConflict, "%d festivals are named %q: give the id instead ('kith festival list' shows them)", len(found), ref)
}

// CreateFestival founds a festival (nested in parent when given).
func (s *Service) CreateFestival(ctx context.Context, req wire.FestivalCreate) (wire.FestivalEntry, error) {
	nf := node.NewFestival{Name: req.Name, Text: req.Text}
	if req.Village != "" && req.Space != "" {
		return wire.FestivalEntry{}, apiError(wire.CodeBadRequest, "give a village or a space for the festival to live in, not both")
	}
	if req.Village != "" || req.Space != "" {
		h, err := s.festivalHome(ctx, req.Village, req.Space)
		if err != nil {
			return wire.FestivalEntry{}, err
		}
		nf.Home = h
	}
	if req.Parent != "" {
		p, err := s.festivalID(ctx, req.Parent)
		if err != nil {
			return wire.FestivalEntry{}, err
		}
		nf.Parent = p
	}
	e, err := s.n.CreateFestival(ctx, nf)
	if err != nil {
		return wire.FestivalEntry{}, festivalErr(err)
	}
	out := wire.FestivalEntry{ID: e.ID.String(), Festival: e.ID.String()}
	if nf.Parent.IsZero() && nf.Home.IsZero() {
		out.Ref = node.FestivalRef(e.ID, e.Header.Author)
	}
	return out, nil
}

// OpenFestival opens a festival from its reference.
func (s *Service) OpenFestival(ctx context.Context, festivalID string, req wire.FestivalOpen) (wire.FestivalEntry, error) {
	ref := festivalID
	if req.Founder != "" {
		ref += "/" + req.Founder
	}
	id, err := s.n.OpenFestival(ctx, ref)
	if err != nil {
		if errors.Is(err, node.ErrNoFestival) {
			return wire.FestivalEntry{}, festivalErr(err)
		}
		return wire.FestivalEntry{}, withCode(wire.CodeBadRequest, err)
	}
	return wire.FestivalEntry{Festival: id.String()}, nil
}

// LeaveFestival stops replicating a festival.
func (s *Service) LeaveFestival(ctx context.Context, ref string) (wire.FestivalEntry, error) {
	id, err := s.festivalID(ctx, ref)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	return wire.FestivalEntry{Festival: id.String()}, festivalErr(s.n.LeaveFestival(ctx, id))
}

// Festival returns a festival as derived here.
func (s *Service) Festival(ctx context.Context, ref string) (wire.Festival, error) {
	id, err := s.festivalID(ctx, ref)
	if err != nil {
		return wire.Festival{}, err
	}
	v, err := s.n.Festival(ctx, id)
	if err != nil {
		return wire.Festival{}, festivalErr(err)
	}
	return festivalWire(v), nil
}

func festivalWire(v *node.FestivalView) wire.Festival {
	out := wire.Festival{
		FestivalSummary: festivalSummary(v.FestivalBrief), Text: v.Text, ParentName: v.ParentName,
		Creator: person(v.Creator, v.CreatorName), Skipped: v.Skipped, Sealed: v.Sealed,
		Nested: []wire.FestivalSummary{}, Resources: []wire.FestivalResource{}, Programme: []wire.FestivalEvent{},
		Waiting: []wire.FestivalRequest{}, Conflicts: []wire.FestivalRequest{}, Ignored: []wire.FestivalIgnored{},
	}
	if !v.Home.IsZero() {
		out.Home = v.Home.String()
	}
	for _, n := range v.Nested {
		out.Nested = append(out.Nested, festivalSummary(n))
	}
	for _, r := range v.Resources {
		wr := wire.FestivalResource{ID: r.ID.String(), Name: r.Name, Kind: r.Kind, Text: r.Text, Owner: person(r.Owner, r.OwnerName),
			Policy: r.Policy, Params: r.Params, Capacity: r.Capacity, Address: r.Address, URL: r.URL,
			Withdrawn: r.Withdrawn, Unchecked: r.Unknown, Bookings: []wire.FestivalBooking{}}
		for _, w := range r.Windows {
			wr.Windows = append(wr.Windows, spanOf(w))
		}
		if r.Geo != nil {
			lat, lon := r.Geo.Degrees()
			// Millionths of a degree, as encoded (festival.md §2).
			lat, lon = math.Round(lat*1e6)/1e6, math.Round(lon*1e6)/1e6
			wr.Lat, wr.Lon = &lat, &lon
		}
		for _, b := range r.Bookings {
			wr.Bookings = append(wr.Bookings, wire.FestivalBooking{Span: spanOf(b.Window), Event: b.Event.String(), EventName: b.EventName,
				Holder: person(b.Holder, b.HolderName), Confirmed: b.Confirmed})
		}
		out.Resources = append(out.Resources, wr)
	}
	for _, e := range v.Events {
		we := wire.FestivalEvent{ID: e.ID.String(), Name: e.Name, Text: e.Text, Span: spanOf(e.Span), Author: person(e.Author, e.AuthorName),
			Cancelled: e.Cancelled, Places: append([]string{}, e.Places...), Requests: []wire.FestivalRequest{}}
		for _, q := range e.Requests {
			we.Requests = append(we.Requests, festivalRequestWire(q))
		}
		out.Programme = append(out.Programme, we)
	}
	for _, q := range v.Waiting {
		out.Waiting = append(out.Waiting, festivalRequestWire(q))
	}
	for _, q := range v.Conflicts {
		out.Conflicts = append(out.Conflicts, festivalRequestWire(q))
	}
	for _, ig := range v.Ignored {
		out.Ignored = append(out.Ignored, wire.FestivalIgnored{ID: ig.ID.String(), Type: ig.Type, Author: person(ig.Author, ig.AuthorName), Reason: ig.Reason})
	}
	return out
}

func festivalRequestWire(q node.RequestView) wire.FestivalRequest {
	return wire.FestivalRequest{ID: q.Entry.String(), Resource: q.Resource.String(), ResName: q.ResourceName, Event: q.Event.String(),
		EventName: q.EventName, Requester: person(q.Requester, q.RequesterName), Span: spanOf(q.Window), Status: q.Status,
		Reason: q.Reason, Confirmed: q.Confirmed}
}

// pick finds, in a festival's view, a resource or event by id or name.
func pick[T any](what, ref string, items []T, id func(T) entry.ID, name func(T) string) (entry.ID, error) {
	if eid, err := entry.ParseID(ref); err == nil {
		return eid, nil
	}
	var found []entry.ID
	for _, it := range items {
		if name(it) == ref {
			found = append(found, id(it))
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return entry.ID{}, apiError(wire.CodeNotFound, "no %s named %q in this festival: 'kith festival show' lists them", what, ref)
	}
	return entry.ID{}, apiError(wire.CodeConflict, "%d %ss are named %q: give the id instead ('kith festival show --json' lists them)", len(found), what, ref)
}

func (s *Service) view(ctx context.Context, ref string) (*node.FestivalView, error) {
	id, err := s.festivalID(ctx, ref)
	if err != nil {
		return nil, err
	}
	v, err := s.n.Festival(ctx, id)
	return v, festivalErr(err)
}

func resourceByName(v *node.FestivalView, ref string) (entry.ID, error) {
	return pick("resource", ref, v.Resources, func(r node.ResourceView) entry.ID { return r.ID }, func(r node.ResourceView) string { return r.Name })
}

func eventByName(v *node.FestivalView, ref string) (entry.ID, error) {
	return pick("event", ref, v.Events, func(e node.EventView) entry.ID { return e.ID }, func(e node.EventView) string { return e.Name })
}

func festivalWritten(e *entry.Entry, f entry.ID, err error) (wire.FestivalEntry, error) {
	if err != nil {
		return wire.FestivalEntry{}, festivalErr(err)
	}
	return wire.FestivalEntry{ID: e.ID.String(), Festival: f.String()}, nil
}

// AddFestivalResource announces a resource.
func (s *Service) AddFestivalResource(ctx context.Context, ref string, req wire.FestivalResourceNew) (wire.FestivalEntry, error) {
	v, err := s.view(ctx, ref)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	r := festival.Resource{Kind: req.Kind, Name: req.Name, Text: req.Text, Policy: req.Policy, Params: req.Params,
		Capacity: req.Capacity, Address: req.Address, URL: req.URL}
	for i, sp := range req.Windows {
		w, err := festivalWindow(fmt.Sprintf("window %d", i+1), sp)
		if err != nil {
			return wire.FestivalEntry{}, err
		}
		r.Windows = append(r.Windows, w)
	}
	if (req.Lat == nil) != (req.Lon == nil) {
		return wire.FestivalEntry{}, apiError(wire.CodeBadRequest, "a position needs both lat and lon")
	}
	if req.Lat != nil {
		g, err := festival.GeoFromDegrees(*req.Lat, *req.Lon)
		if err != nil {
			return wire.FestivalEntry{}, withCode(wire.CodeBadRequest, err)
		}
		r.Geo = &g
	}
	e, err := s.n.AddResource(ctx, v.ID, r)
	return festivalWritten(e, v.ID, err)
}

// AddFestivalEvent announces an event that needs resources.
func (s *Service) AddFestivalEvent(ctx context.Context, ref string, req wire.FestivalEventNew) (wire.FestivalEntry, error) {
	v, err := s.view(ctx, ref)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	w, err := festivalWindow("the event", wire.Span{Start: req.Start, End: req.End})
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	ev := festival.Event{Name: req.Name, Text: req.Text, Span: w}
	for _, n := range req.Needs {
		id, err := resourceByName(v, n)
		if err != nil {
			return wire.FestivalEntry{}, err
		}
		ev.Needs = append(ev.Needs, id)
	}
	e, err := s.n.AddEvent(ctx, v.ID, ev)
	return festivalWritten(e, v.ID, err)
}

// RequestFestivalResource asks for a resource for one of your events.
func (s *Service) RequestFestivalResource(ctx context.Context, ref string, req wire.FestivalRequestNew) (wire.FestivalEntry, error) {
	v, err := s.view(ctx, ref)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	ev, err := eventByName(v, req.Event)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	res, err := resourceByName(v, req.Resource)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	w, err := festivalWindow("the request", wire.Span{Start: req.Start, End: req.End})
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	e, err := s.n.RequestResource(ctx, ev, res, w)
	return festivalWritten(e, v.ID, err)
}

// AuthorizeFestivalRequest grants or denies a request for your resource.
func (s *Service) AuthorizeFestivalRequest(ctx context.Context, ref string, req wire.FestivalAuthorizeNew) (wire.FestivalEntry, error) {
	v, err := s.view(ctx, ref)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	q, err := eventByName(v, req.Request)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	res, err := resourceByName(v, req.Resource)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	var grant bool
	switch req.Decision {
	case festival.DecisionGrant:
		grant = true
	case festival.DecisionDeny:
	default:
		return wire.FestivalEntry{}, apiError(wire.CodeBadRequest, "decision %q: give grant or deny", req.Decision)
	}
	e, err := s.n.AuthorizeRequest(ctx, q, res, grant, req.Reason)
	return festivalWritten(e, v.ID, err)
}

// WithdrawFestivalEntry withdraws your festival, resource, event or request.
func (s *Service) WithdrawFestivalEntry(ctx context.Context, ref string, req wire.FestivalWithdrawNew) (wire.FestivalEntry, error) {
	v, err := s.view(ctx, ref)
	if err != nil {
		return wire.FestivalEntry{}, err
	}
	target, err := entry.ParseID(req.Target)
	if err != nil {
		if target, err = resourceByName(v, req.Target); err != nil {
			if target, err = eventByName(v, req.Target); err != nil {
				return wire.FestivalEntry{}, apiError(wire.CodeNotFound, "no resource or event named %q in this festival: 'kith festival show' lists them", req.Target)
			}
		}
	}
	e, err := s.n.WithdrawFestivalEntry(ctx, target, req.Reason)
	return festivalWritten(e, v.ID, err)
}

// festivalHome resolves the village or space (by id or name) a festival
// is to live in.
func (s *Service) festivalHome(ctx context.Context, villageRef, spaceRef string) (entry.ID, error) {
	type named struct {
		id   entry.ID
		name string
	}
	var all []named
	what, ref := "village", villageRef
	if villageRef != "" {
		vs, err := s.n.Villages(ctx)
		if err != nil {
			return entry.ID{}, err
		}
		for _, v := range vs {
			if v.Known {
				all = append(all, named{v.ID, v.Name})
			}
		}
	} else {
		what, ref = "space", spaceRef
		ss, err := s.n.Spaces(ctx)
		if err != nil {
			return entry.ID{}, err
		}
		for _, v := range ss {
			all = append(all, named{v.ID, v.Name})
		}
	}
	if id, err := entry.ParseID(ref); err == nil {
		for _, h := range all {
			if h.id == id {
				return id, nil
			}
		}
		return entry.ID{}, apiError(wire.CodeNotFound, "no %s %s is held here ('kith %s list' shows those that are)", what, ref, what)
	}
	var found []entry.ID
	for _, h := range all {
		if h.name == ref {
			found = append(found, h.id)
		}
	}
	switch len(found) {
	case 0:
		return entry.ID{}, apiError(wire.CodeNotFound, "no %s named %q is held here ('kith %s list' shows those that are)", what, ref, what)
	case 1:
		return found[0], nil
	}
	return entry.ID{}, apiError(wire.CodeConflict, "%d %ss are named %q: give the id instead ('kith %s list' shows them)", len(found), what, ref, what)
}
