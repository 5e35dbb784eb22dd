package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// decisionErr gives the node's errors about conversations that end in a
// decision their codes, with what to do next.
func decisionErr(id string, err error) error {
	var ce *conversation.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, node.ErrNoDecision):
		return apiError(wire.CodeNotFound, "no conversation %s is held here: check the id with GET /api/v1/decisions ('kith conversation list'), or wait until its entries arrive from a participant's device", id)
	case errors.Is(err, node.ErrDecisionRule), errors.Is(err, node.ErrVillageRule), errors.Is(err, node.ErrSpaceRule):
		return withCode(wire.CodeConflict, err)
	case errors.Is(err, node.ErrNoVillage), errors.Is(err, node.ErrNoSpace):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, node.ErrSpaceWaiting):
		return withCode(wire.CodeSpaceWaiting, err)
	case errors.As(err, &ce):
		// Say the field as a person knows it; the payload type is jargon.
		if ce.Field != "" {
			name := map[string]string{"expr": "rule"}[ce.Field]
			if name == "" {
				name = ce.Field
			}
			return apiError(wire.CodeBadRequest, "%s: %s (nothing was published)", name, ce.Msg)
		}
		return apiError(wire.CodeBadRequest, "%s (nothing was published)", strings.TrimPrefix(err.Error(), "conversation: "))
	}
	return err
}

func parseDecisionID(s string) (entry.ID, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return entry.ID{}, apiError(wire.CodeBadRequest, "conversation: %v (a conversation's id is its start entry's, ent_…; 'kith conversation list' shows them)", err)
	}
	return id, nil
}

// StartDecision starts a conversation that ends in a decision.
func (s *Service) StartDecision(ctx context.Context, req wire.ConversationStart) (wire.ConversationEntry, error) {
	nd := node.NewDecision{Start: &conversation.Start{Topic: req.Topic, Pattern: req.Pattern, Method: req.Method,
		Params: req.Params, Expr: req.Expr, Text: req.Text, Options: req.Options, Ballot: req.Ballot, After: req.After, Places: req.Places}}
	if err := s.startExtras(ctx, req, nd.Start); err != nil {
		return wire.ConversationEntry{}, err
	}
	if len(nd.Start.Options) == 0 {
		nd.Start.Options = nil
	}
	if len(nd.Start.Params) == 0 {
		nd.Start.Params = nil
	}
	places := 0
	if req.Village != "" {
		id, err := entry.ParseID(req.Village)
		if err != nil {
			return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "village: %v", err)
		}
		nd.Village = id
		places++
	}
	if req.Space != "" {
		id, err := entry.ParseID(req.Space)
		if err != nil {
			return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "space: %v", err)
		}
		nd.Space = id
		places++
	}
	for _, p := range req.People {
		k, err := s.person(ctx, p)
		if we, ok := err.(*wire.Error); ok {
			we.Message = "people: " + strings.TrimPrefix(we.Message, "to: ")
			return wire.ConversationEntry{}, we
		} else if err != nil {
			return wire.ConversationEntry{}, err
		}
		nd.People = append(nd.People, k)
	}
	switch {
	case places > 1:
		return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "name a village or a space, not both")
	case places == 0 && len(nd.People) == 0:
		return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "say who decides: a village (its locals), a space (its members) or people")
	}
	e, place, err := s.n.StartDecision(ctx, nd)
	if err != nil {
		return wire.ConversationEntry{}, decisionErr("", err)
	}
	return wire.ConversationEntry{Conversation: e.ID.String(), ID: e.ID.String(), Place: s.placeOf(ctx, place, "")}, nil
}

// placeOf describes a place; name when known.
func (s *Service) placeOf(ctx context.Context, p node.DecisionPlace, name string) wire.ConversationPlace {
	out := wire.ConversationPlace{Kind: "space", ID: p.ID().String(), Name: name}
	if p.IsVillage() {
		out.Kind = "village"
	}
	if name == "" {
		if p.IsVillage() {
			if st, err := s.n.Village(ctx, p.Village); err == nil {
				out.Name = st.Name
			}
		} else if v, err := s.n.Space(ctx, p.Space); err == nil {
			out.Name = v.Name
		}
	}
	return out
}

// speak writes one entry to a conversation.
func (s *Service) speak(ctx context.Context, idText string, p conversation.Payload) (wire.ConversationEntry, error) {
	id, err := parseDecisionID(idText)
	if err != nil {
		return wire.ConversationEntry{}, err
	}
	e, err := s.n.Speak(ctx, id, p)
	if err != nil {
		return wire.ConversationEntry{}, decisionErr(idText, err)
	}
	out := wire.ConversationEntry{Conversation: id.String(), ID: e.ID.String()}
	if pl, ok := s.n.DecisionOf(e); ok {
		out.Place = s.placeOf(ctx, pl, "")
	}
	return out, nil
}

