package festival

import (
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/causalorder"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Input is what Reduce reads.
type Input struct {
	// Entries: festival entries of any festivals, in any order,
	// signatures already checked; duplicates are ignored.
	Entries []*entry.Entry
	// Account maps an entry to the account it speaks for; nil: the
	// entry's author key.
	Account func(*entry.Entry) (identity.PublicKey, bool)
	// Policies are the policies this node knows; nil: DefaultRegistry.
	Policies *Registry
	// Home maps an entry to the village or space it was read from
	// (festival.md §3, "Homes"); zero for the public festival logs. nil:
	// every entry was read from the public festival logs.
	Home func(*entry.Entry) entry.ID
}

// Reduce derives every festival in the set of entries (festival.md §3). It
// is a function of the set: any delivery order gives the same state.
func Reduce(in Input) *State {
	s := &State{
		Festivals:      map[entry.ID]*FestivalState{},
		Resources:      map[entry.ID]*ResourceState{},
		Events:         map[entry.ID]*EventState{},
		Requests:       map[RequestKey]*RequestState{},
		requestEntries: map[entry.ID]RequestKey{},
	}
	account := in.Account
	if account == nil {
		account = func(e *entry.Entry) (identity.PublicKey, bool) { return e.Header.Author, true }
	}
	reg := in.Policies
	if reg == nil {
		reg = DefaultRegistry()
	}
	es, at := causalorder.Distinct(in.Entries)
	ps := make([]Payload, len(es))
	errs := make([]error, len(es))
	for i, e := range es {
		ps[i], errs[i] = decodeEntry(e)
	}
	deps := make([][]entry.ID, len(es))
	for i, p := range ps {
		if p != nil {
			deps[i] = append(named(p), p.causal().Refs...)
		}
	}
	order := causalorder.Order(es, at, func(i int) []entry.ID { return deps[i] })
	r := &reducer{s: s, reg: reg, es: es, at: at, deps: deps, pos: make([]int32, len(es))}
	for k, i := range order {
		r.pos[i] = int32(k)
	}
	for _, i := range order {
		e := es[i]
		who, ok := account(e)
		why := ""
		switch {
		case errs[i] != nil:
			why = errs[i].Error()
		case !ok:
			why = "its author speaks for no account known here"
		case in.Home != nil && r.wrongHome(in.Home(e), ps[i]) != "":
			why = r.wrongHome(in.Home(e), ps[i])
		default:
			why = r.apply(e.ID, who, ps[i])
		}
		if why != "" {
			ig := Ignored{ID: e.ID, Author: who, Reason: why}
			if ps[i] != nil {
				ig.Type = ps[i].Type()
			}
			s.Ignored = append(s.Ignored, ig)
			continue
		}
		s.Applied = append(s.Applied, e.ID)
	}
	return s
}

// decodeEntry decodes e's payload, checking that it matches the header.
func decodeEntry(e *entry.Entry) (Payload, error) {
	if e.Payload == nil {
		return nil, errors.New("payload missing")
	}
	if entry.CheckPayload(&e.Header, e.Payload) != nil {
		return nil, errors.New("the payload does not match the entry's header")
	}
	return Decode(e.Payload)
}

// wrongHome says why an entry read from home is ignored for its place
// (festival.md §3, "Homes"): a festival lives where its create says, a
// festival nested in another lives where the outer one does, and every
// entry of a festival is read from the festival's home. "" when it is in
// its place, or when the festival it names is not held (apply says so).
func (r *reducer) wrongHome(home entry.ID, p Payload) string {
	var want entry.ID
	switch p := p.(type) {
	case *Create:
		if !p.Parent.IsZero() {
			if par := r.s.Festivals[p.Parent]; par != nil && par.Payload.Home != p.Home {
				return fmt.Sprintf("it is nested in a festival living in %s but says it lives in %s: a nested festival lives where the outer one does", where(par.Payload.Home), where(p.Home))
			}
		}
		want = p.Home
	default:
		f := r.s.Festivals[festivalOf(p, entry.ID{})]
		if f == nil {
			return ""
		}
		want = f.Payload.Home
	}
	if home != want {
		return fmt.Sprintf("it was read from %s, not from the festival's home, %s", where(home), where(want))
	}
	return ""
}

// where names a home for people reading a reason.
func where(home entry.ID) string {
	if home.IsZero() {
		return "the public festival logs"
	}
	return "the village or space " + short(home)
}
