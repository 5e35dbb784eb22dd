package festival

import (
	"fmt"
	"slices"
	"sort"

	"github.com/kithnet/kith/internal/identity"
)

// The built-in policies (festival.md §4).
const (
	PolicyFirstCome   = "first-come"
	PolicyManual      = "manual"
	PolicyHoursPerDay = "hours-per-day"
)

// Decision is what a policy says about a request that fits the resource's
// availability and overlaps none of its holds.
type Decision struct {
	// Decided is false when the policy leaves the request to the owner's
	// authorization (manual confirmation).
	Decided bool
	Grant   bool
	// Reason says why a request is denied; people read it.
	Reason string
}

// Granted is the decision to grant.
func Granted() Decision { return Decision{Decided: true, Grant: true} }

// Denied is the decision to deny, for the reason given.
func Denied(format string, args ...any) Decision {
	return Decision{Decided: true, Reason: fmt.Sprintf(format, args...)}
}

// LeftToOwner is the decision to let the owner's authorization decide.
func LeftToOwner() Decision { return Decision{} }

// A Policy decides a resource's requests (festival.md §4). It must be a
// pure function of what it is given: no clock, no I/O, no randomness, so
// that every node that knows it decides alike. A program adds one with
// Registry.Register; the reducer needs no change.
type Policy interface {
	// Name is the token resources name it by (festival.md §2).
	Name() string
	// CheckParams says why a resource's params do not suit the policy (nil
	// when they do; params is nil when the resource has none). A resource
	// whose params are refused is ignored.
	CheckParams(params []uint64) error
	// Decide decides request r, which fits the resource's availability
	// and overlaps none of its holds, at r's place in the causal order.
	Decide(v View, r *RequestState) Decision
}

// View is what a policy reads when it decides: the resource and its
// current holds. It must not change them.
type View struct {
	Resource *ResourceState
}

// Params are the resource's policy parameters (nil when none).
func (v View) Params() []uint64 { return v.Resource.Payload.Params }

// HoldsIn returns the resource's current holds that overlap w, by start.
func (v View) HoldsIn(w Window) []Hold { return v.Resource.holdsIn(w) }

// HoldsOf returns the current holds of the resource by requester's account
// that overlap w, by start: without reading the others' holds.
func (v View) HoldsOf(requester identity.PublicKey, w Window) []Hold {
	l := v.Resource.byRequester[requester]
	if l == nil {
		return nil
	}
	return l.overlapping(w)
}

// Registry is the set of policies a node knows, by name.
type Registry struct{ m map[string]Policy }

// NewRegistry returns a registry of the policies given.
func NewRegistry(ps ...Policy) (*Registry, error) {
	r := &Registry{m: map[string]Policy{}}
	for _, p := range ps {
		if err := r.Register(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// DefaultRegistry returns a new registry of the built-in policies:
// first-come, manual and hours-per-day.
func DefaultRegistry() *Registry {
	r, err := NewRegistry(FirstCome{}, Manual{}, HoursPerDay{})
	if err != nil {
		panic(err) // the built-ins have distinct, valid names
	}
	return r
}

// Register adds p. Its name must be a token (festival.md §2) that no
// registered policy has.
func (r *Registry) Register(p Policy) error {
	name := p.Name()
	if why := tokenProblem(name); why != "" {
		return fmt.Errorf("festival: policy name %q: %s", name, why)
	}
	if _, ok := r.m[name]; ok {
		return fmt.Errorf("festival: a policy named %q is already registered", name)
	}
	r.m[name] = p
	return nil
}

// Lookup returns the policy named name.
func (r *Registry) Lookup(name string) (Policy, bool) {
	p, ok := r.m[name]
	return p, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	ns := make([]string, 0, len(r.m))
	for n := range r.m {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// FirstCome grants every request that fits: the first request in the
// causal order gets the window.
type FirstCome struct{}

func (FirstCome) Name() string { return PolicyFirstCome }

func (FirstCome) CheckParams(ps []uint64) error { return noParams(PolicyFirstCome, ps) }

func (FirstCome) Decide(View, *RequestState) Decision { return Granted() }

// Manual leaves every request to the owner's authorization.
type Manual struct{}

func (Manual) Name() string { return PolicyManual }

func (Manual) CheckParams(ps []uint64) error { return noParams(PolicyManual, ps) }

func (Manual) Decide(View, *RequestState) Decision { return LeftToOwner() }

func noParams(name string, ps []uint64) error {
	if ps != nil {
		return fmt.Errorf("%s takes no parameters, got %v", name, slices.Clone(ps))
	}
	return nil
}
