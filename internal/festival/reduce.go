package festival

import (
	"bytes"
	"errors"

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
	es, at := distinct(in.Entries)
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

// distinct returns one copy of each entry id: of two copies, one whose
// payload matches its header, then the one with the smaller payload bytes,
// so the choice does not depend on the input order.
func distinct(in []*entry.Entry) ([]*entry.Entry, map[entry.ID]int32) {
	at := make(map[entry.ID]int32, len(in))
	es := make([]*entry.Entry, 0, len(in))
	for _, e := range in {
		if e == nil {
			continue
		}
		if i, ok := at[e.ID]; ok {
			if preferred(e, es[i]) {
				es[i] = e
			}
			continue
		}
		at[e.ID] = int32(len(es))
		es = append(es, e)
	}
	return es, at
}

func preferred(a, b *entry.Entry) bool {
	am := a.Payload != nil && entry.CheckPayload(&a.Header, a.Payload) == nil
	bm := b.Payload != nil && entry.CheckPayload(&b.Header, b.Payload) == nil
	if am != bm {
		return am
	}
	if (a.Payload == nil) != (b.Payload == nil) {
		return a.Payload == nil
	}
	return bytes.Compare(a.Payload, b.Payload) < 0
}
