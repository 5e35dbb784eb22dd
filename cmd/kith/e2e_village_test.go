package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// villageTimeout bounds each wait for village entries to spread.
const villageTimeout = 45 * time.Second

// villageShow returns the village as p reduces it, or false while p does
// not hold its found entry.
func villageShow(p *proc, vid string) (wire.Village, bool) {
	out, err := p.try("village", "show", vid)
	if err != nil {
		return wire.Village{}, false
	}
	var v wire.Village
	if err := json.Unmarshal(out, &v); err != nil {
		p.t.Fatalf("%s: village show: %v\n%s", p.name, err, out)
	}
	return v, true
}

// villageWait waits until cond holds for the village as every one of
// nodes reduces it.
func villageWait(t *testing.T, nodes []*proc, vid, what string, cond func(v wire.Village) bool) {
	t.Helper()
	defer step(t, "wait for "+what)()
	for _, p := range nodes {
		var last wire.Village
		deadline := time.Now().Add(villageTimeout)
		for {
			v, ok := villageShow(p, vid)
			if ok && cond(v) {
				break
			}
			last = v
			if time.Now().After(deadline) {
				b, _ := json.MarshalIndent(last, "", "  ")
				t.Fatalf("timed out after %v waiting for %s on %s; it shows:\n%s", villageTimeout, what, p.name, b)
			}
			time.Sleep(150 * time.Millisecond)
		}
	}
}

// villageEntryOf runs a village command that appends an entry and returns
// the entry's id.
func villageEntryOf(p *proc, args ...string) string {
	p.t.Helper()
	var e wire.VillageEntry
	if err := json.Unmarshal(p.kith(append([]string{"village"}, args...)...), &e); err != nil || e.ID == "" {
		p.t.Fatalf("%s: village %s: %+v %v", p.name, strings.Join(args, " "), e, err)
	}
	return e.ID
}

func villageLocal(v wire.Village, key string) wire.VillageLocal {
	for _, l := range v.Locals {
		if l.Key == key {
			return l
		}
	}
	return wire.VillageLocal{}
}

func villageStranger(v wire.Village, id string) wire.VillageStranger {
	for _, s := range v.Strangers {
		if s.ID == id {
			return s
		}
	}
	return wire.VillageStranger{}
}

func villageVoteOf(s wire.VillageStranger, local string) wire.VillageVote {
	for _, v := range s.Votes {
		if v.Local == local {
			return v
		}
	}
	return wire.VillageVote{}
}

