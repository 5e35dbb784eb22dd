package node

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// What this node reads of the festivals it opened is bounded, whoever
// writes in them: a participant's entries beyond maxFestivalAuthorEntries
// in one festival's log, and any beyond maxFestivalEntries in all, are not
// reduced (the views say how many were left out). The reduced state is
// kept until a festival entry arrives.
const (
	maxFestivalAuthorEntries = 20000
	maxFestivalEntries       = 200000
	maxUnmappedChecks        = 256
)

// festivalSnapshot is one reduction of the opened festivals.
type festivalSnapshot struct {
	st      *festival.State
	opened  map[entry.ID]bool
	skipped int // entries not reduced (the bounds above)
	// logOf: the festival in whose log (or, for a create, as which)
	// each entry read was held.
	logOf map[entry.ID]entry.ID
	// unreadable: sealed festival entries of spaces this device could
	// not open (not its epoch, outdated, tampered).
	unreadable map[entry.ID]int // by space
	// unmapped: authors whose certificate was not held (their entries
	// counted for the device key); the state is derived again once one
	// arrives, by whichever way.
	unmapped []identity.PublicKey
}

// stale reports whether the certificate of an author the snapshot could
// not map to an account is held now. It looks at the first
// maxUnmappedChecks of them: device keys cost nothing, so a view does not
// ask the store once per key a stranger made up.
func (sn *festivalSnapshot) stale(ctx context.Context, st store.Store) bool {
	for _, a := range sn.unmapped[:min(len(sn.unmapped), maxUnmappedChecks)] {
		if d, err := st.AccountOf(ctx, a); err == nil && d.Account != (identity.PublicKey{}) {
			return true
		}
	}
	return false
}

