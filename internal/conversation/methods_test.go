package conversation

import "testing"

func TestPositionMethods(t *testing.T) {
	for _, c := range []struct {
		name   string
		method string
		params []uint64
		t      Tally
		want   bool
	}{
		{"unanimity all agree", MethodUnanimity, nil, Tally{Participants: 3, Agree: 3, Answered: 3}, true},
		{"unanimity one abstains", MethodUnanimity, nil, Tally{Participants: 3, Agree: 2, Abstain: 1, Answered: 3}, false},
		{"unanimity one never answers", MethodUnanimity, nil, Tally{Participants: 3, Agree: 2, Answered: 2}, false},
		{"consent no block all answered", MethodConsent, nil, Tally{Participants: 3, Agree: 1, Disagree: 1, Abstain: 1, Answered: 3}, true},
		{"consent with a block", MethodConsent, nil, Tally{Participants: 3, Agree: 2, Block: 1, Answered: 3}, false},
		{"consent waits for silent participant", MethodConsent, nil, Tally{Participants: 3, Agree: 2, Answered: 2}, false},
		{"consent silent participant after deadline", MethodConsent, nil, Tally{Participants: 3, Agree: 2, Answered: 2, DeadlinePassed: true}, true},
		{"consent only abstentions", MethodConsent, nil, Tally{Participants: 2, Abstain: 2, Answered: 2}, false},
		{"majority 2 of 4 is a tie", MethodMajority, nil, Tally{Participants: 4, Agree: 2, Answered: 2}, false},
		{"majority 3 of 5", MethodMajority, nil, Tally{Participants: 5, Agree: 3, Answered: 3}, true},
		{"majority of voters waits", MethodMajorityOfVoters, nil, Tally{Participants: 5, Agree: 1, Answered: 1}, false},
		{"majority of voters abstainers excluded", MethodMajorityOfVoters, nil, Tally{Participants: 5, Agree: 2, Disagree: 1, Abstain: 2, Answered: 5}, true},
		{"majority of voters tie", MethodMajorityOfVoters, nil, Tally{Participants: 4, Agree: 2, Disagree: 2, Answered: 4}, false},
		{"majority of voters all abstain", MethodMajorityOfVoters, nil, Tally{Participants: 2, Abstain: 2, Answered: 2}, false},
		{"two thirds 6 of 9", MethodQualified, []uint64{2, 3}, Tally{Participants: 9, Agree: 6, Answered: 6}, true},
		{"two thirds 5 of 9", MethodQualified, []uint64{2, 3}, Tally{Participants: 9, Agree: 5, Answered: 9}, false},
		{"two thirds of voters after deadline", MethodQualifiedOfVoters, []uint64{2, 3}, Tally{Participants: 9, Agree: 2, Disagree: 1, Answered: 3, DeadlinePassed: true}, true},
		{"quorum 3 with 2", MethodQuorum, []uint64{3}, Tally{Participants: 9, Agree: 2, Answered: 2}, false},
		{"quorum 3 with 3", MethodQuorum, []uint64{3}, Tally{Participants: 9, Agree: 3, Answered: 3}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := holds(c.method, c.params, &c.t); got != c.want {
				t.Fatalf("holds = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPollMethods(t *testing.T) {
	b := func(bs ...[]uint64) [][]uint64 { return bs }
	rep := func(n int, x []uint64) [][]uint64 {
		var out [][]uint64
		for range n {
			out = append(out, x)
		}
		return out
	}
	cat := func(xs ...[][]uint64) [][]uint64 {
		var out [][]uint64
		for _, x := range xs {
			out = append(out, x...)
		}
		return out
	}
	// The Schulze example of Wikipedia: 45 voters, 5 options A..E, winner E.
	wiki := cat(rep(5, []uint64{0, 2, 1, 4, 3}), rep(5, []uint64{0, 3, 4, 2, 1}), rep(8, []uint64{1, 4, 3, 0, 2}),
		rep(3, []uint64{2, 0, 1, 4, 3}), rep(7, []uint64{2, 0, 4, 1, 3}), rep(2, []uint64{2, 1, 0, 3, 4}),
		rep(7, []uint64{3, 2, 4, 1, 0}), rep(8, []uint64{4, 1, 0, 3, 2}))
	// A perfect Condorcet cycle: A>B>C, B>C>A, C>A>B.
	cycle := b([]uint64{0, 1, 2}, []uint64{1, 2, 0}, []uint64{2, 0, 1})
	for _, c := range []struct {
		name    string
		method  string
		options int
		ballots [][]uint64
		want    int
	}{
		{"approval winner", MethodApproval, 3, b([]uint64{0, 1}, []uint64{1}, []uint64{1, 2}), 1},
		{"approval tie", MethodApproval, 3, b([]uint64{0}, []uint64{1}), -1},
		{"approval empty ballots", MethodApproval, 2, b([]uint64{}, []uint64{}), -1},
		{"score winner", MethodScore, 2, b([]uint64{10, 0}, []uint64{0, 9}, []uint64{1, 3}), 1},
		{"score tie", MethodScore, 2, b([]uint64{5, 5}), -1},
		{"irv majority first round", MethodInstantRunoff, 3, b([]uint64{0}, []uint64{0, 1}, []uint64{2}), 0},
		// 0:4 1:3 2:2 first choices; 2 eliminated, its ballots go to 1.
		{"irv transfer", MethodInstantRunoff, 3, cat(rep(4, []uint64{0}), rep(3, []uint64{1}), rep(2, []uint64{2, 1})), 1},
		{"irv cycle is a tie", MethodInstantRunoff, 3, cycle, -1},
		{"irv exhausted ballots", MethodInstantRunoff, 3, cat(rep(2, []uint64{0}), rep(2, []uint64{1}), rep(1, []uint64{2})), -1},
		{"schulze wikipedia", MethodSchulze, 5, wiki, 4},
		{"schulze cycle is a tie", MethodSchulze, 3, cycle, -1},
		{"schulze unranked below ranked", MethodSchulze, 3, b([]uint64{2}, []uint64{2}, []uint64{0, 1}), 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl := &Tally{Participants: len(c.ballots), Answered: len(c.ballots), Options: c.options, Ballots: c.ballots}
			ok, w := holds(c.method, nil, tl)
			if w != c.want || ok != (c.want >= 0) {
				t.Fatalf("holds = %v, winner %d; want winner %d", ok, w, c.want)
			}
		})
	}
}

func TestPollWaitsForEveryoneOrDeadline(t *testing.T) {
	tl := &Tally{Participants: 3, Answered: 2, Options: 2, Ballots: [][]uint64{{0}, {0}}}
	if ok, _ := holds(MethodApproval, nil, tl); ok {
		t.Fatal("approval held with a participant yet to vote and no deadline")
	}
	tl.DeadlinePassed = true
	if ok, w := holds(MethodApproval, nil, tl); !ok || w != 0 {
		t.Fatalf("after the deadline: holds %v winner %d, want option 0", ok, w)
	}
}
