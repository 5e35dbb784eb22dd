package conversation

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// TestDeadlineDeclared: "a majority of voters once the deadline passed"
// holds at the entry of a participant declaring the stated deadline
// passed, never through a clock.
func TestDeadlineDeclared(t *testing.T) {
	runPatternCases(t, []patternCase{{
		name:  "majority of voters decides at the declaration",
		n:     5,
		start: Start{Topic: "New bench", Pattern: PatternProposal, Method: MethodMajorityOfVoters, Text: "a bench by the well", Deadline: 1796000000},
		steps: []step{
			{0, &PositionMsg{Position: Agree}, ""},
			{1, &PositionMsg{Position: Agree}, ""},
			{2, &PositionMsg{Position: Disagree}, ""},
			{3, &PositionMsg{Position: Abstain}, ""},
			{2, &DeadlineMsg{}, ""},
			{4, &PositionMsg{Position: Disagree}, "closed"},
			{4, &DeadlineMsg{}, "closed"},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if !s.DeadlinePassed || s.DeadlineDeclared == nil || s.DeadlineDeclared.By != c.pub(2) {
				t.Fatalf("deadline %v %+v", s.DeadlinePassed, s.DeadlineDeclared)
			}
			if !s.Closed() || s.Outcome.At != s.DeadlineDeclared.At || !s.Outcome.Tally.DeadlinePassed || !reflect.DeepEqual(s.Outcome.Agreed, sortedKeysOf(c, 0, 1)) {
				t.Fatalf("outcome %+v", s.Outcome)
			}
		},
	}, {
		name:  "no stated deadline: a declaration is ignored",
		n:     3,
		start: Start{Topic: "x", Pattern: PatternProposal, Method: MethodConsent, Text: "x"},
		steps: []step{
			{0, &PositionMsg{Position: Agree}, ""},
			{1, &DeadlineMsg{}, "this conversation states no deadline to declare passed"},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if s.DeadlinePassed || s.Closed() {
				t.Fatalf("deadline passed without a stated deadline: %+v", s.Outcome)
			}
		},
	}, {
		name:  "a second declaration is ignored; a tie after the deadline stays open until a later position",
		n:     4,
		start: Start{Topic: "x", Pattern: PatternProposal, Method: MethodMajorityOfVoters, Text: "x", Deadline: 1},
		steps: []step{
			{0, &PositionMsg{Position: Agree}, ""},
			{1, &PositionMsg{Position: Disagree}, ""},
			{3, &DeadlineMsg{}, ""},
			{0, &DeadlineMsg{}, "the deadline was already declared passed at entry"},
			{2, &PositionMsg{Position: Agree}, ""},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if !s.Closed() || s.Outcome.Tally.Agree != 2 || s.Outcome.Tally.Answered != 3 || s.DeadlineDeclared.By != c.pub(3) {
				t.Fatalf("outcome %+v", s.Outcome)
			}
		},
	}, {
		name:  "a cel method reads deadline_passed",
		n:     3,
		start: Start{Topic: "x", Pattern: PatternDebate, Method: MethodCEL, Expr: "deadline_passed && agree > disagree", Deadline: 1796000000},
		steps: []step{
			{0, &PositionMsg{Position: Agree}, ""},
			{1, &PositionMsg{Position: Agree}, ""},
			{2, &PositionMsg{Position: Agree}, ""},
			{1, &DeadlineMsg{}, ""},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if !s.Closed() || s.Outcome.At != s.DeadlineDeclared.At {
				t.Fatalf("outcome %+v", s.Outcome)
			}
		},
	}})

	// A stranger's declaration is ignored.
	c := newConv(t, 3, &Start{Topic: "x", Pattern: PatternProposal, Method: MethodMajorityOfVoters, Text: "x", Deadline: 5})
	c.then(t, 0, &PositionMsg{Position: Agree})
	stranger := &log{key: key(t, 99)}
	forged := stranger.add(t, &DeadlineMsg{Conversation: c.start.ID, Causal: Causal{Refs: []entry.ID{c.all[1].ID}}})
	c.all = append(c.all, forged)
	s := c.reduce()
	if ev := find(s, forged.ID); ev.Applied || ev.Reason != "its author is not a participant" || s.DeadlinePassed {
		t.Fatalf("stranger's declaration %+v, deadline %v", ev, s.DeadlinePassed)
	}
}

