//go:build !(js && wasm)

package conversation

import (
	"errors"
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/interpreter"
)

// CostLimit bounds the CEL cost of one evaluation of an expression
// (conversation.md §4): evaluation stops, and the method does not hold,
// once the cost exceeds it. The same expression over the same tally costs
// the same on every node.
const CostLimit = 10000

var celEnv = func() *cel.Env {
	env, err := cel.NewEnv(
		cel.Variable("participants", cel.IntType),
		cel.Variable("answered", cel.IntType),
		cel.Variable("agree", cel.IntType),
		cel.Variable("disagree", cel.IntType),
		cel.Variable("abstain", cel.IntType),
		cel.Variable("block", cel.IntType),
		cel.Variable("messages", cel.IntType),
		cel.Variable("amendments", cel.IntType),
		cel.Variable("options", cel.IntType),
		cel.Variable("ballots", cel.IntType),
		cel.Variable("votes", cel.ListType(cel.IntType)),
		cel.Variable("deadline_passed", cel.BoolType),
		cel.Variable("places", cel.IntType),
		cel.Variable("taken", cel.IntType),
		cel.Variable("arguments_for", cel.IntType),
		cel.Variable("arguments_against", cel.IntType),
	)
	if err != nil {
		panic(err)
	}
	return env
}()

// Expr is a compiled, checked consensus expression.
type Expr struct{ prg cel.Program }

// CompileExpr parses and checks a consensus expression: it must refer only
// to the tally's names, yield a bool, and cost at most CostLimit over the
// largest tally a poll can have (MaxOptions options). The error says what
// to change.
func CompileExpr(src string) (*Expr, error) {
	ast, iss := celEnv.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("the expression does not compile: %s (it may use participants, answered, agree, disagree, abstain, block, messages, amendments, options, ballots, votes, deadline_passed, places, taken, arguments_for, arguments_against)", strings.TrimSpace(iss.Err().Error()))
	}
	if ast.OutputType() != cel.BoolType {
		return nil, fmt.Errorf("the expression yields %s; a consensus method must yield true or false (bool)", ast.OutputType())
	}
	prg, err := celEnv.Program(ast, cel.CostLimit(CostLimit))
	if err != nil {
		return nil, fmt.Errorf("the expression cannot run: %v", err)
	}
	x := &Expr{prg: prg}
	probe := &Tally{Participants: 1 << 20, Answered: 1 << 20, Agree: 1 << 20, Options: MaxOptions, DeadlinePassed: true}
	if _, err := x.eval(probe, make([]uint64, MaxOptions), 1<<20, 1<<20, MaxOptions); err != nil {
		var ce *costErr
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("the expression costs more than the limit of %d over a poll of %d options; write a simpler one", CostLimit, MaxOptions)
		}
	}
	return x, nil
}

type costErr struct{ err error }

func (e *costErr) Error() string { return e.err.Error() }

// eval evaluates the expression over t. votes holds the per-option counts
// (approvals, first choices or score sums).
func (x *Expr) eval(t *Tally, votes []uint64, ballots, messages, amendments int) (bool, error) {
	vs := make([]int64, len(votes))
	for i, v := range votes {
		vs[i] = int64(v)
	}
	out, _, err := x.prg.Eval(&tallyVars{t: t, votes: vs, ballots: ballots, messages: messages, amendments: amendments})
	if err != nil {
		if strings.Contains(err.Error(), "cost limit exceeded") {
			return false, &costErr{err}
		}
		return false, err
	}
	b, ok := out.Value().(bool)
	return ok && b, nil
}

// tallyVars gives an expression the tally's names without building a map
// for every evaluation.
type tallyVars struct {
	t                             *Tally
	votes                         []int64
	ballots, messages, amendments int
}

func (v *tallyVars) ResolveName(name string) (any, bool) {
	t := v.t
	switch name {
	case "participants":
		return int64(t.Participants), true
	case "answered":
		return int64(t.Answered), true
	case "agree":
		return int64(t.Agree), true
	case "disagree":
		return int64(t.Disagree), true
	case "abstain":
		return int64(t.Abstain), true
	case "block":
		return int64(t.Block), true
	case "messages":
		return int64(v.messages), true
	case "amendments":
		return int64(v.amendments), true
	case "options":
		return int64(t.Options), true
	case "ballots":
		return int64(v.ballots), true
	case "votes":
		return v.votes, true
	case "deadline_passed":
		return t.DeadlinePassed, true
	case "places":
		return int64(t.Places), true
	case "taken":
		return int64(t.Taken), true
	case "arguments_for":
		return int64(t.ArgumentsFor), true
	case "arguments_against":
		return int64(t.ArgumentsAgainst), true
	}
	return nil, false
}

func (v *tallyVars) Parent() interpreter.Activation { return nil }
