package api

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/conversation"
)

// The words a person reads about a conversation that ends in a decision:
// its rule, what is still needed, what each entry says. Pure functions of
// the reducer's state.

// plural writes "1 agreement", "2 agreements".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ruleWords says the start's consensus method in plain words.
func ruleWords(st *conversation.Start, n int) string {
	p := st.Params
	final := "once everyone has answered or the deadline has passed"
	switch st.Method {
	case conversation.MethodUnanimity:
		return fmt.Sprintf("unanimity: all %d participants agree", n)
	case conversation.MethodConsent:
		return "consent: no one blocks and at least one agrees, " + final
	case conversation.MethodMajority:
		return fmt.Sprintf("majority: more than half of the %d participants agree", n)
	case conversation.MethodMajorityOfVoters:
		return "majority of voters: more agree than disagree or block (abstentions do not count), " + final
	case conversation.MethodQualified:
		if len(p) == 2 {
			return fmt.Sprintf("qualified majority: at least %d/%d of the %d participants agree", p[0], p[1], n)
		}
	case conversation.MethodQualifiedOfVoters:
		if len(p) == 2 {
			return fmt.Sprintf("qualified majority of voters: at least %d/%d of those who agree, disagree or block agree, %s", p[0], p[1], final)
		}
	case conversation.MethodQuorum:
		if len(p) == 1 {
			return fmt.Sprintf("quorum: %s agree", plural(int(p[0]), "participant", "participants"))
		}
	case conversation.MethodApproval:
		return "approval: the option most approve wins, " + final + " (a tie decides nothing)"
	case conversation.MethodScore:
		return "score: the option with the highest total score wins, " + final + " (a tie decides nothing)"
	case conversation.MethodInstantRunoff:
		return "ranked choice by instant runoff: the option a majority ranks first as the others drop out wins, " + final
	case conversation.MethodSchulze:
		return "ranked choice by the Schulze method: the option that beats every other in the pairwise preferences wins, " + final
	case conversation.MethodCEL:
		return "when this expression over the tally is true: " + st.Expr
	}
	return "method " + st.Method
}

// neededWords says what is still needed for a decision; "" once closed
// or when there is no conversation.
func neededWords(s *conversation.State) string {
	st := s.Start
	if st == nil || s.Closed() {
		return ""
	}
	t := s.Tally
	n := t.Participants
	final := t.Answered == n || t.DeadlinePassed
	answers := func(one, many string) string {
		w := plural(n-t.Answered, "more "+one, "more "+many)
		if st.After > 0 && !t.DeadlinePassed {
			w += " (or the deadline: " + plural(int(st.After)-s.Messages, "more message", "more messages") + ")"
		}
		return w
	}
	agreements := func(k int) string {
		return plural(max(k, 1), "more agreement", "more agreements")
	}
	var parts []string
	switch st.Method {
	case conversation.MethodUnanimity:
		parts = append(parts, agreements(n-t.Agree))
	case conversation.MethodConsent:
		if t.Agree == 0 {
			parts = append(parts, "an agreement")
		}
		if !final {
			parts = append(parts, answers("answer", "answers"))
		}
		if t.Block > 0 {
			parts = append(parts, plural(t.Block, "block withdrawn", "blocks withdrawn"))
		} else {
			parts = append(parts, "no blocks")
		}
	case conversation.MethodMajority:
		parts = append(parts, agreements(n/2+1-t.Agree))
	case conversation.MethodQualified:
		if len(st.Params) == 2 {
			p, q := int(st.Params[0]), int(st.Params[1])
			need := (p*n + q - 1) / q
			parts = append(parts, agreements(need-t.Agree))
		}
	case conversation.MethodQuorum:
		if len(st.Params) == 1 {
			parts = append(parts, agreements(int(st.Params[0])-t.Agree))
		}
	case conversation.MethodMajorityOfVoters, conversation.MethodQualifiedOfVoters:
		if !final {
			parts = append(parts, answers("answer", "answers"))
		}
		parts = append(parts, "more agreements among those who take a side")
	case conversation.MethodApproval, conversation.MethodScore, conversation.MethodInstantRunoff, conversation.MethodSchulze:
		switch {
		case !final:
			parts = append(parts, answers("ballot", "ballots"))
		case t.Answered == 0:
			parts = append(parts, "a ballot")
		default:
			parts = append(parts, "a single winner: the ballots so far tie")
		}
	case conversation.MethodCEL:
		w := "the expression to hold"
		if s.MethodError != "" {
			w += " (its last evaluation failed: " + s.MethodError + ")"
		}
		parts = append(parts, w)
	default:
		parts = append(parts, "the method to hold")
	}
	return strings.Join(parts, ", ")
}

