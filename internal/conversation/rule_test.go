package conversation

import (
	"strings"
	"testing"
)

func TestCompileRuleRefusals(t *testing.T) {
	for _, c := range []struct {
		r    Rule
		want string
	}{
		{Rule{Method: "approval"}, `"approval" is not a consensus method that counts positions (want one of unanimity, consent, majority, majority-of-voters, qualified, qualified-of-voters, quorum, or cel with an expression)`},
		{Rule{Method: "sortition"}, `"sortition" is not a consensus method that counts positions`},
		{Rule{Method: MethodQualified, Params: []uint64{3, 2}}, "a qualified majority is [numerator, denominator] with 0 < numerator ≤ denominator, got [3 2]"},
		{Rule{Method: MethodQualified}, "method qualified takes 2 parameters, got 0"},
		{Rule{Method: MethodQuorum, Params: []uint64{0}}, "a quorum of 0 would hold before anyone speaks"},
		{Rule{Method: MethodMajority, Expr: "agree > 1"}, "only the cel method takes an expression"},
		{Rule{Method: MethodCEL}, "the cel method needs an expression"},
		{Rule{Method: MethodCEL, Expr: "agree >"}, "the expression does not compile"},
		{Rule{Method: MethodCEL, Expr: "endorsers > 2"}, "undeclared reference to 'endorsers'"},
		{Rule{Method: MethodCEL, Expr: "agree"}, "yields int"},
		{Rule{Method: MethodCEL, Expr: "true", Params: []uint64{1}}, "the cel method takes no parameters"},
		{Rule{Method: MethodQuorum, Params: []uint64{MaxParam + 1}}, "parameter 1 is 1000001; the limit is 1000000"},
	} {
		_, err := CompileRule(c.r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.r, err, c.want)
		}
	}
}

func TestRuleHoldsAndNeeded(t *testing.T) {
	twoThirdsNoBlock := Rule{Method: MethodCEL, Expr: "agree * 3 >= participants * 2 && block == 0"}
	for _, c := range []struct {
		name   string
		r      Rule
		t      Tally
		holds  bool
		needed int
	}{
		{"unanimity 2 of 3", Rule{Method: MethodUnanimity}, Tally{Participants: 3, Agree: 2, Answered: 2}, false, 1},
		{"unanimity nobody", Rule{Method: MethodUnanimity}, Tally{}, false, -1},
		{"majority 2 of 4", Rule{Method: MethodMajority}, Tally{Participants: 4, Agree: 2, Answered: 2}, false, 1},
		{"majority 3 of 4", Rule{Method: MethodMajority}, Tally{Participants: 4, Agree: 3, Answered: 3}, true, 0},
		{"two thirds no block, 4 of 6", twoThirdsNoBlock, Tally{Participants: 6, Agree: 4, Answered: 4}, true, 0},
		{"two thirds no block, 3 of 6", twoThirdsNoBlock, Tally{Participants: 6, Agree: 3, Answered: 3}, false, 1},
		{"two thirds no block, 5 of 6 and a block", twoThirdsNoBlock, Tally{Participants: 6, Agree: 5, Block: 1, Answered: 6}, false, -1},
		{"qualified 3/4 of 8 with 2", Rule{Method: MethodQualified, Params: []uint64{3, 4}}, Tally{Participants: 8, Agree: 2, Answered: 2}, false, 4},
		{"consent waits for the silent", Rule{Method: MethodConsent}, Tally{Participants: 3, Agree: 1, Disagree: 1, Answered: 2}, false, 1},
		{"two thirds no block, 10 of 100 (bisected)", twoThirdsNoBlock, Tally{Participants: 100, Agree: 10, Answered: 10}, false, 57},
		{"qualified 2/3, 10 of 100 (scanned)", Rule{Method: MethodQualified, Params: []uint64{2, 3}}, Tally{Participants: 100, Agree: 10, Answered: 10}, false, 57},
		{"a cel rule more agreement can break: not found", Rule{Method: MethodCEL, Expr: "agree == 2"}, Tally{Participants: 5}, false, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			cr, err := CompileRule(c.r)
			if err != nil {
				t.Fatal(err)
			}
			if got := cr.Holds(c.t); got != c.holds {
				t.Fatalf("holds %v, want %v", got, c.holds)
			}
			if got := cr.Needed(c.t, 1000); got != c.needed {
				t.Fatalf("needed %d, want %d", got, c.needed)
			}
		})
	}
}

func TestRuleDescribe(t *testing.T) {
	for _, c := range []struct {
		r    Rule
		want string
	}{
		{Rule{Method: MethodUnanimity}, "every one of the active locals agrees"},
		{Rule{Method: MethodMajority}, "more than half of the active locals agree"},
		{Rule{Method: MethodQualified, Params: []uint64{2, 3}}, "at least two thirds of the active locals agree"},
		{Rule{Method: MethodQualified, Params: []uint64{3, 5}}, "at least 3/5 of the active locals agree"},
		{Rule{Method: MethodQuorum, Params: []uint64{3}}, "3 of the active locals agree"},
		{Rule{Method: MethodCEL, Expr: "block == 0 && agree >= 2"}, "the expression block == 0 && agree >= 2 is true"},
	} {
		if got := c.r.Describe("active locals"); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}
