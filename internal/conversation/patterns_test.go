package conversation

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// step is one entry of a table test, written after every entry before it.
// why is "" when the entry must be applied, else a part of the reason it
// must be ignored with.
type step struct {
	who int
	p   Payload
	why string
}

type patternCase struct {
	name  string
	n     int
	start Start
	steps []step
	check func(t *testing.T, c *conv, s *State)
}

func runPatternCases(t *testing.T, cases []patternCase) {
	t.Helper()
	for _, pc := range cases {
		t.Run(pc.name, func(t *testing.T) {
			st := pc.start
			c := newConv(t, pc.n, &st)
			var es []*entry.Entry
			for _, x := range pc.steps {
				es = append(es, c.then(t, x.who, x.p))
			}
			s := c.reduce()
			if s.Problem != "" {
				t.Fatalf("problem: %s", s.Problem)
			}
			for k, x := range pc.steps {
				ev := find(s, es[k].ID)
				switch {
				case x.why == "" && !ev.Applied:
					t.Errorf("step %d (%s by %d) ignored: %s", k, x.p.Type(), x.who, ev.Reason)
				case x.why != "" && (ev.Applied || !strings.Contains(ev.Reason, x.why)):
					t.Errorf("step %d (%s by %d): applied %v, reason %q; want ignored: %q", k, x.p.Type(), x.who, ev.Applied, ev.Reason, x.why)
				}
			}
			if pc.check != nil {
				pc.check(t, c, s)
			}
		})
	}
}

func keysOf(c *conv, is ...int) []identity.PublicKey {
	var out []identity.PublicKey
	for _, i := range is {
		out = append(out, c.pub(i))
	}
	return out
}

func sortedKeysOf(c *conv, is ...int) []identity.PublicKey {
	out := keysOf(c, is...)
	sortKeys(out)
	return out
}

func TestAnnouncement(t *testing.T) {
	runPatternCases(t, []patternCase{{
		name:  "the starter speaks, the others acknowledge, unanimity over acknowledgements",
		n:     3,
		start: Start{Topic: "Water off on Monday", Pattern: PatternAnnouncement, Method: MethodUnanimity, Text: "from 9 to 12"},
		steps: []step{
			{0, &Say{Text: "the plumber comes at nine"}, ""},
			{1, &Say{Text: "can it be Tuesday?"}, "only the speaker speaks"},
			{0, &Ack{}, "the speaker does not acknowledge"},
			{1, &Ack{}, ""},
			{1, &Ack{}, "already acknowledged"},
			{2, &PositionMsg{Position: Agree}, "positions belong to the proposal and debate patterns; this is a announcement"},
			{2, &Ack{}, ""},
			{0, &Say{Text: "thanks"}, ""},
			{1, &Ack{}, "closed"},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if s.Speaker != c.pub(0) || s.Tally.Participants != 2 || s.Tally.Agree != 2 {
				t.Fatalf("speaker %x tally %+v", s.Speaker[:4], s.Tally)
			}
			if !s.Closed() || s.Outcome.Text != "from 9 to 12" || !reflect.DeepEqual(s.Outcome.Agreed, sortedKeysOf(c, 1, 2)) || s.Outcome.Messages != 3 {
				t.Fatalf("outcome %+v", s.Outcome)
			}
			if !reflect.DeepEqual(s.Acknowledged, keysOf(c, 1, 2)) {
				t.Fatalf("acknowledged %v", s.Acknowledged)
			}
		},
	}})
}

func TestAnnouncementNamedSpeaker(t *testing.T) {
	// The speaker is participant 2, named in the start; one participant
	// never answers.
	st := &Start{Topic: "Market moves", Pattern: PatternAnnouncement, Method: MethodQuorum, Params: []uint64{2}, Speaker: key(t, 2).Public()}
	c := newConv(t, 4, st)
	notSpeaker := c.then(t, 0, &Say{Text: "I started it"})
	spoke := c.then(t, 2, &Say{Text: "the market moves to the square"})
	c.then(t, 0, &Ack{})
	own := c.then(t, 2, &Ack{})
	c.then(t, 3, &Ack{})
	s := c.reduce()
	if ev := find(s, notSpeaker.ID); ev.Applied {
		t.Fatal("the starter spoke in an announcement whose speaker is another")
	}
	if ev := find(s, spoke.ID); !ev.Applied {
		t.Fatalf("the speaker's message: %+v", ev)
	}
	if ev := find(s, own.ID); ev.Applied {
		t.Fatal("the speaker acknowledged itself")
	}
	if s.Speaker != c.pub(2) || !s.Closed() || !reflect.DeepEqual(s.Outcome.Agreed, sortedKeysOf(c, 0, 3)) {
		t.Fatalf("speaker %x outcome %+v", s.Speaker[:4], s.Outcome)
	}
	// A speaker outside the participants is refused at the start.
	bad := &Start{Topic: "x", Pattern: PatternAnnouncement, Method: MethodUnanimity, Participants: []identity.PublicKey{{1}, {2}}, Speaker: identity.PublicKey{3}}
	if _, err := Encode(bad); err == nil || !strings.Contains(err.Error(), "the speaker is not one of the participants") {
		t.Fatalf("err %v", err)
	}
}