// deadlineWords says the deadline; "" when there is none.
func deadlineWords(s *conversation.State) string {
	st := s.Start
	if st == nil || st.After == 0 {
		return ""
	}
	if s.DeadlinePassed {
		return fmt.Sprintf("passed: %s were written", plural(int(st.After), "message", "messages"))
	}
	return fmt.Sprintf("after %s (%d so far)", plural(int(st.After), "message", "messages"), s.Messages)
}

// ballotWords says a ballot in words.
func ballotWords(st *conversation.Start, c []uint64) string {
	name := func(o uint64) string {
		if int(o) < len(st.Options) {
			return fmt.Sprintf("%q", st.Options[o])
		}
		return fmt.Sprintf("option %d", o+1)
	}
	var ws []string
	switch st.Ballot {
	case conversation.BallotScore:
		for o, v := range c {
			ws = append(ws, fmt.Sprintf("%s %d", name(uint64(o)), v))
		}
		return "scores " + strings.Join(ws, ", ")
	case conversation.BallotRanked:
		for _, o := range c {
			ws = append(ws, name(o))
		}
		if len(ws) == 0 {
			return "ranks nothing"
		}
		return "ranks " + strings.Join(ws, " > ")
	}
	for _, o := range c {
		ws = append(ws, name(o))
	}
	if len(ws) == 0 {
		return "approves nothing"
	}
	return "approves " + strings.Join(ws, ", ")
}

// eventWords says what a history entry says, and the entry it replies
// to (zero when none).
func eventWords(st *conversation.Start, p conversation.Payload) string {
	switch p := p.(type) {
	case nil:
		return ""
	case *conversation.Start:
		return "started: " + p.Topic
	case *conversation.Say:
		return p.Text
	case *conversation.Amend:
		return "amendment: " + p.Text
	case *conversation.PositionMsg:
		if p.Reason != "" {
			return p.Position.String() + ": " + p.Reason
		}
		return p.Position.String()
	case *conversation.Ballot:
		if st == nil {
			return "a ballot"
		}
		return ballotWords(st, p.Choice)
	case *conversation.Ack:
		return "acknowledged"
	case *conversation.AnswerMsg:
		return p.Answer.String()
	case *conversation.Argument:
		return p.Side.String() + ": " + p.Text
	case *conversation.DeadlineMsg:
		return "the stated deadline passed"
	}
	return p.Type()
}

// outcomeWords says the outcome in one line.
func outcomeWords(s *conversation.State, names func(int) string) string {
	o := s.Outcome
	if o == nil {
		return ""
	}
	if o.WinnerText != "" {
		return fmt.Sprintf("%q wins", o.WinnerText)
	}
	if s.Start.Pattern == conversation.PatternProposal {
		w := fmt.Sprintf("accepted: %q", o.Text)
		if len(o.Amendments) > 0 {
			w += " with " + plural(len(o.Amendments), "amendment", "amendments")
		}
		if len(o.Agreed) > 0 {
			var ns []string
			for i := range o.Agreed {
				ns = append(ns, names(i))
			}
			slices.Sort(ns)
			w += "; agreed by " + strings.Join(ns, ", ")
		}
		return w
	}
	return fmt.Sprintf("the rule held after %s", plural(o.Messages, "message", "messages"))
}
