package village

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// Within one log the order is seq, whatever the timestamps claim: a veto
// at seq n stamped 100 followed by an accept at seq n+1 stamped 50 leaves
// the accept current (issue 11, item 8).
func TestSeqBeatsTimestamp(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Unanimous, a, b)
	S := stranger(3)
	veto := w.postAt(a, &Vote{Village: w.village, Stranger: S, Vote: VoteVeto}, 100)
	acc := w.postAt(a, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(1)}, 50)
	if acc.Header.Seq != veto.Header.Seq+1 {
		t.Fatalf("seqs %d, %d", veto.Header.Seq, acc.Header.Seq)
	}
	b1 := w.reduce().Stranger(S).Ballot(accOf(a))
	if b1.Vote != VoteAccept || b1.Entry != acc.ID || b1.Proof != proof(1) {
		t.Fatalf("a's vote %s by %s, want accept by the entry at seq %d", b1.Vote, b1.Entry.Hex()[:16], acc.Header.Seq)
	}
}

// Across logs the references order entries: an invitee's join stamped
// long before the invitations it answers, and an exclusion vote stamped
// before the proposal it answers, still come after what they reference.
func TestReferencesBeatTimestamps(t *testing.T) {
	a, b, c, d := key(t, 1), key(t, 2), key(t, 3), key(t, 4)
	w := founded(t, Unanimous, Majority, a, b)
	w.postAt(a, &Invite{Village: w.village, Invitee: accOf(c)}, 1000)
	w.postAt(b, &Invite{Village: w.village, Invitee: accOf(c)}, 1001)
	join := w.postAt(c, &Join{Village: w.village}, 5)
	s := w.reduce()
	if l := s.Local(accOf(c)); l == nil || l.Status != Member || l.Since != join.ID {
		t.Fatalf("c after its join stamped 5: %+v; ignored %+v", l, s.Ignored)
	}
	w.postAt(a, &Invite{Village: w.village, Invitee: accOf(d)}, 2000)
	w.postAt(b, &Invite{Village: w.village, Invitee: accOf(d)}, 2000)
	w.postAt(c, &Invite{Village: w.village, Invitee: accOf(d)}, 2000)
	w.postAt(d, &Join{Village: w.village}, 2000)
	prop := w.postAt(a, &Exclude{Village: w.village, Subject: accOf(d), Reason: "r"}, 9000)
	vote := w.postAt(b, &ExcludeVote{Village: w.village, Proposal: prop.ID, For: true}, 3)
	s = w.reduce()
	if r := ignoredReason(s, vote.ID); r != "" {
		t.Fatalf("b's vote stamped 3 on a proposal stamped 9000: ignored (%s)", r)
	}
	if s.Proposals[0].Outcome != Passed || s.Local(accOf(d)).Status != Excluded {
		t.Fatalf("proposal %s, d %s", s.Proposals[0].Outcome, s.Local(accOf(d)).Status)
	}
}

// Entries that do not reference each other are concurrent: the one with
// the smaller id is applied first, whatever their timestamps. Two locals
// of two that each propose to exclude the other: the first proposal passes
// at once (the proposer is the only eligible voter), the second author is
// no longer a local.
func TestConcurrentByID(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Majority, a, b)
	heads := []entry.ID{w.ws[b.Public()].prev} // what a has seen: b's accept
	pa := w.postSeeing(a, &Exclude{Village: w.village, Subject: accOf(b)}, 1<<40, heads...)
	pb := w.postSeeing(b, &Exclude{Village: w.village, Subject: accOf(a)}, 1)
	first, second, winner := pa, pb, accOf(a)
	if bytes.Compare(pb.ID[:], pa.ID[:]) < 0 {
		first, second, winner = pb, pa, accOf(b)
	}
	s := w.reduce()
	if len(s.Proposals) != 1 || s.Proposals[0].ID != first.ID || s.Proposals[0].Outcome != Passed || s.Proposals[0].Proposer != winner {
		t.Fatalf("proposals %+v, want only %s passed", s.Proposals, first.ID.Hex()[:16])
	}
	if r := ignoredReason(s, second.ID); r != "author is not a local" {
		t.Fatalf("second proposal: %q", r)
	}
	// Had b seen a's proposal, b's would come after it whatever the ids.
	got := Ordered(w.village, w.all)
	if got[0] != w.found || indexOf(got, first) > indexOf(got, second) {
		t.Fatal("Ordered does not put the found entry first and the smaller id before the larger")
	}
}

// A reference to an entry not held counts as absent: the entry is applied
// (nothing waits for an entry that may never come), and once the
// referenced entry arrives it is ordered before.
func TestMissingReferenceIsAbsent(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Unanimous, Unanimous, a, b)
	S := stranger(4)
	never := entry.ID(proof(77)) // an id no entry has
	veto := w.postSeeing(a, &Vote{Village: w.village, Stranger: S, Vote: VoteVeto}, 50, never)
	acc := w.postAt(b, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(1)}, 1)
	// b's accept references a's veto; a lifts its veto having seen it.
	lift := w.postAt(a, &Vote{Village: w.village, Stranger: S, Vote: VoteAccept, Proof: proof(1)}, 2)
	s := w.reduce()
	if st := s.Stranger(S); st.Standing != Accepted {
		t.Fatalf("standing %s, ignored %+v", st.Standing, s.Ignored)
	}
	// Without a's veto (withheld), a's lift and b's accept still apply:
	// a's log is not held from seq 1 on, but nothing waits.
	var part []*entry.Entry
	for _, e := range w.all {
		if e.ID != veto.ID {
			part = append(part, e)
		}
	}
	s2, err := Reduce(w.village, part)
	if err != nil {
		t.Fatal(err)
	}
	if st := s2.Stranger(S); st.Standing != Accepted || st.Ballot(accOf(b)).Entry != acc.ID || st.Ballot(accOf(a)).Entry != lift.ID {
		t.Fatalf("without the veto: %+v", st)
	}
}

func indexOf(es []*entry.Entry, e *entry.Entry) int {
	for i, x := range es {
		if x.ID == e.ID {
			return i
		}
	}
	return -1
}
