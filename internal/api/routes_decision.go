package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// decisionRoutes are the endpoints of conversations that end in a decision
// (doc/api.md, "Decisions").
func (s *Server) decisionRoutes() []route {
	const d = v1 + "/decisions/{id}"
	return []route{
		{method: "GET", path: v1 + "/decisions", h: s.decisions},
		{method: "POST", path: v1 + "/decisions", h: s.startDecision},
		{method: "GET", path: d, h: s.decision},
		{method: "POST", path: d + "/say", h: s.sayInDecision},
		{method: "POST", path: d + "/amend", h: s.amendDecision},
		{method: "POST", path: d + "/position", h: s.positionInDecision},
		{method: "POST", path: d + "/vote", h: s.voteInDecision},
		{method: "POST", path: d + "/ack", h: s.ackDecision},
		{method: "POST", path: d + "/answer", h: s.answerDecision},
		{method: "POST", path: d + "/argue", h: s.argueInDecision},
		{method: "POST", path: d + "/deadline", h: s.declareDeadline},
	}
}

func (s *Server) decisions(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Decisions(r.Context())
	return respond(w, v, err)
}

func (s *Server) startDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ConversationStart
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.StartDecision(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) decision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Decision(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) sayInDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ConversationSay
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SayInDecision(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) amendDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ConversationAmend
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.AmendDecision(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) positionInDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ConversationPosition
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.PositionInDecision(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) voteInDecision(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ConversationVote
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.VoteInDecision(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

// decisionEvent describes a stored entry of a conversation log of a
// village or space this device reads: which place, which entry; never
// what it says.
func (s *Server) decisionEvent(ev node.Event) (wire.ConversationChanged, bool) {
	p, ok := s.n.DecisionOf(ev.Entry)
	if !ok {
		return wire.ConversationChanged{}, false
	}
	out := wire.ConversationChanged{Place: wire.ConversationPlace{Kind: "space", ID: p.ID().String()}, ID: ev.Entry.ID.String(), Local: ev.Local}
	if p.IsVillage() {
		out.Place.Kind = "village"
	}
	return out, true
}
