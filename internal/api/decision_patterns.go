package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The contributions of the announcement, invitation and debate patterns,
// and the declaration that a stated deadline passed (conversation.md §2).

// startExtras sets a start's speaker and stated deadline from the request.
func (s *Service) startExtras(ctx context.Context, req wire.ConversationStart, st *conversation.Start) error {
	if req.Speaker != "" {
		k, err := s.person(ctx, req.Speaker)
		if we, ok := err.(*wire.Error); ok {
			we.Message = "speaker: " + strings.TrimPrefix(we.Message, "to: ")
			return we
		} else if err != nil {
			return err
		}
		st.Speaker = k
	}
	if req.Deadline != "" {
		t, err := time.Parse(time.RFC3339, req.Deadline)
		if err != nil {
			return apiError(wire.CodeBadRequest, "deadline: %q is not a time such as 2026-12-31T18:00:00Z", shortText(req.Deadline))
		}
		if t.Unix() <= 0 {
			return apiError(wire.CodeBadRequest, "deadline: %s is before 1970", req.Deadline)
		}
		st.Deadline = uint64(t.Unix())
	}
	return nil
}

// AckDecision acknowledges an announcement.
func (s *Service) AckDecision(ctx context.Context, id string) (wire.ConversationEntry, error) {
	return s.speak(ctx, id, &conversation.Ack{})
}

// AnswerDecision answers an invitation.
func (s *Service) AnswerDecision(ctx context.Context, id string, req wire.ConversationAnswer) (wire.ConversationEntry, error) {
	a, ok := map[string]conversation.Answer{"yes": conversation.Yes, "no": conversation.No, "maybe": conversation.Maybe}[strings.ToLower(strings.TrimSpace(req.Answer))]
	if !ok {
		return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "answer: %q is not yes, no or maybe", shortText(req.Answer))
	}
	return s.speak(ctx, id, &conversation.AnswerMsg{Answer: a})
}

// ArgueInDecision writes an argument for or against a debate's motion.
func (s *Service) ArgueInDecision(ctx context.Context, id string, req wire.ConversationArgument) (wire.ConversationEntry, error) {
	side, ok := map[string]conversation.Side{"for": conversation.For, "against": conversation.Against}[strings.ToLower(strings.TrimSpace(req.Side))]
	if !ok {
		return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "side: %q is not for or against", shortText(req.Side))
	}
	p := &conversation.Argument{Side: side, Text: req.Text}
	if req.Answers != "" {
		a, err := entry.ParseID(req.Answers)
		if err != nil {
			return wire.ConversationEntry{}, apiError(wire.CodeBadRequest, "answers: %v", err)
		}
		p.Answers = a
	}
	return s.speak(ctx, id, p)
}

// DeclareDeadline declares the conversation's stated deadline passed. The
// reducer cannot read clocks (a participant's declaration is what passes
// it, the same on every node); this node declares it only once its own
// clock has reached the stated time.
func (s *Service) DeclareDeadline(ctx context.Context, idText string) (wire.ConversationEntry, error) {
	id, err := parseDecisionID(idText)
	if err != nil {
		return wire.ConversationEntry{}, err
	}
	v, err := s.n.Decision(ctx, id)
	if err != nil {
		return wire.ConversationEntry{}, decisionErr(idText, err)
	}
	if st := v.State.Start; st != nil {
		if st.Deadline == 0 {
			return wire.ConversationEntry{}, apiError(wire.CodeConflict, "this conversation states no deadline: there is nothing to declare passed")
		}
		if due := time.Unix(int64(st.Deadline), 0); time.Now().Before(due) {
			return wire.ConversationEntry{}, apiError(wire.CodeConflict, "the stated deadline is %s; by this device's clock it has not passed yet: declare it then", due.UTC().Format(time.RFC3339))
		}
	}
	return s.speak(ctx, idText, &conversation.DeadlineMsg{})
}

func (s *Server) ackDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req struct{}
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.AckDecision(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) answerDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ConversationAnswer
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.AnswerDecision(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) argueInDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ConversationArgument
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.ArgueInDecision(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) declareDeadline(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req struct{}
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.DeclareDeadline(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

// patternView adds what the announcement, invitation and debate patterns
// hold to a conversation's view.
func patternView(out *wire.Decision, st *conversation.State, nm *namer) {
	people := func(ks []identity.PublicKey) []wire.ConversationPerson {
		var ps []wire.ConversationPerson
		for _, k := range ks {
			ps = append(ps, nm.person(k))
		}
		return ps
	}
	if st.Start == nil {
		return
	}
	switch st.Start.Pattern {
	case conversation.PatternAnnouncement:
		sp := nm.person(st.Speaker)
		out.Speaker, out.Acknowledged = &sp, people(st.Acknowledged)
	case conversation.PatternInvitation:
		out.Places, out.Guests, out.Waiting = st.Start.Places, people(st.Guests), people(st.Waiting)
	case conversation.PatternDebate:
		for _, a := range st.Arguments {
			v := wire.ConversationArgumentView{ID: a.ID.String(), Author: nm.person(a.Author), Side: a.Side.String(), Text: a.Text}
			if !a.Answers.IsZero() {
				v.Answers = a.Answers.String()
			}
			out.Arguments = append(out.Arguments, v)
		}
	}
}
