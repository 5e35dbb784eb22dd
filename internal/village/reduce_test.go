package village

import (
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

func ignoredReason(s *State, id [32]byte) string {
	for _, ig := range s.Ignored {
		if ig.Entry == id {
			return ig.Reason
		}
	}
	return ""
}

func TestFoundingNeedsEveryFounder(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	w := newWorld(t, Unanimous, Unanimous, a, b, c)
	w.post(b, &Accept{Village: w.village})
	early := w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto})
	s := w.reduce()
	if s.Founded || len(s.Members()) != 0 {
		t.Fatalf("founded %v with members %d before c accepted", s.Founded, len(s.Members()))
	}
	if r := ignoredReason(s, early.ID); !strings.Contains(r, "not founded yet") {
		t.Fatalf("early vote: %q", r)
	}
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0], accOf(c).Hex()) {
		t.Fatalf("problems %q", s.Problems)
	}
	w.post(c, &Accept{Village: w.village})
	dup := w.post(c, &Accept{Village: w.village})
	s = w.reduce()
	if !s.Founded || len(s.Members()) != 3 || len(s.Problems) != 0 {
		t.Fatalf("founded %v members %d problems %q", s.Founded, len(s.Members()), s.Problems)
	}
	if r := ignoredReason(s, dup.ID); r != "founder has already accepted" {
		t.Fatalf("duplicate accept: %q", r)
	}
	// A non-founder's accept is ignored; so is a found entry with only one founder (decode).
	x := key(t, 9)
	e := w.post(x, &Accept{Village: w.village})
	if r := ignoredReason(w.reduce(), e.ID); r != "accept by a key that is not a founder" {
		t.Fatalf("stranger's accept: %q", r)
	}
}

func TestInviteUnderCharter(t *testing.T) {
	a, b, c, d := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	for _, m := range []Method{Unanimous, Majority} {
		w := founded(t, m, Unanimous, a, b, c)
		w.post(a, &Invite{Village: w.village, Invitee: accOf(d)})
		w.post(d, &Join{Village: w.village})
		s := w.reduce()
		if s.Local(accOf(d)) != nil || len(s.Invitations) != 1 || !s.Invitations[0].Joined || s.Invitations[0].Admitted {
			t.Fatalf("%s: one endorsement of three admitted d", m)
		}
		w.post(b, &Invite{Village: w.village, Invitee: accOf(d)})
		s = w.reduce()
		admitted := s.Local(accOf(d)) != nil && s.Local(accOf(d)).Status == Member
		if admitted != (m == Majority) {
			t.Fatalf("%s: two of three endorsements: admitted %v", m, admitted)
		}
		w.post(c, &Invite{Village: w.village, Invitee: accOf(d)})
		s = w.reduce()
		if l := s.Local(accOf(d)); l == nil || l.Status != Member || len(s.Invitations) != 0 {
			t.Fatalf("%s: all endorsed and joined, not a local", m)
		}
	}
	// Admitted but not joined: not a local; joining later makes it one.
	w := founded(t, Majority, Unanimous, a, b)
	w.post(a, &Invite{Village: w.village, Invitee: accOf(d)})
	w.post(b, &Invite{Village: w.village, Invitee: accOf(d)})
	s := w.reduce()
	if s.Local(accOf(d)) != nil || !s.Invitations[0].Admitted {
		t.Fatal("admitted invitee is a local before joining")
	}
	j := w.post(d, &Join{Village: w.village})
	s = w.reduce()
	if l := s.Local(accOf(d)); l == nil || l.Since != j.ID {
		t.Fatal("join did not make d a local")
	}
	// A non-local cannot invite; a join without invitation is ignored.
	x, y := key(t, 8), key(t, 9)
	e1 := w.post(x, &Invite{Village: w.village, Invitee: accOf(y)})
	e2 := w.post(y, &Join{Village: w.village})
	s = w.reduce()
	if ignoredReason(s, e1.ID) != "author is not a local" || ignoredReason(s, e2.ID) != "join without an invitation" {
		t.Fatalf("ignored %+v", s.Ignored)
	}
}

