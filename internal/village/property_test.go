package village

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// randomVillage builds a village of n (3..7) keys: two founders, the rest
// invited; then random concurrent actions (votes, notes, userspecs,
// invitations, joins, exclusions and their votes, leaves, states) with
// timestamps drawn from a small range so that ties happen.
func randomVillage(t testing.TB, rng *rand.Rand, keys []identity.PrivateKey, n, actions int) *world {
	ks := keys[:n]
	w := founded(t, []Method{Unanimous, Majority}[rng.IntN(2)], []Method{Unanimous, Majority}[rng.IntN(2)], ks[0], ks[1])
	base := w.ts
	// Half the villages first admit a third key (both founders invite it
	// and it joins), so that larger memberships, admissions under the
	// charter and exclusions among three or more are common.
	if rng.IntN(2) == 0 {
		for _, f := range ks[:2] {
			w.postAt(f, &Invite{Village: w.village, Invitee: accOf(ks[2])}, base+1)
		}
		w.postAt(ks[2], &Join{Village: w.village}, base+1+rng.Uint64N(2))
		base += 2
	}
	var props []entry.ID
	for range actions {
		k := ks[rng.IntN(n)]
		ts := base + 1 + rng.Uint64N(uint64(actions/2+1))
		S := stranger(byte(rng.IntN(4)))
		var p Payload
		switch rng.IntN(11) {
		case 0:
			p = &Invite{Village: w.village, Invitee: accOf(ks[rng.IntN(n)])}
		case 1:
			p = &Join{Village: w.village}
		case 2:
			p = &Userspec{Village: w.village, Mode: []Mode{Active, Passive}[rng.IntN(2)], Name: "x"}
		case 3, 4, 5:
			v := &Vote{Village: w.village, Stranger: S, Vote: VoteKind(rng.IntN(3))}
			if v.Vote == VoteAccept {
				v.Proof = proof(byte(rng.IntN(2)))
			}
			p = v
		case 6:
			p = &Strangerspec{Village: w.village, Stranger: S, Text: "note"}
		case 7:
			p = &Exclude{Village: w.village, Subject: accOf(ks[rng.IntN(n)])}
		case 8:
			if len(props) == 0 {
				continue
			}
			p = &ExcludeVote{Village: w.village, Proposal: props[rng.IntN(len(props))], For: rng.IntN(3) > 0}
		case 10:
			// A request, mostly from a key that is not a local (keys
			// beyond ks), sometimes from one that is or was.
			k = keys[rng.IntN(len(keys))]
			p = &Request{Village: w.village, User: [32]byte(S[32:]), Text: "hello"}
		case 9:
			if rng.IntN(4) == 0 {
				p = &Leave{Village: w.village}
			} else {
				p = &Userspec{Village: w.village, Mode: Active}
			}
		}
		e := w.postAt(k, p, ts)
		if _, ok := p.(*Exclude); ok {
			props = append(props, e.ID)
		}
	}
	return w
}