func TestInvitation(t *testing.T) {
	runPatternCases(t, []patternCase{{
		name:  "two places: the third yes waits, takes the place a no frees",
		n:     5,
		start: Start{Topic: "Dinner on Friday", Pattern: PatternInvitation, Method: MethodCEL, Expr: "deadline_passed", Places: 2, Deadline: 1796000000, Text: "at my place"},
		steps: []step{
			{1, &AnswerMsg{Answer: Yes}, ""},
			{2, &AnswerMsg{Answer: Maybe}, ""},
			{3, &AnswerMsg{Answer: Yes}, ""},
			{4, &AnswerMsg{Answer: Yes}, ""},
			{2, &AnswerMsg{Answer: Yes}, ""},
			{1, &AnswerMsg{Answer: No}, ""},
			{3, &AnswerMsg{Answer: Yes}, ""},
			{0, &Ballot{Choice: []uint64{0}}, "ballots belong to the poll pattern; this is a invitation"},
			{0, &AnswerMsg{Answer: Maybe}, ""},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if s.Closed() {
				t.Fatalf("closed before the deadline: %+v", s.Outcome)
			}
			if !reflect.DeepEqual(s.Guests, keysOf(c, 3, 4)) || !reflect.DeepEqual(s.Waiting, keysOf(c, 2)) {
				t.Fatalf("guests %v waiting %v", s.Guests, s.Waiting)
			}
			if tl := s.Tally; tl.Agree != 3 || tl.Disagree != 1 || tl.Abstain != 1 || tl.Answered != 5 || tl.Places != 2 || tl.Taken != 2 {
				t.Fatalf("tally %+v", tl)
			}
			if s.Answers[c.pub(1)] != No || s.Answers[c.pub(2)] != Yes {
				t.Fatalf("answers %v", s.Answers)
			}
		},
	}, {
		name:  "a guest saying maybe frees the place for the first waiting; quorum of guests",
		n:     4,
		start: Start{Topic: "Boat trip", Pattern: PatternInvitation, Method: MethodCEL, Expr: "taken == places && answered == participants", Places: 1},
		steps: []step{
			{0, &AnswerMsg{Answer: Yes}, ""},
			{1, &AnswerMsg{Answer: Yes}, ""},
			{2, &AnswerMsg{Answer: Yes}, ""},
			{0, &AnswerMsg{Answer: Maybe}, ""},
			{3, &AnswerMsg{Answer: No}, ""},
			{2, &AnswerMsg{Answer: No}, "closed"},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if !s.Closed() || !reflect.DeepEqual(s.Outcome.Guests, keysOf(c, 1)) || !reflect.DeepEqual(s.Outcome.Agreed, sortedKeysOf(c, 1, 2)) {
				t.Fatalf("outcome %+v", s.Outcome)
			}
			if !reflect.DeepEqual(s.Waiting, keysOf(c, 2)) {
				t.Fatalf("waiting %v", s.Waiting)
			}
		},
	}, {
		name:  "no limit: every yes has a place; majority of participants",
		n:     3,
		start: Start{Topic: "Picnic", Pattern: PatternInvitation, Method: MethodMajority},
		steps: []step{
			{0, &AnswerMsg{Answer: Yes}, ""},
			{1, &PositionMsg{Position: Agree}, "positions belong to the proposal and debate patterns; this is a invitation"},
			{1, &AnswerMsg{Answer: Yes}, ""},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if !s.Closed() || !reflect.DeepEqual(s.Outcome.Guests, keysOf(c, 0, 1)) || s.Outcome.Tally.Taken != 2 {
				t.Fatalf("outcome %+v", s.Outcome)
			}
		},
	}})
}

