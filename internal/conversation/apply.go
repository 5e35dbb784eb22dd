package conversation

import (
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// reducer holds the incremental tally while Reduce applies entries.
type reducer struct {
	s    *State
	st   *Start
	expr *Expr
	idx  map[identity.PublicKey]int
	pos  []int8     // per participant: -1 none, else its Position (an answer or acknowledgement counts as one)
	bal  [][]uint64 // per participant: its ballot (nil none)
	args map[entry.ID]bool
}

func (r *reducer) init() {
	n := len(r.s.Participants)
	r.pos = make([]int8, n)
	for i := range r.pos {
		r.pos[i] = -1
	}
	r.bal = make([][]uint64, n)
	r.s.Tally = Tally{Participants: n, Options: len(r.st.Options), Ballot: r.st.Ballot, Places: int(r.st.Places)}
	if r.st.Pattern == PatternAnnouncement {
		r.s.Tally.Participants-- // the speaker does not acknowledge
	}
	r.args = map[entry.ID]bool{}
	if r.st.Pattern == PatternPoll {
		r.s.Votes = make([]uint64, len(r.st.Options))
	}
}

// apply applies one entry and returns why it is ignored ("" when applied).
func (r *reducer) apply(e *entry.Entry, who identity.PublicKey, p Payload) string {
	s, st := r.s, r.st
	if s.Problem != "" {
		return s.Problem
	}
	conv := conversationOf(p)
	if conv != s.Conversation {
		return "it belongs to another conversation"
	}
	i, ok := r.idx[who]
	if !ok {
		return "its author is not a participant"
	}
	if _, ok := p.(*Say); ok && st.Pattern == PatternAnnouncement && who != s.Speaker {
		return "in an announcement only the speaker speaks; the others acknowledge"
	}
	if s.Outcome != nil {
		if _, ok := p.(*Say); ok {
			// Kept as a message; it changes nothing.
			return ""
		}
		return fmt.Sprintf("the conversation is closed: its outcome was reached at entry %x", s.Outcome.At[:8])
	}
	t := &s.Tally
	switch p := p.(type) {
	case *Say:
	case *Amend:
		if st.Pattern != PatternProposal {
			return "amendments belong to the proposal pattern; this is a " + st.Pattern
		}
		s.Amendments = append(s.Amendments, p.Text)
	case *PositionMsg:
		if st.Pattern != PatternProposal && st.Pattern != PatternDebate {
			return "positions belong to the proposal and debate patterns; this is a " + st.Pattern
		}
		if old := r.pos[i]; old >= 0 {
			r.count(Position(old), -1)
		} else {
			t.Answered++
		}
		r.pos[i] = int8(p.Position)
		r.count(p.Position, 1)
		s.Stands[who] = Stand{Position: p.Position, Reason: p.Reason, At: e.ID}
	case *Ballot:
		if st.Pattern != PatternPoll {
			return "ballots belong to the poll pattern; this is a " + st.Pattern
		}
		if why := checkBallot(st, p.Choice); why != "" {
			return why
		}
		if old := r.bal[i]; old != nil {
			r.vote(old, -1)
		} else {
			t.Answered++
		}
		c := slices.Clone(p.Choice)
		if c == nil {
			c = []uint64{}
		}
		r.bal[i] = c
		r.vote(c, 1)
		s.Ballots[who] = c
	case *Ack:
		if st.Pattern != PatternAnnouncement {
			return "acknowledgements belong to the announcement pattern; this is a " + st.Pattern
		}
		if who == s.Speaker {
			return "the speaker does not acknowledge its own announcement"
		}
		if r.pos[i] >= 0 {
			return "already acknowledged"
		}
		r.pos[i] = int8(Agree)
		r.count(Agree, 1)
		t.Answered++
		s.Acknowledged = append(s.Acknowledged, who)
	case *AnswerMsg:
		if st.Pattern != PatternInvitation {
			return "answers belong to the invitation pattern; this is a " + st.Pattern
		}
		r.answer(i, who, p.Answer)
	case *Argument:
		if st.Pattern != PatternDebate {
			return "arguments belong to the debate pattern; this is a " + st.Pattern
		}
		if !p.Answers.IsZero() && !r.args[p.Answers] {
			return fmt.Sprintf("it answers %x, which is not an argument of this debate applied before it", p.Answers[:8])
		}
		r.args[e.ID] = true
		if p.Side == For {
			t.ArgumentsFor++
		} else {
			t.ArgumentsAgainst++
		}
		s.Arguments = append(s.Arguments, ArgumentEvent{ID: e.ID, Author: who, Side: p.Side, Text: p.Text, Answers: p.Answers})
	case *DeadlineMsg:
		if st.Deadline == 0 {
			return "this conversation states no deadline to declare passed"
		}
		if d := s.DeadlineDeclared; d != nil {
			return fmt.Sprintf("the deadline was already declared passed at entry %x", d.At[:8])
		}
		s.DeadlineDeclared = &Declaration{At: e.ID, By: who}
		s.DeadlinePassed = true
		t.DeadlinePassed = true
	case *Start:
		return "a conversation has one start entry"
	}
	s.Messages++
	if st.After > 0 && uint64(s.Messages) >= st.After {
		s.DeadlinePassed = true
		t.DeadlinePassed = true
	}
	r.decide(e.ID)
	return ""
}

func conversationOf(p Payload) entry.ID {
	switch p := p.(type) {
	case *Say:
		return p.Conversation
	case *Amend:
		return p.Conversation
	case *PositionMsg:
		return p.Conversation
	case *Ballot:
		return p.Conversation
	case *Ack:
		return p.Conversation
	case *AnswerMsg:
		return p.Conversation
	case *Argument:
		return p.Conversation
	case *DeadlineMsg:
		return p.Conversation
	}
	return entry.ID{}
}

// edges returns the entries p comes after in the causal order: its refs
// and, for an argument, the argument it answers.
func edges(p Payload) []entry.ID {
	rs := p.causal().Refs
	if a, ok := p.(*Argument); ok && !a.Answers.IsZero() {
		return append(slices.Clip(rs), a.Answers)
	}
	return rs
}

// answer applies participant i's answer to the invitation: a yes takes a
// free place, or joins the waiting list when every place is taken; a
// participant who held a place and answers no or maybe frees it, and the
// first on the waiting list takes it.
func (r *reducer) answer(i int, who identity.PublicKey, a Answer) {
	s, t := r.s, &r.s.Tally
	old := r.pos[i]
	if old >= 0 {
		r.count(Position(old), -1)
	} else {
		t.Answered++
	}
	pos := map[Answer]Position{Yes: Agree, No: Disagree, Maybe: Abstain}[a]
	r.pos[i] = int8(pos)
	r.count(pos, 1)
	s.Answers[who] = a
	wasYes := old == int8(Agree)
	switch {
	case a == Yes && !wasYes:
		if r.st.Places == 0 || uint64(len(s.Guests)) < r.st.Places {
			s.Guests = append(s.Guests, who)
		} else {
			s.Waiting = append(s.Waiting, who)
		}
	case a != Yes && wasYes:
		if k := slices.Index(s.Guests, who); k >= 0 {
			s.Guests = slices.Delete(s.Guests, k, k+1)
			if len(s.Waiting) > 0 {
				s.Guests = append(s.Guests, s.Waiting[0])
				s.Waiting = slices.Delete(s.Waiting, 0, 1)
			}
		} else if k := slices.Index(s.Waiting, who); k >= 0 {
			s.Waiting = slices.Delete(s.Waiting, k, k+1)
		}
	}
	t.Taken = len(s.Guests)
}

// checkBallot says why a ballot does not fit the poll ("" when it does).
func checkBallot(st *Start, c []uint64) string {
	n := uint64(len(st.Options))
	if st.Ballot == BallotScore {
		if uint64(len(c)) != n {
			return fmt.Sprintf("a score ballot gives one score per option: %d scores for %d options", len(c), n)
		}
		for o, v := range c {
			if v > MaxScore {
				return fmt.Sprintf("option %d scored %d; scores run from 0 to %d", o, v, MaxScore)
			}
		}
		return ""
	}
	seen := make([]bool, n)
	for k, o := range c {
		if o >= n {
			return fmt.Sprintf("option %d does not exist (the poll has %d options)", o, n)
		}
		if seen[o] {
			return fmt.Sprintf("option %d appears twice", o)
		}
		seen[o] = true
		if st.Ballot == BallotApproval && k > 0 && c[k-1] > o {
			return "approved options are listed in ascending order"
		}
	}
	return ""
}

func (r *reducer) count(p Position, d int) {
	t := &r.s.Tally
	switch p {
	case Agree:
		t.Agree += d
	case Disagree:
		t.Disagree += d
	case Abstain:
		t.Abstain += d
	case Block:
		t.Block += d
	}
}

// vote adds (d = 1) or removes (d = -1) a ballot from the per-option
// counts.
func (r *reducer) vote(c []uint64, d int) {
	v := r.s.Votes
	switch r.st.Ballot {
	case BallotApproval:
		for _, o := range c {
			v[o] += uint64(d)
		}
	case BallotRanked:
		if len(c) > 0 {
			v[c[0]] += uint64(d)
		}
	case BallotScore:
		for o, x := range c {
			v[o] += uint64(d) * x
		}
	}
}

// decide evaluates the method after entry at and records the outcome
// when it holds.
func (r *reducer) decide(at entry.ID) {
	s, st := r.s, r.st
	t := &s.Tally
	var ok bool
	winner := -1
	if r.expr != nil {
		var err error
		ok, err = r.expr.eval(t, s.Votes, t.Answered, s.Messages, len(s.Amendments))
		if err != nil {
			s.MethodError = err.Error()
		}
		if ok && st.Pattern == PatternPoll {
			winner = unique(s.Votes)
		}
	} else {
		if st.Pattern == PatternPoll {
			if !t.closed() || t.Answered == 0 {
				return
			}
			t.Ballots = r.ballots()
		}
		ok, winner = holds(st.Method, st.Params, t)
		t.Ballots = nil
	}
	if !ok {
		return
	}
	o := &Outcome{At: at, Messages: s.Messages, Winner: winner, Tally: *t}
	if st.Pattern != PatternPoll {
		o.Text = st.Text
	}
	if st.Pattern == PatternProposal {
		o.Amendments = slices.Clone(s.Amendments)
	}
	if st.Pattern == PatternInvitation {
		o.Guests = slices.Clone(s.Guests)
	}
	if winner >= 0 {
		o.WinnerText = st.Options[winner]
	}
	for i, k := range s.Participants {
		if r.pos[i] == int8(Agree) {
			o.Agreed = append(o.Agreed, k)
		}
	}
	s.Outcome = o
}

// ballots returns the ballots cast, in participant order.
func (r *reducer) ballots() [][]uint64 {
	out := make([][]uint64, 0, r.s.Tally.Answered)
	for _, b := range r.bal {
		if b != nil {
			out = append(out, b)
		}
	}
	return out
}