// festivalsChanged drops the reduced state and wakes the owner's loop.
func (n *Node) festivalsChanged() {
	b := &n.fests
	b.mu.Lock()
	b.state = nil
	b.changes++
	w := b.wake
	b.mu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// festivalState reduces the opened festivals (cached).
func (n *Node) festivalState(ctx context.Context) (*festival.State, error) {
	sn, err := n.festivalSnap(ctx)
	if err != nil {
		return nil, err
	}
	return sn.st, nil
}

func (n *Node) festivalSnap(ctx context.Context) (*festivalSnapshot, error) {
	b := &n.fests
	b.mu.Lock()
	s, changes := b.state, b.changes
	b.mu.Unlock()
	if s != nil && !s.stale(ctx, n.store) {
		return s, nil
	}
	opened, err := n.openedFestivals()
	if err != nil {
		return nil, err
	}
	sn := &festivalSnapshot{opened: map[entry.ID]bool{}, logOf: map[entry.ID]entry.ID{}}
	var es []*entry.Entry
	seen := map[entry.ID]bool{}
	for _, f := range opened {
		sn.opened[f.ID] = true
		if c, err := n.store.Get(ctx, f.ID); err == nil && !seen[c.ID] {
			seen[c.ID] = true
			sn.logOf[c.ID] = f.ID
			es = append(es, c.Entry)
		}
		per := map[identity.PublicKey]int{}
		err := n.eachOfLog(ctx, scope.FestivalLog(f.ID), func(e *store.Stored) {
			if seen[e.ID] {
				return
			}
			seen[e.ID] = true
			sn.logOf[e.ID] = f.ID
			per[e.Header.Author]++
			if per[e.Header.Author] > maxFestivalAuthorEntries || len(es) >= maxFestivalEntries {
				sn.skipped++
				return
			}
			es = append(es, e.Entry)
		})
		if err != nil {
			return nil, err
		}
	}
	// Festivals living in the villages and spaces this device takes
	// part in: replicated with their home, so always "opened".
	hs, unreadable, err := n.gatherHomed(ctx)
	if err != nil {
		return nil, err
	}
	homeOf := map[entry.ID]entry.ID{}
	for _, h := range hs {
		if seen[h.e.ID] {
			continue
		}
		seen[h.e.ID] = true
		homeOf[h.e.ID] = h.home
		if len(es) >= maxFestivalEntries {
			sn.skipped++
			continue
		}
		es = append(es, h.e)
	}
	sn.unreadable = unreadable
	accounts := map[identity.PublicKey]identity.PublicKey{}
	for _, e := range es {
		a := e.Header.Author
		if _, ok := accounts[a]; ok {
			continue
		}
		accounts[a] = a
		if d, err := n.store.AccountOf(ctx, a); err == nil && !(d.Account == identity.PublicKey{}) {
			accounts[a] = d.Account
		} else if !isAccountKey(ctx, n.store, a) {
			sn.unmapped = append(sn.unmapped, a)
		}
	}
	sn.st = festival.Reduce(festival.Input{
		Entries: es,
		Account: func(e *entry.Entry) (identity.PublicKey, bool) {
			a, ok := accounts[e.Header.Author]
			return a, ok
		},
		Home: func(e *entry.Entry) entry.ID { return homeOf[e.ID] },
	})
	// A homed festival and its entries: the log they were read from is
	// the home's; each entry counts for its festival.
	for _, h := range hs {
		if f := sn.st.Festivals[h.e.ID]; f != nil && !f.Payload.Home.IsZero() {
			sn.opened[h.e.ID] = true
		}
	}
	for _, h := range hs {
		if _, ok := sn.logOf[h.e.ID]; !ok {
			sn.logOf[h.e.ID] = festivalNamed(h.e)
		}
	}
	// Kept only if nothing changed while it was reduced: an entry stored
	// (and its change signalled) after the reads above is not in sn, and
	// keeping sn would hide it until the next festival entry.
	b.mu.Lock()
	if b.changes == changes {
		b.state = sn
	}
	b.mu.Unlock()
	return sn, nil
}

// FestivalBrief is a festival in a list.
type FestivalBrief struct {
	ID        entry.ID
	Name      string
	Ref       string // what to share to open it (FestivalRef); "" for a nested one
	Parent    entry.ID
	Opened    bool
	Cancelled bool
}

// Festivals lists the festivals opened here and those nested in them.
func (n *Node) Festivals(ctx context.Context) ([]FestivalBrief, error) {
	sn, err := n.festivalSnap(ctx)
	if err != nil {
		return nil, err
	}
	opened, err := n.openedFestivals()
	if err != nil {
		return nil, err
	}
	var out []FestivalBrief
	listed := map[entry.ID]bool{}
	for _, o := range opened {
		fb := FestivalBrief{ID: o.ID, Parent: o.Parent, Opened: true, Name: "(not received yet)"}
		if d := n.festivalFounder(ctx, o); d != (identity.PublicKey{}) {
			fb.Ref = FestivalRef(o.ID, d)
		}
		if f := sn.st.Festivals[o.ID]; f != nil {
			fb.Name, fb.Parent, fb.Cancelled = f.Payload.Name, f.Payload.Parent, !f.Cancelled.IsZero()
		}
		listed[o.ID] = true
		out = append(out, fb)
	}
	for id, f := range sn.st.Festivals {
		if !listed[id] {
			out = append(out, FestivalBrief{ID: id, Name: f.Payload.Name, Parent: f.Payload.Parent, Cancelled: !f.Cancelled.IsZero(), Opened: sn.opened[id]})
		}
	}
	slices.SortFunc(out, func(a, b FestivalBrief) int {
		if a.Name != b.Name {
			if a.Name < b.Name {
				return -1
			}
			return 1
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	return out, nil
}

// FestivalView is a festival as this node derives it, with names.
type FestivalView struct {
	FestivalBrief
	Text        string
	ParentName  string
	Creator     identity.PublicKey // account
	CreatorName string
	Nested      []FestivalBrief
	Resources   []ResourceView // by name
	Events      []EventView    // the programme: by start, then name
	// Waiting: requests for this account's resources that wait for its
	// decision (manual confirmation, or a policy this node does not know).
	Waiting []RequestView
	// Conflicts: requests denied or pending because the window was taken.
	Conflicts []RequestView
	Ignored   []IgnoredView
	Skipped   int // entries not read: beyond what a node reads of a festival
	// Home: the village or space it lives in (zero: public); Sealed: the
	// entries sealed in that space this device cannot open (sealed under
	// a key it does not hold, e.g. after its removal, or an outdated one).
	Home   entry.ID
	Sealed int
}

// ResourceView is a resource with its bookings.
type ResourceView struct {
	ID                 entry.ID
	Name, Kind, Text   string
	Owner              identity.PublicKey
	OwnerName          string
	Policy             string
	Params             []uint64
	Capacity           uint64
	Windows            []festival.Window
	Geo                *festival.Geo
	Address, URL       string
	Withdrawn, Unknown bool // Unknown: its policy is not known here (decisions unchecked)
	Bookings           []BookingView
}

// BookingView is a hold: who has the resource when.
type BookingView struct {
	Window     festival.Window
	Event      entry.ID
	EventName  string
	Holder     identity.PublicKey
	HolderName string
	Confirmed  bool // the owner's authorization confirms it
}

// EventView is an event of the programme.
type EventView struct {
	ID         entry.ID
	Festival   entry.ID
	Name, Text string
	Span       festival.Window
	Author     identity.PublicKey
	AuthorName string
	Cancelled  bool
	Requests   []RequestView
	// Places: the names of the resources of kind location it holds.
	Places []string
}

// RequestView is a request for a resource.
type RequestView struct {
	Entry, Resource entry.ID
	ResourceName    string
	Event           entry.ID
	EventName       string
	Requester       identity.PublicKey
	RequesterName   string
	Window          festival.Window
	Status          string // pending, granted, denied, withdrawn
	Reason          string
	Confirmed       bool
	ByOwner         bool
}

// IgnoredView is an entry the reducer did not apply, and why.
type IgnoredView struct {
	ID         entry.ID
	Type       string
	Author     identity.PublicKey
	AuthorName string
	Reason     string
}

// Festival returns one festival as derived here. id may be a festival
// nested in an opened one.
func (n *Node) Festival(ctx context.Context, id entry.ID) (*FestivalView, error) {
	sn, err := n.festivalSnap(ctx)
	if err != nil {
		return nil, err
	}
	st := sn.st
	f := st.Festivals[id]
	if f == nil {
		if sn.opened[id] {
			return nil, errFestivalNotYet(id)
		}
		return nil, errFestivalUnknown(id)
	}
	names := newNamer(ctx, n)
	v := &FestivalView{
		FestivalBrief: FestivalBrief{ID: id, Name: f.Payload.Name, Parent: f.Payload.Parent, Opened: sn.opened[id], Cancelled: !f.Cancelled.IsZero()},
		Text:          f.Payload.Text, Creator: f.Creator, CreatorName: names.of(f.Creator), Skipped: sn.skipped,
		Home: f.Payload.Home, Sealed: sn.unreadable[f.Payload.Home],
	}
	if opened, err := n.openedFestivals(); err == nil {
		for _, o := range opened {
			if d := n.festivalFounder(ctx, o); o.ID == id && d != (identity.PublicKey{}) {
				v.Ref = FestivalRef(id, d)
			}
		}
	}
	if p := st.Festivals[f.Payload.Parent]; p != nil {
		v.ParentName = p.Payload.Name
	}
	for _, c := range f.Nested {
		if cf := st.Festivals[c]; cf != nil {
			v.Nested = append(v.Nested, FestivalBrief{ID: c, Name: cf.Payload.Name, Parent: id, Opened: sn.opened[c], Cancelled: !cf.Cancelled.IsZero()})
		}
	}
	reqView := func(k festival.RequestKey) RequestView {
		q := st.Requests[k]
		rv := RequestView{Entry: k.Entry, Resource: k.Resource, Event: q.Event, Requester: q.Requester,
			RequesterName: names.of(q.Requester), Window: q.Window, Status: q.Status.String(), Reason: q.Reason,
			Confirmed: !q.Confirmed.IsZero(), ByOwner: q.ByOwner, ResourceName: "(not received yet)"}
		if r := st.Resources[k.Resource]; r != nil {
			rv.ResourceName = r.Payload.Name
		}
		if ev := st.Events[q.Event]; ev != nil {
			rv.EventName = ev.Payload.Name
		}
		return rv
	}
	for _, r := range st.Resources {
		if r.Festival != id {
			continue
		}
		rv := ResourceView{ID: r.ID, Name: r.Payload.Name, Kind: r.Payload.Kind, Text: r.Payload.Text, Owner: r.Owner,
			OwnerName: names.of(r.Owner), Policy: r.Payload.Policy, Params: r.Payload.Params, Capacity: r.Payload.Capacity,
			Windows: r.Payload.Windows, Geo: r.Payload.Geo, Address: r.Payload.Address, URL: r.Payload.URL,
			Withdrawn: !r.Withdrawn.IsZero(), Unknown: r.Unchecked}
		for _, h := range r.Holds() {
			bv := BookingView{Window: h.Window, Event: h.Event, Holder: h.Requester, HolderName: names.of(h.Requester)}
			if ev := st.Events[h.Event]; ev != nil {
				bv.EventName = ev.Payload.Name
			}
			if q := st.Requests[h.Request]; q != nil {
				bv.Confirmed = !q.Confirmed.IsZero()
			}
			rv.Bookings = append(rv.Bookings, bv)
		}
		for _, k := range r.Requests {
			q := st.Requests[k]
			if r.Owner == n.account && r.Withdrawn.IsZero() && q.Status == festival.StatusPending && (q.ByOwner || r.Unchecked) {
				v.Waiting = append(v.Waiting, reqView(k))
			}
		}
		v.Resources = append(v.Resources, rv)
	}
	slices.SortFunc(v.Resources, func(a, b ResourceView) int {
		if c := compareText(a.Name, b.Name); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	for _, eid := range f.Events {
		ev := st.Events[eid]
		if ev == nil {
			continue
		}
		e := EventView{ID: eid, Festival: id, Name: ev.Payload.Name, Text: ev.Payload.Text, Span: ev.Payload.Span,
			Author: ev.Author, AuthorName: names.of(ev.Author), Cancelled: !ev.Cancelled.IsZero()}
		for _, k := range ev.Requests {
			rv := reqView(k)
			e.Requests = append(e.Requests, rv)
			if q := st.Requests[k]; q.Status == festival.StatusGranted {
				if r := st.Resources[k.Resource]; r != nil && r.Payload.Kind == festival.KindLocation && !slices.Contains(e.Places, r.Payload.Name) {
					e.Places = append(e.Places, r.Payload.Name)
				}
			}
			if isConflict(st, k) {
				v.Conflicts = append(v.Conflicts, rv)
			}
		}
		slices.Sort(e.Places)
		v.Events = append(v.Events, e)
	}
	slices.SortFunc(v.Events, func(a, b EventView) int {
		switch {
		case a.Span.Start != b.Span.Start:
			return cmpUint(a.Span.Start, b.Span.Start)
		case a.Name != b.Name:
			return compareText(a.Name, b.Name)
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	for _, ig := range st.Ignored {
		if sn.logOf[ig.ID] != id {
			continue
		}
		v.Ignored = append(v.Ignored, IgnoredView{ID: ig.ID, Type: ig.Type, Author: ig.Author, AuthorName: names.of(ig.Author), Reason: ig.Reason})
	}
	return v, nil
}

// isConflict reports whether a request was denied or left pending
// because another took its window (festival.md §3, "Conflicts"): it ran
// into a hold (step 5), or the owner confirmed another before this one
// reached them.
func isConflict(st *festival.State, k festival.RequestKey) bool {
	q := st.Requests[k]
	if q.Status != festival.StatusDenied && q.Status != festival.StatusPending {
		return false
	}
	return !q.LostTo.Entry.IsZero()
}

func compareText(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// namer names accounts, each once per view.
type namer struct {
	ctx   context.Context
	n     *Node
	names map[identity.PublicKey]string
}

func newNamer(ctx context.Context, n *Node) *namer {
	return &namer{ctx: ctx, n: n, names: map[identity.PublicKey]string{}}
}

// of is the account's profile name when held here, "you" for this
// node's account, else its id: a festival replicates nothing of the
// people in it but their festival logs (doc/network.md, "Festivals").
func (nm *namer) of(a identity.PublicKey) string {
	if s, ok := nm.names[a]; ok {
		return s
	}
	s := nm.n.nameOf(nm.ctx, a)
	if a == nm.n.account {
		s = "you"
	}
	nm.names[a] = s
	return s
}

func errFestivalNotYet(id entry.ID) error {
	return fmt.Errorf("%w: the festival %s is opened but its founding has not arrived yet; it comes when a node that holds it is connected", ErrNoFestival, id)
}

func errFestivalUnknown(id entry.ID) error {
	return fmt.Errorf("%w: %s (open it first: kith festival open; 'kith festival list' shows those held)", ErrNoFestival, id)
}

// isAccountKey reports whether key certified devices: an account key
// writing for itself needs no certificate.
func isAccountKey(ctx context.Context, st store.Store, key identity.PublicKey) bool {
	ds, err := st.Devices(ctx, key)
	return err == nil && len(ds) > 0
}
