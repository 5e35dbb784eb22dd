package village

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/causalorder"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// act is one action of a scripted village: k posts p (an exclusion vote
// on the proposal posted by action prop when prop >= 0).
type act struct {
	k    identity.PrivateKey
	p    Payload
	prop int
}

// script draws a random village history: two founders, a third invited,
// then votes, notes, userspecs, invitations, joins, exclusions and their
// votes, leaves and strangers' requests.
func script(rng *rand.Rand, keys []identity.PrivateKey, n, actions int) []act {
	ks := keys[:n]
	var out []act
	add := func(k identity.PrivateKey, p Payload) { out = append(out, act{k, p, -1}) }
	for _, f := range ks[:2] {
		add(f, &Invite{Invitee: accOf(ks[2])})
	}
	add(ks[2], &Join{})
	var props []int
	for range actions {
		k := ks[rng.IntN(n)]
		S := stranger(byte(rng.IntN(4)))
		switch rng.IntN(11) {
		case 0:
			add(k, &Invite{Invitee: accOf(ks[rng.IntN(n)])})
		case 1:
			add(k, &Join{})
		case 2, 9:
			add(k, &Userspec{Mode: []Mode{Active, Passive}[rng.IntN(2)], Name: "x"})
		case 3, 4, 5:
			v := &Vote{Stranger: S, Vote: VoteKind(rng.IntN(3))}
			if v.Vote == VoteAccept {
				v.Proof = proof(byte(rng.IntN(2)))
			}
			add(k, v)
		case 6:
			add(k, &Strangerspec{Stranger: S, Text: "note"})
		case 7:
			props = append(props, len(out))
			add(k, &Exclude{Subject: accOf(ks[rng.IntN(n)])})
		case 8:
			if len(props) > 0 {
				out = append(out, act{k, &ExcludeVote{For: rng.IntN(3) > 0}, props[rng.IntN(len(props))]})
			}
		case 10:
			add(keys[rng.IntN(len(keys))], &Request{User: [32]byte(S[32:]), Text: "hello"})
		}
	}
	return out
}

// play posts the script in a new founded world; ts stamps action i.
func play(t testing.TB, founders []identity.PrivateKey, sc []act, ts func(i int) uint64) *world {
	w := founded(t, Unanimous, Majority, founders...)
	ids := make([]entry.ID, len(sc))
	for i, a := range sc {
		p := withVillage(a.p, w.village)
		if ev, ok := p.(*ExcludeVote); ok {
			ev.Proposal = ids[a.prop]
		}
		ids[i] = w.postAt(a.k, p, ts(i)).ID
	}
	return w
}

// withVillage returns a copy of p naming village v.
func withVillage(p Payload, v entry.ID) Payload {
	switch p := p.(type) {
	case *Invite:
		c := *p
		c.Village = v
		return &c
	case *Join:
		return &Join{Village: v}
	case *Userspec:
		c := *p
		c.Village = v
		return &c
	case *Vote:
		c := *p
		c.Village = v
		return &c
	case *Strangerspec:
		c := *p
		c.Village = v
		return &c
	case *Exclude:
		c := *p
		c.Village = v
		return &c
	case *ExcludeVote:
		c := *p
		c.Village = v
		return &c
	case *Request:
		c := *p
		c.Village = v
		return &c
	}
	panic(fmt.Sprintf("withVillage: %T", p))
}

// semantic is what a state says about the village, without entry ids
// (which differ between two plays of one script): locals, invitations,
// strangers with ballots, notes and requests, proposals, problems, and
// the reasons of the ignored entries in order.
func semantic(s *State) string {
	var b strings.Builder
	fmt.Fprintf(&b, "founded %v\n", s.Founded)
	for _, l := range s.Locals {
		fmt.Fprintf(&b, "local %x %s %s %v %q\n", l.Key[:4], l.Status, l.Mode, l.Accepted, l.Name)
	}
	for _, inv := range s.Invitations {
		fmt.Fprintf(&b, "invitation %x %d %v %v\n", inv.Invitee[:4], len(inv.Endorsers), inv.Admitted, inv.Joined)
	}
	for _, st := range s.Strangers {
		fmt.Fprintf(&b, "stranger %x %v %s %d\n", st.ID[:4], st.Listed, st.Standing, len(st.Requests))
		for _, bl := range st.Ballots {
			fmt.Fprintf(&b, "  ballot %x %s %x %v %v %s\n", bl.Local[:4], bl.Vote, bl.Proof[:4], bl.Mechanical, bl.Counted, bl.Explicit)
		}
		for _, n := range st.Notes {
			fmt.Fprintf(&b, "  note %x %q\n", n.Local[:4], n.Text)
		}
	}
	for _, p := range s.Proposals {
		fmt.Fprintf(&b, "proposal %x %x %s %d %d\n", p.Proposer[:4], p.Subject[:4], p.Outcome, len(p.For), len(p.Against))
	}
	fmt.Fprintf(&b, "problems %q\n", s.Problems)
	for _, ig := range s.Ignored {
		fmt.Fprintf(&b, "ignored %s\n", ig.Reason)
	}
	return b.String()
}

