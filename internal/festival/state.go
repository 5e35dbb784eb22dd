package festival

import (
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Status is where a request stands.
type Status uint8

// The statuses of a request (festival.md §3).
const (
	StatusPending Status = iota
	StatusGranted
	StatusDenied
	StatusWithdrawn
)

func (s Status) String() string {
	switch s {
	case StatusPending:
		return "pending"
	case StatusGranted:
		return "granted"
	case StatusDenied:
		return "denied"
	case StatusWithdrawn:
		return "withdrawn"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// RequestKey names a request: the entry that made it (an event, for one of
// its needs, or a festival.request) and the resource asked for.
type RequestKey struct {
	Entry    entry.ID
	Resource entry.ID
}

// FestivalState is a festival as derived.
type FestivalState struct {
	ID      entry.ID
	Payload *Create
	Creator identity.PublicKey
	Depth   int        // 1 for a festival without a parent
	Nested  []entry.ID // festivals nested in it, in the causal order
	Events  []entry.ID // its events, in the causal order
	// Cancelled is the withdrawal's entry id; zero while not cancelled.
	Cancelled entry.ID
}

// ResourceState is a resource as derived.
type ResourceState struct {
	ID       entry.ID
	Festival entry.ID
	Owner    identity.PublicKey
	Payload  *Resource
	// Unchecked: this node does not know the resource's policy; its
	// requests are left to the owner, as under manual confirmation.
	Unchecked bool
	Withdrawn entry.ID     // zero while not withdrawn
	holds     holdList     // see Holds
	Requests  []RequestKey // in the causal order
	policy    Policy       // nil when Unchecked
	// byRequester holds the same holds by requester, each by start, so a
	// policy counting one person's holds does not read everyone's.
	byRequester map[identity.PublicKey]*holdList
}

// Hold is a window a granted request holds a resource for.
type Hold struct {
	Window    Window
	Request   RequestKey
	Event     entry.ID
	Requester identity.PublicKey
}

// EventState is an event as derived.
type EventState struct {
	ID       entry.ID
	Festival entry.ID
	Author   identity.PublicKey
	Payload  *Event
	// Cancelled is the withdrawal's entry id (of the event or of its
	// festival); zero while not cancelled.
	Cancelled entry.ID
	Requests  []RequestKey // in the causal order
}

// RequestState is a request as derived.
type RequestState struct {
	Key       RequestKey
	Event     entry.ID
	Requester identity.PublicKey
	Window    Window
	Status    Status
	Reason    string // why it is pending, denied or withdrawn
	// ByOwner: its status is the owner's call (the policy left it open),
	// not the policy's or the rules' (then an authorization must agree).
	ByOwner bool
	// Confirmed is the owner's latest applied authorization of it; zero
	// when none.
	Confirmed   entry.ID
	confirmedAs Status // the status Confirmed confirmed
	// LostTo is the request it lost its window to (festival.md §3,
	// "Conflicts"): the holder it ran into (step 5, denied or left to the
	// owner), or the request whose confirmation by the owner displaced
	// it. Entry is zero when it lost to none.
	LostTo RequestKey
	// conflicted: denied because its window was held (step 5), so an
	// owner's grant may anchor it (festival.md §3, "Authorizations").
	conflicted bool
}

// Ignored is an entry the reducer did not apply, and why.
type Ignored struct {
	ID     entry.ID
	Author identity.PublicKey // the account
	Type   string             // "" when the payload could not be read
	Reason string
}

// State is what Reduce derives from a set of festival entries.
type State struct {
	Festivals map[entry.ID]*FestivalState
	Resources map[entry.ID]*ResourceState
	Events    map[entry.ID]*EventState
	Requests  map[RequestKey]*RequestState
	// Applied lists the applied entries in the causal order.
	Applied []entry.ID
	Ignored []Ignored
	// requestEntries maps a festival.request entry to its request.
	requestEntries map[entry.ID]RequestKey
}

// HolderAt returns the hold of resource at stated time t, if any.
func (s *State) HolderAt(resource entry.ID, t uint64) (Hold, bool) {
	r := s.Resources[resource]
	if r == nil {
		return Hold{}, false
	}
	hs := r.holdsIn(Window{t, t + 1})
	if len(hs) == 0 {
		return Hold{}, false
	}
	return hs[0], true
}

// Why returns the reason entry id was ignored, or "" when it was not.
func (s *State) Why(id entry.ID) string {
	for _, ig := range s.Ignored {
		if ig.ID == id {
			return ig.Reason
		}
	}
	return ""
}

// Holds returns the resource's holds, by window start; they never
// overlap.
func (r *ResourceState) Holds() []Hold { return r.holds.all() }

// holdsIn returns the holds that overlap w, by start.
func (r *ResourceState) holdsIn(w Window) []Hold { return r.holds.overlapping(w) }

func (r *ResourceState) addHold(h Hold) {
	r.holds.insert(h)
	if r.byRequester == nil {
		r.byRequester = map[identity.PublicKey]*holdList{}
	}
	l := r.byRequester[h.Requester]
	if l == nil {
		l = &holdList{}
		r.byRequester[h.Requester] = l
	}
	l.insert(h)
}

func (r *ResourceState) removeHold(h Hold) {
	r.holds.remove(h.Request, h.Window)
	if l := r.byRequester[h.Requester]; l != nil {
		if l.remove(h.Request, h.Window); l.n == 0 {
			delete(r.byRequester, h.Requester)
		}
	}
}