// villageCanonical is the part of a village every node must agree on: all
// but "me", with lists sorted where their order is not meaningful.
func villageCanonical(v wire.Village) string {
	v.Me = ""
	for i := range v.Invitations {
		slices.Sort(v.Invitations[i].Endorsers)
	}
	for i := range v.Strangers {
		slices.Sort(v.Strangers[i].Vetoers)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// villageSameSet reports whether got holds exactly want, in any order.
func villageSameSet(got []string, want ...string) bool {
	g := slices.Sorted(slices.Values(got))
	slices.Sort(want)
	return slices.Equal(g, want)
}

// villagePeers returns the devices p is connected to, sorted.
func villagePeers(p *proc) []string {
	var peers []struct {
		Device string `json:"device"`
	}
	if err := json.Unmarshal(p.kith("peers"), &peers); err != nil {
		p.t.Fatalf("%s: peers: %v", p.name, err)
	}
	var out []string
	for _, q := range peers {
		out = append(out, q.Device)
	}
	slices.Sort(out)
	return out
}

// villageConnect links every pair of the running nodes (i dials j, i < j);
// a restarted node listens on a new port, so the links are made again.
func villageConnect(nodes ...*proc) {
	for i, p := range nodes {
		for _, q := range nodes[i+1:] {
			p.kith("peer", "add", q.addr())
		}
	}
}

// TestVillageFourNodes: a village across four processes. A and B found it;
// A invites C (B endorses); C invites D, who follows C only and so reaches
// the found entry (in A's found log) through the village scope; D becomes a
// passive local, the always-on hub. Once C is a local nobody follows anyone
// but D its inviter C: the village logs replicate through the village
// scope. Two strangers, each its own node linked to one local only, send
// requests: S1's, through B, reaches every local's inbox by sync and S1 is
// accepted by every active local with the same proof (D's mechanical vote
// follows with it); S2's, through A, reaches every inbox, then B vetoes S2
// and every local's node (A, B, C and the hub D) refuses S2's next
// requests. While {A,B} and {C,D} are apart, B lifts its veto by accepting
// with proof, and A's node then takes a new request of S2; C vetoes; after
// the heal, through the hub D only for C, every node reports C's veto; A
// and B exclude C, the dissenting local, and S2 is accepted. Every node
// ends with the same village (S2's requests included), every published
// state chain audits clean on every node, and the strangers_state
// components of the final states agree.
func TestVillageFourNodes(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	c := startNode(t, "c", filepath.Join(dir, "c"))
	d := startNode(t, "d", filepath.Join(dir, "d"))
	st1 := startNode(t, "s1", filepath.Join(dir, "s1"))
	st2 := startNode(t, "s2", filepath.Join(dir, "s2"))
	all := []*proc{a, b, c, d}
	villageConnect(all...)
	st1.kith("peer", "add", b.addr())
	st2.kith("peer", "add", a.addr())
	// Each newcomer follows the one who brings it in, nobody else: B its
	// co-founder A, C its inviter A, D (later) its inviter C.
	b.kith("follow", a.Account)
	c.kith("follow", a.Account)

	proof1 := filepath.Join(dir, "proof1.txt")
	proof2 := filepath.Join(dir, "proof2.txt")
	if err := os.WriteFile(proof1, []byte("passport seen at the market, 3 May\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(proof2, []byte("letter from the landlord\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Founding.
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{b}, vid, "B to hold the found entry", func(v wire.Village) bool { return !v.Founded })
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a, b}, vid, "the founding", func(v wire.Village) bool { return v.Founded })
	t.Logf("founded after %v", time.Since(start).Round(time.Millisecond))

	// Invitation of C: A invites, B endorses (majority over {A,B} needs both).
	villageEntryOf(a, "invite", vid, c.Account)
	villageWait(t, []*proc{c}, vid, "C to hold the village", func(v wire.Village) bool { return v.Founded })
	villageEntryOf(c, "join", vid)
	villageEntryOf(b, "invite", vid, c.Account)
	villageWait(t, []*proc{a, b, c}, vid, "C a local", func(v wire.Village) bool {
		return villageLocal(v, c.Account).Status == "local"
	})

	// From here on the village scope alone carries the village: B and C
	// stop following A.
	b.kith("unfollow", a.Account)
	c.kith("unfollow", a.Account)
	d.kith("follow", c.Account)

	// Invitation of D by C: D follows C only (and C nobody), so D holds
	// the invitation but must reach the found entry, in A's found log,
	// through the village scope.
	villageEntryOf(c, "invite", vid, d.Account)
	villageWait(t, []*proc{d}, vid, "D to hold the village", func(v wire.Village) bool { return v.Founded })
	villageEntryOf(d, "join", vid)
	villageEntryOf(a, "invite", vid, d.Account) // 2 of the 3 active locals
	villageWait(t, all, vid, "D a local", func(v wire.Village) bool {
		return villageLocal(v, d.Account).Status == "local"
	})
	villageEntryOf(d, "userspec", vid, "--mode", "passive", "--name", "hub", "--about", "always on")
	villageWait(t, all, vid, "D passive", func(v wire.Village) bool {
		l := villageLocal(v, d.Account)
		return l.Mode == "passive" && l.Name == "hub" && len(v.Problems) == 0
	})
	t.Logf("four locals after %v", time.Since(start).Round(time.Millisecond))

	// S1's request, through B only, is in B's inbox (an unlisted
	// stranger reaches only the local it contacted).
	req1 := strangerRequest(st1, vid, b.Device, "may I sell bread at the market?")
	s1 := strangerWait(t, []*proc{b}, vid, req1, "S1's request in B's inbox", func(s wire.VillageStranger) bool {
		return s.Pending && len(s.Requests) == 1 && s.Requests[0].Text == "may I sell bread at the market?"
	}).ID

	// S1: every active local accepts with the same proof; D's mechanical
	// vote accepts with it.
	for _, p := range []*proc{a, b, c} {
		villageEntryOf(p, "vote", vid, s1, "accept", "--proof", proof1)
	}
	villageWait(t, all, vid, "stranger one accepted", func(v wire.Village) bool {
		s := villageStranger(v, s1)
		mv := villageVoteOf(s, d.Account)
		return s.Standing == "accepted" && mv.Mechanical && mv.Vote == "accept" && mv.Proof != "" &&
			mv.Proof == villageVoteOf(s, a.Account).Proof
	})

	// S2's request, through A only, is in A's inbox; A accepts, and the
	// request reaches every local; B vetoes: vetoed on every node, D's
	// mechanical vote a veto.
	req2 := strangerRequest(st2, vid, a.Device, "may I park my van on the square?")
	s2 := strangerWait(t, []*proc{a}, vid, req2, "S2's request in A's inbox", func(s wire.VillageStranger) bool {
		return s.Pending && len(s.Requests) == 1
	}).ID
	villageEntryOf(a, "vote", vid, s2, "accept", "--proof", proof1)
	strangerWait(t, all, vid, req2, "S2's request everywhere once A listed S2", func(s wire.VillageStranger) bool {
		return !s.Pending && len(s.Requests) == 1
	})
	villageEntryOf(b, "vote", vid, s2, "veto")
	villageWait(t, all, vid, "stranger two vetoed by B", func(v wire.Village) bool {
		s := villageStranger(v, s2)
		return s.Standing == "vetoed" && slices.Equal(s.Vetoers, []string{b.Account}) &&
			villageVoteOf(s, d.Account).Vote == "veto" && villageVoteOf(s, d.Account).Mechanical
	})
	t.Logf("votes spread after %v", time.Since(start).Round(time.Millisecond))

	// Every local's node refuses S2 while it is vetoed: A (its link), B,
	// C and the hub D by address; none stores the refused requests.
	strangerRefused(t, st2, vid, a.Device, "please reconsider, A")
	strangerRefused(t, st2, vid, b.addr(), "please reconsider, B")
	strangerRefused(t, st2, vid, c.addr(), "please reconsider, C")
	strangerRefused(t, st2, vid, d.addr(), "please reconsider, D")
	for _, p := range all {
		v, _ := villageShow(p, vid)
		if s, ok := strangerOf(v, req2); !ok || len(s.Requests) != 1 {
			t.Fatalf("%s holds S2 as %+v after the refusals", p.name, s)
		}
	}

	// Partition. {A,B} alone: B lifts its veto by accepting with proof,
	// A publishes its state.
	c.stop()
	d.stop()
	villageEntryOf(b, "vote", vid, s2, "accept", "--proof", proof2)
	a.kith("village", "state", vid)
	villageWait(t, []*proc{a, b}, vid, "B's veto lifted in {A,B}", func(v wire.Village) bool {
		s := villageStranger(v, s2)
		return s.Standing == "acknowledged" && len(s.Vetoers) == 0 && villageLocal(v, a.Account).State != ""
	})
	// A's state in {A,B} (nodes also publish states by themselves: the
	// one D may hold is from before the partition).
	va, _ := villageShow(a, vid)
	aApart := villageLocal(va, a.Account).State
	// The veto lifted, A's node takes S2's new request.
	req2b := strangerRequest(st2, vid, a.Device, "may I park my van on the square on Sundays?")
	strangerWait(t, []*proc{a, b}, vid, req2b, "S2's request taken once the veto is lifted", func(s wire.VillageStranger) bool {
		return s.ID == s2 && s.Standing == "acknowledged"
	})
	// {C,D} alone: C vetoes stranger two, C publishes its state.
	a.stop()
	b.stop()
	c.start()
	d.start()
	villageConnect(c, d)
	villageEntryOf(c, "vote", vid, s2, "veto")
	c.kith("village", "state", vid)
	villageWait(t, []*proc{c, d}, vid, "C's veto in {C,D}", func(v wire.Village) bool {
		s := villageStranger(v, s2)
		return villageSameSet(s.Vetoers, b.Account, c.Account) && villageLocal(v, c.Account).State != ""
	})
	if v, _ := villageShow(d, vid); villageLocal(v, a.Account).State == aApart {
		t.Fatal("D holds A's state across the partition")
	}

	// Heal through the hub: A and B link to each other and to D, not to
	// C (the addresses they kept of C are of its earlier run), so what C
	// wrote reaches them through D and what they wrote reaches C through
	// D. All four converge on C's veto, B's lifted.
	a.start()
	b.start()
	villageConnect(a, b, d)
	villageWait(t, all, vid, "C's veto alone after the heal", func(v wire.Village) bool {
		s := villageStranger(v, s2)
		return s.Standing == "vetoed" && slices.Equal(s.Vetoers, []string{c.Account}) &&
			villageLocal(v, a.Account).State != "" && villageLocal(v, c.Account).State != ""
	})
	t.Logf("healed after %v", time.Since(start).Round(time.Millisecond))
	if ps := villagePeers(c); !slices.Equal(ps, []string{d.Device}) {
		t.Fatalf("C is linked to %v, want D only", ps)
	}

	// Exclusion of C, the dissenting local: A proposes, B votes for.
	proposal := villageEntryOf(a, "exclude", vid, c.Account, "--reason", "vetoes without saying why")
	villageWait(t, []*proc{b}, vid, "the proposal at B", func(v wire.Village) bool {
		return len(v.Proposals) == 1 && v.Proposals[0].ID == proposal
	})
	villageEntryOf(b, "exclude-vote", vid, proposal, "for")
	villageWait(t, all, vid, "C excluded and stranger two accepted", func(v wire.Village) bool {
		s := villageStranger(v, s2)
		return villageLocal(v, c.Account).Status == "excluded" && len(v.Proposals) == 1 &&
			v.Proposals[0].Outcome == "passed" && s.Standing == "accepted" && len(s.Vetoers) == 0 &&
			!villageVoteOf(s, c.Account).Counted
	})
	// S2, accepted, is heard again by C and D: the request A took while
	// they were apart (S2's log, refused by them while vetoed) reaches
	// them once the veto falls, in the same sessions.
	strangerWait(t, all, vid, req2b, "S2's request taken in {A,B} on every node", func(s wire.VillageStranger) bool {
		return s.ID == s2 && s.Standing == "accepted" && len(s.Requests) == 2
	})

	// The remaining locals publish their states; every node ends with the
	// same village.
	for _, p := range []*proc{a, b, d} {
		p.kith("village", "state", vid)
	}
	var want string
	var last []string
	t.Cleanup(func() {
		if t.Failed() {
			for i, s := range last {
				t.Logf("%s last showed: %s", all[i].name, s)
			}
		}
	})
	waitFor(t, villageTimeout, "every node to report the same village", func() bool {
		var cs []string
		for _, p := range all {
			v, ok := villageShow(p, vid)
			if !ok {
				return false
			}
			cs = append(cs, villageCanonical(v))
		}
		last = cs
		for _, s := range cs[1:] {
			if s != cs[0] {
				return false
			}
		}
		want = cs[0]
		return true
	})
	final, _ := villageShow(a, vid)
	for _, k := range []string{a.Account, b.Account, d.Account} {
		if villageLocal(final, k).State == "" {
			t.Errorf("%s's state is not in the final village: %s", k, want)
		}
	}
	if s, ok := strangerOf(final, req2b); !ok || s.ID != s2 || s.Standing != "accepted" {
		t.Errorf("S2 in the final village: %+v", s)
	}
	if l := villageLocal(final, d.Account); l.Status != "local" || l.Mode != "passive" {
		t.Errorf("D in the final village: %+v", l)
	}

	// Every local's chain audits clean on every node (once blob sync has
	// brought the states' seen lists), and the final states agree on the
	// strangers' standing and notes.
	for _, p := range all {
		for _, q := range all {
			var ch wire.VillageChain
			waitFor(t, villageTimeout, p.name+" to audit "+q.name+"'s chain clean", func() bool {
				if err := json.Unmarshal(p.kith("village", "chain", vid, q.Account), &ch); err != nil {
					t.Fatal(err)
				}
				return ch.OK && len(ch.Findings) == 0
			})
			if q == c {
				continue
			}
			if len(ch.States) == 0 {
				t.Errorf("%s holds no state of %s", p.name, q.name)
				continue
			}
			last := ch.States[len(ch.States)-1]
			if last.Commitment != villageLocal(final, q.Account).State {
				t.Errorf("%s: %s's latest state %s, the village says %s", p.name, q.name, last.Commitment, villageLocal(final, q.Account).State)
			}
		}
	}
	var strangersState []string
	for _, q := range []*proc{a, b, d} {
		var ch wire.VillageChain
		if err := json.Unmarshal(a.kith("village", "chain", vid, q.Account), &ch); err != nil || len(ch.States) == 0 {
			t.Fatalf("chain of %s: %v", q.name, err)
		}
		strangersState = append(strangersState, ch.States[len(ch.States)-1].Components.StrangersState)
	}
	if strangersState[0] != strangersState[1] || strangersState[0] != strangersState[2] {
		t.Errorf("the final states disagree on strangers_state: %v", strangersState)
	}
	t.Logf("converged after %v", time.Since(start).Round(time.Millisecond))
}
