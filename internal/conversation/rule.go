package conversation

import (
	"fmt"
	"strings"
)

// Rule is a consensus method that counts positions, with its parameters
// or expression, outside a conversation's start: a village charter's rule
// for admitting strangers or excluding locals (village.md §3) is one.
type Rule struct {
	Method string   // a counting method of conversation.md §4, or MethodCEL
	Params []uint64 // nil: none
	Expr   string   // the CEL expression when Method is MethodCEL
}

// CountingMethods are the built-in methods a Rule may name besides
// MethodCEL: the methods that count positions.
var CountingMethods = []string{MethodUnanimity, MethodConsent, MethodMajority, MethodMajorityOfVoters, MethodQualified, MethodQualifiedOfVoters, MethodQuorum}

// CompiledRule is a checked rule, ready to evaluate.
type CompiledRule struct {
	rule Rule
	expr *Expr
}

// CompileRule checks r as conversation.md §4 checks the method of a
// proposal (its parameters; a CEL expression compiles, yields a bool,
// refers only to the tally's names and stays within the cost limit) and
// returns it ready to evaluate. The error says what to change.
func CompileRule(r Rule) (*CompiledRule, error) {
	if r.Method == MethodCEL {
		if r.Expr == "" {
			return nil, fmt.Errorf("the cel method needs an expression")
		}
		if len(r.Expr) > MaxExprLen {
			return nil, fmt.Errorf("the expression has %d bytes; the limit is %d", len(r.Expr), MaxExprLen)
		}
		if r.Params != nil {
			return nil, fmt.Errorf("the cel method takes no parameters")
		}
		x, err := CompileExpr(r.Expr)
		if err != nil {
			return nil, err
		}
		return &CompiledRule{rule: r, expr: x}, nil
	}
	if r.Expr != "" {
		return nil, fmt.Errorf("only the cel method takes an expression (the method is %s)", r.Method)
	}
	for i, v := range r.Params {
		if v > MaxParam {
			return nil, fmt.Errorf("parameter %d is %d; the limit is %d", i+1, v, MaxParam)
		}
	}
	st := &Start{Pattern: PatternProposal, Method: r.Method, Params: r.Params}
	if err := checkMethod(st); err != nil {
		if e, ok := err.(*Error); ok {
			if e.Field == "method" {
				return nil, fmt.Errorf("%q is not a consensus method that counts positions (want one of %s, or cel with an expression)", r.Method, strings.Join(CountingMethods, ", "))
			}
			return nil, fmt.Errorf("%s", e.Msg)
		}
		return nil, err
	}
	return &CompiledRule{rule: r}, nil
}

// Rule returns the rule as compiled.
func (c *CompiledRule) Rule() Rule { return c.rule }

// Holds reports whether the rule holds over t, exactly as the reducer
// evaluates a proposal's method after an entry (t.Ballots and the poll
// fields are not read; a CEL expression sees messages, amendments and
// ballots as 0 and votes as an empty list). An expression that errs or
// exceeds its cost limit does not hold.
func (c *CompiledRule) Holds(t Tally) bool {
	if c.expr != nil {
		ok, _ := c.expr.eval(&t, nil, 0, 0, 0)
		return ok
	}
	ok, _ := holds(c.rule.Method, c.rule.Params, &t)
	return ok
}

// Needed returns how many more participants must agree, of those who
// have not answered, for the rule to hold over t: the smallest k ≥ 0 such
// that it holds with k more agreeing (Agree and Answered raised by k), at
// most limit and at most Participants − Answered; -1 when no such k exists
// (a block or disagreement stands in the way, or too few are left to ask).
// A built-in method is checked at every k. A cel expression is bisected,
// assuming more agreement never makes it false (about 2 + log2(limit)
// evaluations, not limit): exact for such expressions; for others, a k at
// which it holds, or -1 when it does not hold with every one agreeing.
func (c *CompiledRule) Needed(t Tally, limit int) int {
	left := min(t.Participants-t.Answered, limit)
	with := func(k int) bool {
		u := t
		u.Agree += k
		u.Answered += k
		return c.Holds(u)
	}
	if c.expr == nil {
		for k := 0; k <= left; k++ {
			if with(k) {
				return k
			}
		}
		return -1
	}
	if left < 0 {
		return -1
	}
	if with(0) {
		return 0
	}
	if !with(left) {
		return -1
	}
	lo, hi := 0, left // with(lo) false, with(hi) true
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if with(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// Describe says the rule in plain words; who names the participants
// ("participants", "active locals").
func (r Rule) Describe(who string) string {
	p := func(i int) uint64 {
		if i < len(r.Params) {
			return r.Params[i]
		}
		return 0
	}
	switch r.Method {
	case MethodUnanimity:
		return "every one of the " + who + " agrees"
	case MethodConsent:
		return "no block, at least one agrees, and every one of the " + who + " has answered"
	case MethodMajority:
		return "more than half of the " + who + " agree"
	case MethodMajorityOfVoters:
		return "once every one of the " + who + " has answered or the deadline passed, more than half of those who voted (abstentions aside) agree"
	case MethodQualified:
		return fmt.Sprintf("at least %s of the %s agree", fraction(p(0), p(1)), who)
	case MethodQualifiedOfVoters:
		return fmt.Sprintf("once every one of the %s has answered or the deadline passed, at least %s of those who voted agree", who, fraction(p(0), p(1)))
	case MethodQuorum:
		if p(0) == 1 {
			return "one of the " + who + " agrees"
		}
		return fmt.Sprintf("%d of the %s agree", p(0), who)
	case MethodApproval:
		return "the option most approved once every one has voted or the deadline passed"
	case MethodScore:
		return "the option with the highest total score once every one has voted or the deadline passed"
	case MethodInstantRunoff:
		return "the instant-runoff winner of the ranked ballots once every one has voted or the deadline passed"
	case MethodSchulze:
		return "the Schulze (Condorcet) winner of the ranked ballots once every one has voted or the deadline passed"
	case MethodCEL:
		return "the expression " + r.Expr + " is true"
	}
	return r.Method
}

func fraction(n, d uint64) string {
	switch {
	case n == d:
		return "all"
	case n == 1 && d == 2:
		return "half"
	case n == 2 && d == 3:
		return "two thirds"
	case n == 3 && d == 4:
		return "three quarters"
	case n == 1 && d == 3:
		return "one third"
	}
	return fmt.Sprintf("%d/%d", n, d)
}