// SayInDecision writes a free message.
func (s *Service) SayInDecision(ctx context.Context, id string, req wire.ConversationSay) (wire.ConversationEntry, error) {
	p := &conversation.Say{Text: req.Text}
	if req.Reply != "" {
		r, err := entry.ParseID(req.Reply)
		if err != nil {
			return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "reply: %v", err)
		}
		p.Reply = r
	}
	return s.speak(ctx, id, p)
}

// AmendDecision writes an amendment to a proposal.
func (s *Service) AmendDecision(ctx context.Context, id string, req wire.ConversationAmend) (wire.ConversationEntry, error) {
	return s.speak(ctx, id, &conversation.Amend{Text: req.Text})
}

// PositionInDecision writes a position on a proposal.
func (s *Service) PositionInDecision(ctx context.Context, id string, req wire.ConversationPosition) (wire.ConversationEntry, error) {
	pos, ok := map[string]conversation.Position{"agree": conversation.Agree, "disagree": conversation.Disagree,
		"abstain": conversation.Abstain, "block": conversation.Block}[strings.ToLower(strings.TrimSpace(req.Position))]
	if !ok {
		return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "position: %q is not agree, disagree, abstain or block", shortText(req.Position))
	}
	if pos == conversation.Block && strings.TrimSpace(req.Reason) == "" {
		return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "reason: a block needs a reason: say why, so the others can answer it")
	}
	return s.speak(ctx, id, &conversation.PositionMsg{Position: pos, Reason: req.Reason})
}

// VoteInDecision writes a ballot: the options by text or by number from
// 1, or the scores.
func (s *Service) VoteInDecision(ctx context.Context, idText string, req wire.ConversationVote) (wire.ConversationEntry, error) {
	id, err := parseDecisionID(idText)
	if err != nil {
		return wire.ConversationEntry{}, err
	}
	v, err := s.n.Decision(ctx, id)
	if err != nil {
		return wire.ConversationEntry{}, decisionErr(idText, err)
	}
	st := v.State.Start
	if st == nil {
		return wire.ConversationEntry{}, apiError(wire.CodeConflict, "the conversation cannot be read: %s", v.State.Problem)
	}
	if st.Pattern != conversation.PatternPoll {
		return wire.ConversationEntry{}, apiError(wire.CodeConflict, "this is a %s, not a poll: take a position (agree, disagree, abstain, block) instead", st.Pattern)
	}
	var choice []uint64
	if st.Ballot == conversation.BallotScore {
		if len(req.Options) > 0 || len(req.Scores) != len(st.Options) {
			return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "scores: a score ballot gives one score from 0 to %d to each of the %d options, in order (%s)", conversation.MaxScore, len(st.Options), strings.Join(st.Options, ", "))
		}
		choice = req.Scores
	} else {
		if len(req.Scores) > 0 {
			return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "scores: this poll takes %s ballots: name options", st.Ballot)
		}
		for _, o := range req.Options {
			i, err := optionIndex(st.Options, o)
			if err != nil {
				return wire.ConversationEntry{}, err
			}
			if slices.Contains(choice, i) {
				return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "options: %q is named twice", st.Options[i])
			}
			choice = append(choice, i)
		}
		if st.Ballot == conversation.BallotApproval {
			slices.Sort(choice)
		}
	}
	if choice == nil {
		choice = []uint64{}
	}
	return s.speak(ctx, idText, &conversation.Ballot{Choice: choice})
}

// optionIndex finds an option by its text (case and spacing aside) or its
// number from 1.
func optionIndex(opts []string, o string) (uint64, error) {
	key := strings.ToLower(strings.TrimSpace(o))
	for i, x := range opts {
		if strings.ToLower(strings.TrimSpace(x)) == key {
			return uint64(i), nil
		}
	}
	if k, err := strconv.Atoi(key); err == nil && k >= 1 && k <= len(opts) {
		return uint64(k - 1), nil
	}
	var named []string
	for i, x := range opts {
		named = append(named, fmt.Sprintf("%d %q", i+1, x))
	}
	return 0, apiError(wire.CodeBadRequest, "options: %q is not an option of this poll (%s)", shortText(o), strings.Join(named, ", "))
}

// namer names accounts, once each.
type namer struct {
	s     *Service
	ctx   context.Context
	me    identity.PublicKey
	names map[identity.PublicKey]string
}

func (nm *namer) person(k identity.PublicKey) wire.ConversationPerson {
	if k == (identity.PublicKey{}) {
		return wire.ConversationPerson{}
	}
	name, ok := nm.names[k]
	if !ok {
		name = nm.s.profileName(nm.ctx, k)
		nm.names[k] = name
	}
	return wire.ConversationPerson{Account: accText(k), Name: name, Me: k == nm.me}
}

// label is a person's name, or its account id when it has none.
func label(p wire.ConversationPerson) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Account
}