// TestInvitationConcurrentYes: two participants answer yes to the last
// place without having seen each other's answer; the causal order (ties
// by entry id) gives the place to the same one on every node.
func TestInvitationConcurrentYes(t *testing.T) {
	c := newConv(t, 3, &Start{Topic: "Last seat", Pattern: PatternInvitation, Method: MethodUnanimity, Places: 1})
	a := c.say(t, 1, &AnswerMsg{Answer: Yes})
	b := c.say(t, 2, &AnswerMsg{Answer: Yes})
	first, second := 1, 2
	if string(b.ID[:]) < string(a.ID[:]) {
		first, second = 2, 1
	}
	want := c.reduce()
	if !reflect.DeepEqual(want.Guests, keysOf(c, first)) || !reflect.DeepEqual(want.Waiting, keysOf(c, second)) {
		t.Fatalf("guests %v waiting %v, want the smaller entry id first", want.Guests, want.Waiting)
	}
	for _, es := range [][]*entry.Entry{{b, a, c.start}, {a, c.start, b}} {
		if got := Reduce(Input{Conversation: c.start.ID, Entries: es}); !reflect.DeepEqual(got, want) {
			t.Fatalf("another delivery order gives guests %v", got.Guests)
		}
	}
}

func TestDebate(t *testing.T) {
	var opening, reply entry.ID
	cases := []patternCase{{
		name:  "arguments answer arguments; positions decide by majority of voters",
		n:     4,
		start: Start{Topic: "Ban cars from the lane", Pattern: PatternDebate, Method: MethodMajorityOfVoters, Text: "No cars in the lane after 8 pm"},
		steps: []step{
			{0, &Argument{Side: For, Text: "children play there"}, ""},
			{1, &Argument{Side: Against, Text: "deliveries come late"}, ""},
			{2, &Argument{Side: Against, Text: "answers nothing held", Answers: entry.ID{9}}, "which is not an argument of this debate applied before it"},
			{3, &Amend{Text: "except deliveries"}, "amendments belong to the proposal pattern; this is a debate"},
			{0, &PositionMsg{Position: Agree}, ""},
			{1, &PositionMsg{Position: Disagree}, ""},
			{2, &PositionMsg{Position: Agree}, ""},
			{3, &PositionMsg{Position: Abstain}, ""},
		},
		check: func(t *testing.T, c *conv, s *State) {
			if s.Tally.ArgumentsFor != 1 || s.Tally.ArgumentsAgainst != 1 || len(s.Arguments) != 2 {
				t.Fatalf("tally %+v arguments %+v", s.Tally, s.Arguments)
			}
			if !s.Closed() || s.Outcome.Text != "No cars in the lane after 8 pm" || !reflect.DeepEqual(s.Outcome.Agreed, sortedKeysOf(c, 0, 2)) {
				t.Fatalf("outcome %+v", s.Outcome)
			}
		},
	}}
	runPatternCases(t, cases)

	// An argument answering another: the answer names it and is ordered
	// after it even when its refs leave it out.
	c := newConv(t, 3, &Start{Topic: "Paint the hall", Pattern: PatternDebate, Method: MethodCEL, Expr: "arguments_for >= 1 && arguments_against >= 2"})
	o := c.say(t, 0, &Argument{Side: For, Text: "it is grey"})
	opening = o.ID
	r := c.say(t, 1, &Argument{Side: Against, Text: "grey is calm", Answers: opening})
	reply = r.ID
	rr := c.say(t, 2, &Argument{Side: Against, Text: "and paint costs", Answers: reply})
	s := c.reduce()
	for _, id := range []entry.ID{opening, reply, rr.ID} {
		if ev := find(s, id); !ev.Applied {
			t.Fatalf("argument ignored: %+v", ev)
		}
	}
	if !s.Closed() || s.Outcome.At != rr.ID {
		t.Fatalf("outcome %+v", s.Outcome)
	}
	if s.Arguments[1].Answers != opening || s.Arguments[2].Answers != reply || s.Arguments[2].Side != Against {
		t.Fatalf("arguments %+v", s.Arguments)
	}
	// Without the argument it answers, a reply is ignored on every node.
	var es []*entry.Entry
	for _, e := range c.all {
		if e.ID != opening {
			es = append(es, e)
		}
	}
	s = Reduce(Input{Conversation: c.start.ID, Entries: es})
	if ev := find(s, reply); ev.Applied || !strings.Contains(ev.Reason, "not an argument of this debate") {
		t.Fatalf("reply to a missing argument: %+v", ev)
	}
}

