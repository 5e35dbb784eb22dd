package festival_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/identity"
)

// membersOnly is a policy a program writes outside this package, with only
// its exported API: first come, first served among the members of a
// village, which the program resolved and gave it; everyone else is
// denied.
type membersOnly struct{ members map[identity.PublicKey]bool }

func (membersOnly) Name() string { return "members-only" }

func (membersOnly) CheckParams(ps []uint64) error {
	if ps != nil {
		return fmt.Errorf("members-only takes no parameters")
	}
	return nil
}

func (m membersOnly) Decide(v festival.View, r *festival.RequestState) festival.Decision {
	if !m.members[r.Requester] {
		return festival.Denied("%q lends itself to members of the village only", v.Resource.Payload.Name)
	}
	return festival.Granted()
}

// A policy registered from outside the package decides requests, and
// authorizations are checked against it, with no change to the reducer.
func TestRegisteredPolicy(t *testing.T) {
	keys := make([]identity.PrivateKey, 4)
	for i := range keys {
		seed := sha256.Sum256([]byte{'x', byte(i)})
		k, err := identity.KeyFromSeed(seed[:])
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	seqs := map[int]uint64{}
	prev := map[int]entry.ID{}
	var all []*entry.Entry
	add := func(who int, p festival.Payload) entry.ID {
		b, err := festival.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		seqs[who]++
		pub := keys[who].Public()
		e, err := entry.Sign(keys[who], entry.Draft{LogID: entry.LogID(sha256.Sum256(pub[:])), Seq: seqs[who], Backlink: prev[who], Timestamp: 5, Payload: b})
		if err != nil {
			t.Fatal(err)
		}
		prev[who] = e.ID
		all = append(all, e)
		return e.ID
	}
	span := festival.Window{Start: 1783188000, End: 1783195200}
	f := add(0, &festival.Create{Name: "Village fair"})
	res := add(1, &festival.Resource{Festival: f, Kind: "equipment", Name: "Sound system", Policy: "members-only"})
	member := add(2, &festival.Event{Festival: f, Name: "Choir", Span: span, Needs: []entry.ID{res}})
	stranger := add(3, &festival.Event{Festival: f, Name: "Rave", Span: festival.Window{Start: span.End, End: span.End + 3600}, Needs: []entry.ID{res}})
	// The owner's node publishes what the policy decided; a grant to
	// the stranger would contradict it.
	ok := add(1, &festival.Authorize{Festival: f, Request: member, Resource: res, Decision: festival.DecisionGrant, Policy: "members-only"})
	bad := add(1, &festival.Authorize{Festival: f, Request: stranger, Resource: res, Decision: festival.DecisionGrant, Policy: "members-only"})

	reg := festival.DefaultRegistry()
	if err := reg.Register(membersOnly{members: map[identity.PublicKey]bool{keys[2].Public(): true}}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(membersOnly{}); err == nil {
		t.Fatal("a second policy of the same name was registered")
	}
	s := festival.Reduce(festival.Input{Entries: all, Policies: reg})
	if q := s.Requests[festival.RequestKey{Entry: member, Resource: res}]; q.Status != festival.StatusGranted || q.Confirmed != ok {
		t.Fatalf("member's request: %+v", q)
	}
	q := s.Requests[festival.RequestKey{Entry: stranger, Resource: res}]
	if q.Status != festival.StatusDenied || q.Reason != `"Sound system" lends itself to members of the village only` {
		t.Fatalf("stranger's request: %s %q", q.Status, q.Reason)
	}
	if why := s.Why(bad); why != `it contradicts the policy members-only: the request was denied: "Sound system" lends itself to members of the village only` {
		t.Fatalf("grant to the stranger ignored for %q", why)
	}
	// A node that does not know the policy leaves the requests to the
	// owner and takes the owner's word, unchecked.
	s = festival.Reduce(festival.Input{Entries: all})
	if !s.Resources[res].Unchecked || s.Requests[festival.RequestKey{Entry: stranger, Resource: res}].Status != festival.StatusGranted {
		t.Fatalf("unknown policy: %+v", s.Requests[festival.RequestKey{Entry: stranger, Resource: res}])
	}
}
