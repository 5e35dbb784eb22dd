package conversation

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

func TestProposalConsentOutcomeThenClosed(t *testing.T) {
	c := newConv(t, 3, &Start{Topic: "Garden day", Pattern: PatternProposal, Method: MethodConsent, Text: "Saturday at ten"})
	c.say(t, 1, &Amend{Text: "bring gloves"})
	c.say(t, 0, &PositionMsg{Position: Agree})
	c.say(t, 1, &PositionMsg{Position: Block, Reason: "I work on Saturday"})
	c.say(t, 2, &PositionMsg{Position: Abstain})
	s := c.reduce()
	if s.Closed() {
		t.Fatalf("closed with a block: %+v", s.Outcome)
	}
	last := c.say(t, 1, &PositionMsg{Position: Agree, Causal: Causal{Refs: []entry.ID{c.all[len(c.all)-1].ID}}})
	s = c.reduce()
	if !s.Closed() || s.Outcome.At != last.ID {
		t.Fatalf("outcome %+v, want reached at the lifted block", s.Outcome)
	}
	if s.Outcome.Text != "Saturday at ten" || !reflect.DeepEqual(s.Outcome.Amendments, []string{"bring gloves"}) || len(s.Outcome.Agreed) != 2 {
		t.Fatalf("outcome %+v", s.Outcome)
	}
	// History keeps the changed position.
	var ps []Position
	for _, e := range s.History {
		if p, ok := e.Payload.(*PositionMsg); ok && e.Author == c.logs[1].key.Public() {
			ps = append(ps, p.Position)
		}
	}
	if !reflect.DeepEqual(ps, []Position{Block, Agree}) {
		t.Fatalf("history of participant 1: %v", ps)
	}
	// Later messages are kept but change nothing.
	// They reference the entry that reached the outcome: written after it.
	late := c.say(t, 2, &PositionMsg{Position: Block, Reason: "too late", Causal: Causal{Refs: []entry.ID{last.ID}}})
	talk := c.say(t, 2, &Say{Text: "see you there"})
	s2 := c.reduce()
	if !reflect.DeepEqual(s2.Outcome, s.Outcome) {
		t.Fatalf("outcome changed after close: %+v", s2.Outcome)
	}
	ev := find(s2, late.ID)
	if ev.Applied || !strings.Contains(ev.Reason, "closed") {
		t.Fatalf("late block: %+v", ev)
	}
	if ev := find(s2, talk.ID); !ev.Applied {
		t.Fatalf("message after the outcome not kept: %+v", ev)
	}
}

func find(s *State, id entry.ID) Event {
	for _, e := range s.History {
		if e.ID == id {
			return e
		}
	}
	return Event{Reason: "not in history"}
}

func TestBadInputIgnoredWithReason(t *testing.T) {
	c := newConv(t, 3, &Start{Topic: "Name the cat", Pattern: PatternPoll, Method: MethodApproval, Options: []string{"Tom", "Mia"}, Ballot: BallotApproval})
	stranger := &log{key: key(t, 99)}
	forged := stranger.add(t, &Ballot{Conversation: c.start.ID, Choice: []uint64{0}, Causal: Causal{Refs: []entry.ID{c.start.ID}}})
	c.all = append(c.all, forged)
	unknown := c.say(t, 1, &Ballot{Choice: []uint64{5}})
	pos := c.say(t, 2, &PositionMsg{Position: Agree})
	s := c.reduce()
	for _, w := range []struct {
		id   entry.ID
		want string
	}{
		{forged.ID, "its author is not a participant"},
		{unknown.ID, "option 5 does not exist (the poll has 2 options)"},
		{pos.ID, "positions belong to the proposal and debate patterns; this is a poll"},
	} {
		if ev := find(s, w.id); ev.Applied || ev.Reason != w.want {
			t.Errorf("event %+v, want ignored: %q", ev, w.want)
		}
	}
	if s.Tally.Answered != 0 || s.Votes[0] != 0 {
		t.Fatalf("ignored entries counted: %+v %v", s.Tally, s.Votes)
	}
}

func TestRankedPollDeadlineAndSilentParticipant(t *testing.T) {
	c := newConv(t, 4, &Start{Topic: "Trip", Pattern: PatternPoll, Method: MethodSchulze, Options: []string{"sea", "hills", "city"}, Ballot: BallotRanked, After: 3})
	c.say(t, 0, &Ballot{Choice: []uint64{1, 0}})
	c.say(t, 1, &Ballot{Choice: []uint64{1, 2, 0}})
	if s := c.reduce(); s.Closed() {
		t.Fatal("closed before the deadline with two of four ballots")
	}
	c.say(t, 2, &Ballot{Choice: []uint64{0}})
	s := c.reduce()
	if !s.DeadlinePassed || !s.Closed() || s.Outcome.Messages != 3 || s.Outcome.Winner != 1 || s.Outcome.WinnerText != "hills" {
		t.Fatalf("deadline %v outcome %+v", s.DeadlinePassed, s.Outcome)
	}
}

// TestAnyDeliveryOrder: every delivery order of the same entries gives the
// same state.
func TestAnyDeliveryOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 30 {
		n := 3 + rng.IntN(4)
		c := newConv(t, n, &Start{Topic: "t", Pattern: PatternProposal, Method: MethodMajorityOfVoters, Text: "x", After: uint64(4 + rng.IntN(6))})
		for range 12 {
			who := rng.IntN(n)
			var p Payload
			switch rng.IntN(3) {
			case 0:
				p = &PositionMsg{Position: Position(rng.IntN(3))}
			case 1:
				p = &PositionMsg{Position: Block, Reason: "no"}
			default:
				p = &Amend{Text: "a"}
			}
			// Concurrent entries: each references only the start.
			if rng.IntN(2) == 0 {
				p.causal().Refs = []entry.ID{c.start.ID}
			}
			c.say(t, who, p)
		}
		want := c.reduce()
		for range 10 {
			es := append([]*entry.Entry(nil), c.all...)
			rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
			es = append(es, es[rng.IntN(len(es))]) // a duplicate
			got := Reduce(Input{Conversation: c.start.ID, Entries: es})
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d: state differs with another delivery order:\n%+v\nwant\n%+v", round, got.Outcome, want.Outcome)
			}
		}
	}
}