func TestVoteNeverReturnsToDeferred(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Unanimous, a, b)
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteDeferred})
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto})
	back := w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteDeferred})
	s := w.reduce()
	if r := ignoredReason(s, back.ID); r != "a vote never returns to deferred" {
		t.Fatalf("reason %q", r)
	}
	if v := s.Stranger(stranger(1)).Ballot(accOf(a)).Vote; v != VoteVeto {
		t.Fatalf("vote %s, want veto", v)
	}
	// Veto -> accept is allowed (lifting a veto by proof).
	w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteAccept, Proof: proof(1)})
	if b := w.reduce().Stranger(stranger(1)).Ballot(accOf(a)); b.Vote != VoteAccept || b.Proof != proof(1) {
		t.Fatalf("ballot %+v", b)
	}
}

func TestStandingAndMechanicalVotes(t *testing.T) {
	a, b, c, p := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	w := founded(t, Unanimous, Unanimous, a, b, c, p)
	w.post(p, &Userspec{Village: w.village, Mode: Passive, Name: "hub"})
	S := stranger(7)
	vote := func(k identity.PrivateKey, v VoteKind, pr byte) {
		x := &Vote{Village: w.village, Stranger: S, Vote: v}
		if v == VoteAccept {
			x.Proof = proof(pr)
		}
		w.post(k, x)
	}
	check := func(step string, standing Standing, mech VoteKind, mechProof byte, vetoers ...identity.PrivateKey) {
		t.Helper()
		st := w.reduce().Stranger(S)
		if st.Standing != standing {
			t.Fatalf("%s: standing %s, want %s", step, st.Standing, standing)
		}
		mb := st.Ballot(accOf(p))
		if !mb.Mechanical || mb.Vote != mech || mech == VoteAccept && mb.Proof != proof(mechProof) {
			t.Fatalf("%s: passive ballot %+v, want %s", step, mb, mech)
		}
		var want []identity.PublicKey
		for _, v := range vetoers {
			want = append(want, accOf(v))
		}
		sortKeys(want)
		if !slices.Equal(st.Vetoers, want) {
			t.Fatalf("%s: vetoers %d, want %d", step, len(st.Vetoers), len(want))
		}
	}
	vote(a, VoteDeferred, 0)
	check("acknowledged", Acknowledged, VoteDeferred, 0)
	vote(a, VoteAccept, 1)
	vote(b, VoteAccept, 1)
	check("two of three accept", Acknowledged, VoteDeferred, 0)
	vote(c, VoteAccept, 2)
	check("all accept, different proofs", Accepted, VoteDeferred, 0)
	vote(c, VoteAccept, 1)
	check("all accept, same proof", Accepted, VoteAccept, 1)
	vote(p, VoteVeto, 0) // a passive local's own veto does not count
	check("passive veto", Accepted, VoteAccept, 1)
	vote(b, VoteVeto, 0)
	check("one active veto dominates", Vetoed, VoteVeto, 0, b)
	vote(b, VoteAccept, 1)
	check("veto lifted by accepting with proof", Accepted, VoteAccept, 1)
}

func TestTooFewActive(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Unanimous, a, b)
	if p := w.reduce().Problems; len(p) != 0 {
		t.Fatal(p)
	}
	// Going passive is refused (minactive_test.go); leaving is not.
	w.post(b, &Userspec{Village: w.village, Mode: Passive})
	if p := w.reduce().Problems; len(p) != 0 {
		t.Fatalf("problems %q", p)
	}
	w.post(a, &Leave{Village: w.village})
	s := w.reduce()
	if p := s.Problems; len(p) != 1 || p[0] != "fewer than two active locals (1)" || s.Local(accOf(a)).Status != Left {
		t.Fatalf("problems %q", p)
	}
	e := w.post(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto})
	if r := ignoredReason(w.reduce(), e.ID); r != "author is not a local" {
		t.Fatalf("vote after leaving: %q", r)
	}
}