// TestPatternStartRules: the start keys each new pattern allows.
func TestPatternStartRules(t *testing.T) {
	two := []identity.PublicKey{{1}, {2}}
	for _, c := range []struct {
		st   Start
		want string
	}{
		{Start{Topic: "x", Pattern: PatternProposal, Method: MethodConsent, Participants: two, Speaker: identity.PublicKey{1}}, "only an announcement names a speaker"},
		{Start{Topic: "x", Pattern: PatternPoll, Method: MethodApproval, Participants: two, Options: []string{"a", "b"}, Ballot: BallotApproval, Places: 3}, "only an invitation has a limit of places"},
		{Start{Topic: "x", Pattern: PatternInvitation, Method: MethodApproval, Participants: two}, "approval decides polls"},
		{Start{Topic: "x", Pattern: PatternDebate, Method: MethodConsent, Participants: two, Options: []string{"a", "b"}}, "only a poll has options"},
		{Start{Topic: "x", Pattern: PatternAnnouncement, Method: MethodQuorum, Params: []uint64{2}, Participants: two}, "a quorum of 2 among 1 participants who answer can never hold"},
		{Start{Topic: "x", Pattern: "chat", Method: MethodConsent, Participants: two}, "want discussion, announcement, invitation, proposal, debate or poll"},
		{Start{Topic: "x", Pattern: PatternInvitation, Method: MethodConsent, Participants: two, Places: MaxParam + 1}, "exceeds the limit"},
		{Start{Topic: "x", Pattern: PatternInvitation, Method: MethodConsent, Participants: two, Deadline: MaxDeadline + 1}, "exceeds the limit"},
	} {
		if _, err := Encode(&c.st); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.st, err, c.want)
		}
	}
	// A start naming members whose speaker is not among them holds no
	// conversation.
	sp := key(t, 7).Public()
	c := newConv(t, 2, &Start{Topic: "x", Pattern: PatternAnnouncement, Method: MethodUnanimity, Members: entry.ID{3}, Speaker: sp})
	s := Reduce(Input{Conversation: c.start.ID, Entries: c.all, Members: keysOf(c, 0, 1)})
	if s.Problem != "the announcement's speaker is not a participant" {
		t.Fatalf("problem %q", s.Problem)
	}
	s = Reduce(Input{Conversation: c.start.ID, Entries: c.all, Members: append(keysOf(c, 0, 1), sp)})
	if s.Problem != "" || s.Speaker != sp || !slices.Contains(s.Participants, sp) {
		t.Fatalf("problem %q speaker %x", s.Problem, s.Speaker[:4])
	}
}

// TestDecodeNewFieldLimits: the limits of the new keys, on bytes a
// hostile peer could send.
func TestDecodeNewFieldLimits(t *testing.T) {
	id := entry.ID{1}
	for _, c := range []struct {
		p        Payload
		old, new string
		want     string
	}{
		{&AnswerMsg{Conversation: id, Answer: Maybe}, "answer\x02", "answer\x03", `conversation: conversation.answer: field "answer": byte 33: 3 exceeds the limit 2`},
		{&Argument{Conversation: id, Side: Against, Text: "no"}, "side\x01", "side\x02", `conversation: conversation.argument: field "side": byte 6: 2 exceeds the limit 1`},
		{&Start{Topic: "i", Pattern: PatternInvitation, Method: MethodConsent, Members: id, Places: 12}, "places\x0c", "places\x00", `conversation: conversation.start: field "places": 0: leave the key out for no limit`},
		{&Start{Topic: "i", Pattern: PatternInvitation, Method: MethodConsent, Members: id, Deadline: 20}, "deadline\x14", "deadline\x00", `conversation: conversation.start: field "deadline": 0: leave the key out for no deadline`},
	} {
		b, err := Encode(c.p)
		if err != nil {
			t.Fatal(err)
		}
		bad := []byte(strings.Replace(string(b), c.old, c.new, 1))
		if _, err := Decode(bad); err == nil || err.Error() != c.want {
			t.Errorf("%s: err %v, want %s", c.p.Type(), err, c.want)
		}
	}
}