// Decision shows a conversation that ends in a decision.
func (s *Service) Decision(ctx context.Context, idText string) (wire.Decision, error) {
	id, err := parseDecisionID(idText)
	if err != nil {
		return wire.Decision{}, err
	}
	v, err := s.n.Decision(ctx, id)
	if err != nil {
		return wire.Decision{}, decisionErr(idText, err)
	}
	nm := &namer{s: s, ctx: ctx, me: s.n.Account().Key(), names: map[identity.PublicKey]string{}}
	st := v.State
	out := wire.Decision{ID: id.String(), Place: s.placeOf(ctx, v.Place, v.PlaceName), Problem: st.Problem,
		MethodError: st.MethodError, Closed: st.Closed(), Capped: len(v.Capped),
		Participants: []wire.ConversationPerson{}, History: []wire.ConversationEvent{}}
	for _, u := range v.Unreadable {
		out.Unreadable = append(out.Unreadable, wire.ConversationUnreadable{ID: u.ID.String(), Reason: u.Reason})
	}
	t := st.Tally
	out.Tally = wire.ConversationTally{Participants: t.Participants, Answered: t.Answered, Agree: t.Agree, Disagree: t.Disagree,
		Abstain: t.Abstain, Block: t.Block, Messages: st.Messages, Deadline: st.DeadlinePassed}
	start := st.Start
	if start != nil {
		out.Topic, out.Pattern, out.Method, out.Params, out.Expr = start.Topic, start.Pattern, start.Method, start.Params, start.Expr
		out.Rule, out.Needed, out.Deadline = ruleWords(start, len(st.Participants)), neededWords(st), deadlineWords(st)
		out.Text, out.Amendments, out.Ballot = start.Text, st.Amendments, start.Ballot
		out.Starter = nm.person(st.Starter)
		for i, o := range start.Options {
			var votes uint64
			if i < len(st.Votes) {
				votes = st.Votes[i]
			}
			out.Options = append(out.Options, wire.ConversationOption{Number: i + 1, Text: o, Votes: votes})
		}
	}
	for _, k := range st.Participants {
		p := nm.person(k)
		if sd, ok := st.Stands[k]; ok {
			p.Position, p.Reason = sd.Position.String(), sd.Reason
		}
		if a, ok := st.Answers[k]; ok {
			p.Position = a.String()
		}
		if slices.Contains(st.Acknowledged, k) {
			p.Position = "acknowledged"
		}
		if b, ok := st.Ballots[k]; ok && start != nil {
			p.Ballot = ballotWords(start, b)
		}
		out.Participants = append(out.Participants, p)
	}
	for _, ev := range st.History {
		w := wire.ConversationEvent{ID: ev.ID.String(), Author: nm.person(ev.Author), Kind: strings.TrimPrefix(ev.Type, "conversation."),
			Text: eventWords(start, ev.Payload), Applied: ev.Applied, Reason: ev.Reason}
		if say, ok := ev.Payload.(*conversation.Say); ok && !say.Reply.IsZero() {
			w.Reply = say.Reply.String()
		}
		if !ev.Applied {
			out.Ignored++
		}
		out.History = append(out.History, w)
	}
	patternView(&out, st, nm)
	if o := st.Outcome; o != nil {
		wo := &wire.ConversationOutcome{At: o.At.String(), Messages: o.Messages, Text: o.Text, Amendments: o.Amendments, Winner: o.WinnerText}
		for _, k := range o.Agreed {
			wo.Agreed = append(wo.Agreed, nm.person(k))
		}
		wo.Summary = outcomeWords(st, func(i int) string { return label(wo.Agreed[i]) })
		out.Outcome = wo
	}
	return out, nil
}

// Decisions lists the conversations that end in a decision of every
// village and space this device reads.
func (s *Service) Decisions(ctx context.Context) (wire.DecisionList, error) {
	ds, err := s.n.Decisions(ctx)
	if err != nil {
		return wire.DecisionList{}, err
	}
	nm := &namer{s: s, ctx: ctx, me: s.n.Account().Key(), names: map[identity.PublicKey]string{}}
	out := wire.DecisionList{Conversations: make([]wire.DecisionSummary, 0, len(ds))}
	for _, d := range ds {
		st := d.State
		w := wire.DecisionSummary{ID: d.ID.String(), Place: s.placeOf(ctx, d.Place, d.PlaceName), Closed: st.Closed(), Messages: st.Messages, Problem: st.Problem}
		if st.Start != nil {
			w.Topic, w.Pattern, w.Rule, w.Needed = st.Start.Topic, st.Start.Pattern, ruleWords(st.Start, len(st.Participants)), neededWords(st)
		}
		if st.Outcome != nil {
			w.Outcome = outcomeWords(st, func(i int) string { return label(nm.person(st.Outcome.Agreed[i])) })
		}
		out.Conversations = append(out.Conversations, w)
	}
	return out, nil
}