func TestExclusionEndsVeto(t *testing.T) {
	a, b, c, d := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	for _, m := range []Method{Unanimous, Majority} {
		w := founded(t, Unanimous, m, a, b, c, d)
		S := stranger(5)
		for _, k := range []identity.PrivateKey{a, b, c} {
			w.post(k, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(1)})
		}
		w.post(d, &Vote{Village: w.village, Stranger: S, Vote: VoteVeto})
		if st := w.reduce().Stranger(S); st.Standing != Vetoed {
			t.Fatalf("%s: standing %s", m, st.Standing)
		}
		self := w.post(d, &Exclude{Village: w.village, Subject: accOf(d)})
		prop := w.post(a, &Exclude{Village: w.village, Subject: accOf(d), Reason: "veto in error"})
		subj := w.post(d, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: false})
		s := w.reduce()
		if ignoredReason(s, self.ID) != "a local cannot propose to exclude itself" || !strings.Contains(ignoredReason(s, subj.ID), "other than the subject") {
			t.Fatalf("%s: ignored %+v", m, s.Ignored)
		}
		if s.Proposals[0].Outcome != Open || len(s.Proposals[0].For) != 1 || len(s.Proposals[0].Against) != 0 || len(s.Proposals[0].NotVoted) != 2 {
			t.Fatalf("%s: proposal %+v", m, s.Proposals[0])
		}
		w.post(b, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: true})
		s = w.reduce()
		want := Open
		if m == Majority {
			want = Passed // 2 of 3 eligible
		}
		if s.Proposals[0].Outcome != want {
			t.Fatalf("%s: two of three for: %s", m, s.Proposals[0].Outcome)
		}
		w.post(c, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: true})
		s = w.reduce()
		if s.Proposals[0].Outcome != Passed || s.Local(accOf(d)).Status != Excluded || s.Local(accOf(d)).Until != prop.ID {
			t.Fatalf("%s: proposal %s, d %s", m, s.Proposals[0].Outcome, s.Local(accOf(d)).Status)
		}
		st := s.Stranger(S)
		if st.Standing != Accepted || len(st.Vetoers) != 0 || st.Ballot(accOf(d)).Counted {
			t.Fatalf("%s: after exclusion standing %s vetoers %d", m, st.Standing, len(st.Vetoers))
		}
		late := w.post(c, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: false})
		if r := ignoredReason(w.reduce(), late.ID); r != "the proposal is closed" {
			t.Fatalf("%s: late vote %q", m, r)
		}
	}
}

func TestProposalMootWhenSubjectLeaves(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	w := founded(t, Unanimous, Unanimous, a, b, c)
	w.post(a, &Exclude{Village: w.village, Subject: accOf(c)})
	w.post(c, &Leave{Village: w.village})
	s := w.reduce()
	if s.Proposals[0].Outcome != Moot || s.Local(accOf(c)).Status != Left {
		t.Fatalf("outcome %s status %s", s.Proposals[0].Outcome, s.Local(accOf(c)).Status)
	}
}

func TestNotesAndTieBreak(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Unanimous, a, b)
	S := stranger(3)
	w.post(a, &Strangerspec{Village: w.village, Stranger: S, Text: "first"})
	w.post(a, &Strangerspec{Village: w.village, Stranger: S, Text: "second"})
	w.post(b, &Strangerspec{Village: w.village, Stranger: S, Text: "b's note", Blob: proof(9)})
	st := w.reduce().Stranger(S)
	if len(st.Notes) != 2 || st.Listed {
		t.Fatalf("notes %+v listed %v", st.Notes, st.Listed)
	}
	for _, n := range st.Notes {
		if n.Local == a.Public() && n.Text != "second" {
			t.Fatalf("a's note %q", n.Text)
		}
	}
	// Same timestamp, one log: the later seq wins, whatever the ids
	// (ties across logs: order_test.go).
	for i := range 4 {
		w.postAt(a, &Vote{Village: w.village, Stranger: S, Vote: VoteVeto}, 100)
		y := w.postAt(a, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(byte(i))}, 100)
		if got := w.reduce().Stranger(S).Ballot(accOf(a)); got.Vote != VoteAccept || got.Entry != y.ID {
			t.Fatalf("round %d: %s, want the accept at seq %d", i, got.Vote, y.Header.Seq)
		}
	}
}

func TestIgnoresOtherVillagesAndLogs(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Unanimous, a, b)
	other := w.post(a, &Vote{Village: vid(), Stranger: stranger(1), Vote: VoteVeto})
	bad := w.post(a, &Leave{Village: w.village})
	bad.Payload = []byte{0xa0}
	s := w.reduce()
	if ignoredReason(s, other.ID) != "another village" || !strings.HasPrefix(ignoredReason(s, bad.ID), "invalid payload") {
		t.Fatalf("ignored %+v", s.Ignored)
	}
	if _, err := Reduce(vid(), w.all); err == nil {
		t.Fatal("reduce without found entry")
	}
}
