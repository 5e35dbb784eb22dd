package conversation

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func seeds() []Payload {
	id := entry.ID{1}
	return []Payload{
		&Start{Topic: "t", Pattern: PatternProposal, Method: MethodQualified, Params: []uint64{2, 3}, Participants: []identity.PublicKey{{2}, {3}}, Text: "x", After: 5},
		&Start{Topic: "p", Pattern: PatternPoll, Method: MethodCEL, Expr: "ballots > 1", Members: id, Options: []string{"a", "b"}, Ballot: BallotRanked},
		&Say{Conversation: id, Text: "hi", Reply: entry.ID{4}},
		&Amend{Conversation: id, Text: "a", Causal: Causal{Refs: []entry.ID{{5}, {6}}}},
		&PositionMsg{Conversation: id, Position: Block, Reason: "r"},
		&Ballot{Conversation: id, Choice: []uint64{2, 0}},
		&Start{Topic: "a", Pattern: PatternAnnouncement, Method: MethodUnanimity, Participants: []identity.PublicKey{{2}, {3}}, Speaker: identity.PublicKey{3}, Text: "water off", Deadline: 1796000000},
		&Start{Topic: "i", Pattern: PatternInvitation, Method: MethodQuorum, Params: []uint64{2}, Members: id, Places: 12},
		&Start{Topic: "d", Pattern: PatternDebate, Method: MethodMajorityOfVoters, Members: id, Text: "motion"},
		&Ack{Conversation: id},
		&AnswerMsg{Conversation: id, Answer: Maybe, Causal: Causal{Refs: []entry.ID{{7}}}},
		&Argument{Conversation: id, Side: Against, Text: "no", Answers: entry.ID{8}},
		&DeadlineMsg{Conversation: id},
	}
}

func FuzzDecode(f *testing.F) {
	for _, p := range seeds() {
		b, err := Encode(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(p)
		if err != nil {
			t.Fatalf("decoded payload does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", b, again)
		}
	})
}

func FuzzCompileExpr(f *testing.F) {
	for _, s := range []string{"agree > 1", "votes[0] > votes[1]", "deadline_passed || block == 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > MaxExprLen {
			return
		}
		x, err := CompileExpr(s)
		if err != nil {
			return
		}
		_, _ = x.eval(&Tally{Participants: 3, Options: 2}, []uint64{1, 2}, 1, 1, 0)
	})
}
