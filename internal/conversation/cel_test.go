package conversation

import (
	"strings"
	"testing"
	"time"
)

func TestCompileExprRefusals(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{"agree >", "does not compile"},
		{"agreed > 2", "undeclared reference to 'agreed'"},
		{"agree + 1", "yields int"},
		{"votes.all(a, votes.all(b, votes.all(c, votes.all(d, a + b + c + d >= 0))))", "costs more than the limit"},
	} {
		_, err := CompileExpr(c.expr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want it to say %q", c.expr, err, c.want)
		}
	}
	if _, err := CompileExpr("agree * 3 >= participants * 2 && block == 0"); err != nil {
		t.Fatal(err)
	}
}

func TestCELProposal(t *testing.T) {
	c := newConv(t, 3, &Start{Topic: "t", Pattern: PatternProposal, Method: MethodCEL, Expr: "agree * 3 >= participants * 2 && block == 0", Text: "x"})
	c.say(t, 0, &PositionMsg{Position: Agree})
	if s := c.reduce(); s.Closed() {
		t.Fatal("closed with 1 of 3")
	}
	c.say(t, 1, &PositionMsg{Position: Agree})
	if s := c.reduce(); !s.Closed() || len(s.Outcome.Agreed) != 2 {
		t.Fatalf("outcome %+v", s.Outcome)
	}
}

func TestCELPollWinnerAndRefusedStart(t *testing.T) {
	c := newConv(t, 2, &Start{Topic: "t", Pattern: PatternPoll, Method: MethodCEL, Expr: "ballots == participants", Options: []string{"a", "b"}, Ballot: BallotApproval})
	c.say(t, 0, &Ballot{Choice: []uint64{1}})
	c.say(t, 1, &Ballot{Choice: []uint64{0, 1}})
	if s := c.reduce(); !s.Closed() || s.Outcome.Winner != 1 {
		t.Fatalf("outcome %+v", s.Outcome)
	}
	// A start whose expression does not compile holds no conversation.
	c = newConv(t, 2, &Start{Topic: "t", Pattern: PatternProposal, Method: MethodCEL, Expr: "nobody", Text: "x"})
	if s := c.reduce(); s.Start != nil || !strings.Contains(s.Problem, "refused") {
		t.Fatalf("problem %q", s.Problem)
	}
}

// TestHostileExpressionsStopFast: expressions written to burn CPU are
// refused at start, or stop at the cost limit, within a bounded time.
func TestHostileExpressionsStopFast(t *testing.T) {
	for _, e := range []string{
		"votes.map(a, votes.map(b, votes.map(c, a+b+c))).size() > 0",
		"votes.exists(a, votes.exists(b, votes.exists(c, a*b*c < 0)))",
		"votes.filter(a, votes.filter(b, votes.filter(c, true).size() > 0).size() > 0).size() == 0",
	} {
		start := time.Now()
		_, err := CompileExpr(e)
		if err == nil || !strings.Contains(err.Error(), "costs more") {
			t.Errorf("%q: %v, want refused for its cost", e, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q took %v", e, d)
		}
	}
}