// TestDeadlineConcurrent: two declarations written concurrently, and a
// position concurrent with a declaration, are settled by the causal order
// (ties by entry id) the same way on every node and in every delivery
// order.
func TestDeadlineConcurrent(t *testing.T) {
	c := newConv(t, 3, &Start{Topic: "x", Pattern: PatternProposal, Method: MethodMajorityOfVoters, Text: "x", Deadline: 1796000000})
	agree := c.then(t, 0, &PositionMsg{Position: Agree})
	// 1 disagrees and 2 declares the deadline passed, neither having seen
	// the other's entry; 0 declares too, concurrently with both.
	dis := c.say(t, 1, &PositionMsg{Position: Disagree, Causal: Causal{Refs: []entry.ID{agree.ID}}})
	d2 := c.say(t, 2, &DeadlineMsg{Causal: Causal{Refs: []entry.ID{agree.ID}}})
	d0 := c.say(t, 0, &DeadlineMsg{})
	want := c.reduce()

	// The first declaration in the order counts.
	firstDecl := d2
	if bytes.Compare(d0.ID[:], d2.ID[:]) < 0 {
		firstDecl = d0
	}
	if want.DeadlineDeclared == nil || want.DeadlineDeclared.At != firstDecl.ID {
		t.Fatalf("declared %+v, want at %x", want.DeadlineDeclared, firstDecl.ID[:4])
	}
	other := d0
	if firstDecl == d0 {
		other = d2
	}
	if ev := find(want, other.ID); ev.Applied || !strings.Contains(ev.Reason, "already declared") && !strings.Contains(ev.Reason, "closed") {
		t.Fatalf("second declaration %+v", ev)
	}
	// If the disagreement comes first, the first declaration meets a tie
	// (1 for, 1 against): the conversation stays open. Otherwise the
	// declaration decides with 1 for of 1 voter and the disagreement is
	// ignored as late.
	disFirst := bytes.Compare(dis.ID[:], firstDecl.ID[:]) < 0
	if disFirst == want.Closed() {
		t.Fatalf("disagreement first %v, closed %v (%+v)", disFirst, want.Closed(), want.Outcome)
	}
	es := []*entry.Entry{c.start, agree, dis, d2, d0}
	var perm func(k int)
	n := 0
	perm = func(k int) {
		if k == len(es) {
			n++
			in := append([]*entry.Entry(nil), es...)
			if got := Reduce(Input{Conversation: c.start.ID, Entries: in}); !reflect.DeepEqual(got, want) {
				t.Fatalf("delivery order %d gives another state: declared %+v outcome %+v", n, got.DeadlineDeclared, got.Outcome)
			}
			return
		}
		for i := k; i < len(es); i++ {
			es[k], es[i] = es[i], es[k]
			perm(k + 1)
			es[k], es[i] = es[i], es[k]
		}
	}
	perm(0)
	if n != 120 {
		t.Fatalf("%d orders", n)
	}
}

// TestAnyDeliveryOrderPatterns: for announcements, invitations and
// debates with declared deadlines, every delivery order of the same
// entries gives the same state.
func TestAnyDeliveryOrderPatterns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	starts := []func(n int) *Start{
		func(n int) *Start {
			return &Start{Topic: "a", Pattern: PatternAnnouncement, Method: MethodQuorum, Params: []uint64{uint64(1 + rng.IntN(n-1))}, Deadline: 9}
		},
		func(n int) *Start {
			return &Start{Topic: "i", Pattern: PatternInvitation, Method: MethodCEL, Expr: "deadline_passed && taken >= 1", Places: uint64(1 + rng.IntN(3)), Deadline: 9}
		},
		func(n int) *Start {
			return &Start{Topic: "d", Pattern: PatternDebate, Method: MethodMajorityOfVoters, Deadline: 9}
		},
	}
	for round := range 45 {
		n := 3 + rng.IntN(4)
		c := newConv(t, n, starts[round%3](n))
		var args []entry.ID
		for range 14 {
			who := rng.IntN(n)
			var p Payload
			switch rng.IntN(7) {
			case 0:
				p = &Ack{}
			case 1, 2:
				p = &AnswerMsg{Answer: Answer(rng.IntN(3))}
			case 3:
				a := &Argument{Side: Side(rng.IntN(2)), Text: "because"}
				if len(args) > 0 && rng.IntN(3) > 0 {
					a.Answers = args[rng.IntN(len(args))]
				}
				p = a
			case 4:
				p = &PositionMsg{Position: Position(rng.IntN(3))}
			case 5:
				p = &Say{Text: "hi"}
			default:
				if rng.IntN(3) == 0 {
					p = &DeadlineMsg{}
				} else {
					p = &Ack{}
				}
			}
			if rng.IntN(2) == 0 {
				p.causal().Refs = []entry.ID{c.start.ID}
			}
			e := c.say(t, who, p)
			if _, ok := p.(*Argument); ok {
				args = append(args, e.ID)
			}
		}
		want := c.reduce()
		for range 10 {
			es := append([]*entry.Entry(nil), c.all...)
			rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
			es = append(es, es[rng.IntN(len(es))])
			if got := Reduce(Input{Conversation: c.start.ID, Entries: es}); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d (%s): state differs with another delivery order:\n%+v\nwant\n%+v", round, want.Start.Pattern, got.Outcome, want.Outcome)
			}
		}
	}
}