// Every author having seen everything before it writes (each entry
// references the heads of all other logs), the causal order is the order
// of writing: the state is the one the history implies, whether the
// timestamps are honest, adversarial (drawn from the whole range) or
// reversed, and whatever the delivery order.
func TestAdversarialTimestamps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	keys := make([]identity.PrivateKey, 7)
	for i := range keys {
		keys[i] = key(t, byte(40+i))
	}
	iterations := 60
	if testing.Short() {
		iterations = 15
	}
	for it := range iterations {
		n := 3 + rng.IntN(4)
		sc := script(rng, keys, n, 20+rng.IntN(40))
		honest := play(t, keys[:2], sc, func(i int) uint64 { return uint64(10 + i) })
		want := semantic(honest.reduce())
		for name, ts := range map[string]func(int) uint64{
			"random":   func(int) uint64 { return rng.Uint64N(entry.MaxTimestamp + 1) },
			"reversed": func(i int) uint64 { return entry.MaxTimestamp - uint64(i) },
			"equal":    func(int) uint64 { return 5 },
		} {
			w := play(t, keys[:2], sc, ts)
			for r := range 3 {
				s, err := Reduce(w.village, shuffled(rng, w.all))
				if err != nil {
					t.Fatal(err)
				}
				if got := semantic(s); got != want {
					t.Fatalf("iteration %d, %s timestamps, delivery %d: state\n%s\nwant (honest timestamps)\n%s", it, name, r, got, want)
				}
			}
		}
	}
}

// naiveOrder is the village order computed the slow, obvious way: again
// and again, take the smallest-id entry not yet taken whose backlink and
// references (those held) are all taken.
func naiveOrder(es []*entry.Entry) []int32 {
	held := map[entry.ID]bool{}
	for _, e := range es {
		held[e.ID] = true
	}
	taken := map[entry.ID]bool{}
	var out []int32
	for len(out) < len(es) {
		best := -1
		for i, e := range es {
			if taken[e.ID] {
				continue
			}
			var preds []entry.ID
			if e.Header.Seq > 1 {
				preds = append(preds, e.Header.Backlink)
			}
			if p, err := Decode(e.Payload); err == nil {
				preds = append(preds, RefsOf(p)...)
			}
			ready := true
			for _, p := range preds {
				if held[p] && !taken[p] {
					ready = false
				}
			}
			if ready && (best < 0 || bytes.Compare(e.ID[:], es[best].ID[:]) < 0) {
				best = i
			}
		}
		taken[es[best].ID] = true
		out = append(out, int32(best))
	}
	return out
}

// With partial knowledge (each entry references a random subset of the
// other logs' heads, some of them heads the author then withholds), the
// state is the one the causal order implies (the naive order applied
// step by step), whatever the timestamps and the delivery order; a
// replica missing some entries still reduces, and converges once it holds
// them.
func TestCausalOrderProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	keys := make([]identity.PrivateKey, 6)
	for i := range keys {
		keys[i] = key(t, byte(60+i))
	}
	iterations := 60
	if testing.Short() {
		iterations = 15
	}
	for it := range iterations {
		n := 3 + rng.IntN(3)
		sc := script(rng, keys, n, 15+rng.IntN(30))
		w := founded(t, []Method{Unanimous, Majority}[rng.IntN(2)], []Method{Unanimous, Majority}[rng.IntN(2)], keys[0], keys[1])
		ids := make([]entry.ID, len(sc))
		for i, a := range sc {
			p := withVillage(a.p, w.village)
			if ev, ok := p.(*ExcludeVote); ok {
				ev.Proposal = ids[a.prop]
			}
			var refs []entry.ID
			for pub, o := range w.ws {
				if pub != a.k.Public() && o.seq > 0 && rng.IntN(3) > 0 {
					refs = append(refs, o.prev)
				}
			}
			if rng.IntN(10) == 0 {
				refs = append(refs, entry.ID(proof(byte(200+rng.IntN(50))))) // never held
			}
			ids[i] = w.postSeeing(a.k, p, rng.Uint64N(entry.MaxTimestamp+1), refs...).ID
		}
		found, es, at, certs := distinct(w.village, w.all)
		ps := decodeAll(es)
		oracle, err := reduceInOrder(w.village, found, es, ps, naiveOrder(es), accountsOf(es, ps, at, certs))
		if err != nil {
			t.Fatal(err)
		}
		want := oracle.Encode()
		if got := causalorder.Order(es, at, func(i int) []entry.ID { return RefsOf(ps[i].p) }); !slices.Equal(got, naiveOrder(es)) {
			t.Fatalf("iteration %d: order %v, naive order %v", it, got, naiveOrder(es))
		}
		for r := range 4 {
			s, err := Reduce(w.village, append(shuffled(rng, w.all), w.all[rng.IntN(len(w.all))]))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(s.Encode(), want) {
				t.Fatalf("iteration %d, delivery %d: the state differs from the causal order's", it, r)
			}
		}
		// A replica holding a random subset reduces, and the union of two
		// such replicas' entries gives the full state.
		var half []*entry.Entry
		for _, e := range w.all {
			if e == w.found || e == w.certs[keys[0].Public()] || rng.IntN(2) == 0 {
				half = append(half, e)
			}
		}
		if _, err := Reduce(w.village, half); err != nil {
			t.Fatal(err)
		}
		s, err := Reduce(w.village, append(half, shuffled(rng, w.all)...))
		if err != nil || !bytes.Equal(s.Encode(), want) {
			t.Fatalf("iteration %d: the union of two replicas does not converge (%v)", it, err)
		}
	}
}