func shuffled(rng *rand.Rand, es []*entry.Entry) []*entry.Entry {
	out := append([]*entry.Entry(nil), es...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Replicas that hold the same entries compute the same state, whatever the
// delivery order and whatever partial views they went through: two
// partitions each see a random subset (closed under log prefixes), then
// everything is merged, with duplicates.
func TestConvergence(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]identity.PrivateKey, 7)
	for i := range keys {
		keys[i] = key(t, byte(10+i))
	}
	iterations := 150
	if testing.Short() {
		iterations = 30
	}
	interesting := 0
	for it := range iterations {
		n := 3 + rng.IntN(5)
		w := randomVillage(t, rng, keys, n, 20+rng.IntN(40))
		want, err := Reduce(w.village, w.all)
		if err != nil {
			t.Fatal(err)
		}
		enc := want.Encode()
		if len(want.Members()) > 2 || len(want.Proposals) > 0 {
			interesting++
		}
		// Partitions: each group holds a prefix of every log.
		var groups [2][]*entry.Entry
		for g := range groups {
			cut := map[identity.PublicKey]uint64{}
			// In key order: ranging over the map would draw from rng in
			// a different order each run, and the test would not repeat.
			for _, k := range slices.SortedFunc(maps.Keys(w.ws), func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) }) {
				cut[k] = rng.Uint64N(w.ws[k].seq + 1)
			}
			groups[g] = []*entry.Entry{w.found}
			for _, e := range w.all[1:] {
				if isCert(e) || e.Header.Seq <= cut[e.Header.Author] {
					groups[g] = append(groups[g], e)
				}
			}
			if _, err := Reduce(w.village, shuffled(rng, groups[g])); err != nil {
				t.Fatal(err)
			}
			p1, _ := Reduce(w.village, shuffled(rng, groups[g]))
			p2, _ := Reduce(w.village, shuffled(rng, groups[g]))
			if !bytes.Equal(p1.Encode(), p2.Encode()) {
				t.Fatalf("iteration %d: partition %d: two orders differ", it, g)
			}
		}
		merged := append(append(shuffled(rng, groups[0]), shuffled(rng, groups[1])...), shuffled(rng, w.all)...)
		for r := range 3 {
			got, err := Reduce(w.village, shuffled(rng, merged))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Encode(), enc) {
				t.Fatalf("iteration %d, replica %d: states differ", it, r)
			}
			for _, m := range got.Members() {
				c1, _ := got.Components(m, [32]byte{})
				c2, _ := want.Components(m, [32]byte{})
				if c1 != c2 {
					t.Fatalf("iteration %d: components of %x differ", it, m[:4])
				}
			}
		}
		checkInvariants(t, want)
		// Leaving out the logs of keys the village does not know (the
		// strangers') changes no component (village.md §4).
		var seen []Seen
		for _, s := range SeenOf(w.village, w.all) {
			if want.Knows(s.Author) {
				seen = append(seen, s)
			}
		}
		byID := map[entry.ID]*entry.Entry{}
		for _, e := range w.all {
			byID[e.ID] = e
		}
		named, err := Named(w.village, seen, byID)
		if err != nil {
			t.Fatal(err)
		}
		part, err := Reduce(w.village, named)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range want.Members() {
			c1, _ := want.Components(m, [32]byte{})
			c2, _ := part.Components(m, [32]byte{})
			if c1 != c2 {
				t.Fatalf("iteration %d: components of %x differ without strangers' logs", it, m[:4])
			}
		}
	}
	t.Logf("%d of %d villages admitted a third local or saw a proposal", interesting, iterations)
	if interesting < iterations/4 {
		t.Fatalf("only %d of %d villages admitted a third local or saw a proposal", interesting, iterations)
	}
}

// checkInvariants: the standing rules hold in every derived state.
func checkInvariants(t *testing.T, s *State) {
	t.Helper()
	active := s.ActiveLocals()
	for _, st := range s.Strangers {
		veto, allAccept := false, len(active) > 0
		for _, k := range active {
			b := st.Ballot(k)
			veto = veto || b.Vote == VoteVeto
			allAccept = allAccept && b.Vote == VoteAccept
		}
		want := Acknowledged
		if veto {
			want = Vetoed
		} else if allAccept {
			want = Accepted
		}
		if len(st.Requests) > MaxRequests || st.Pending() && st.Standing == Vetoed {
			t.Fatalf("stranger %x: %d requests, pending %v, standing %s", st.ID[:4], len(st.Requests), st.Pending(), st.Standing)
		}
		if st.Standing != want {
			t.Fatalf("stranger %x: standing %s, want %s", st.ID[:4], st.Standing, want)
		}
		for _, b := range st.Ballots {
			l := s.Local(b.Local)
			if b.Mechanical != (l.Status == Member && l.Mode == Passive) {
				t.Fatalf("ballot %+v of a %s %s local", b, l.Mode, l.Status)
			}
			if b.Mechanical && veto && b.Vote != VoteVeto {
				t.Fatal("passive local does not follow a veto")
			}
		}
	}
}
