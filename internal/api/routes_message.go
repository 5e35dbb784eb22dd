package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// messageRoutes are the endpoints of private messages (doc/api.md,
// "Messages").
func (s *Server) messageRoutes() []route {
	return []route{
		{method: "GET", path: v1 + "/conversations", h: s.conversations},
		{method: "POST", path: v1 + "/conversations", h: s.sendMessage},
		{method: "GET", path: v1 + "/conversations/{id}", params: []string{"limit", "before"}, h: s.conversation},
		{method: "POST", path: v1 + "/conversations/{id}/messages", h: s.replyMessage},
	}
}

func (s *Server) conversations(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Conversations(r.Context())
	return respond(w, v, err)
}

func (s *Server) conversation(w http.ResponseWriter, r *http.Request, q url.Values) error {
	p, err := pageQuery(q, maxConversationMessages)
	if err != nil {
		return err
	}
	v, err := s.svc.Conversation(r.Context(), r.PathValue("id"), p)
	return respond(w, v, err)
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.MessageSend
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SendMessage(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) replyMessage(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.MessageReply
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.ReplyMessage(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

// messageEvent is the data of a message event.
func messageEvent(ev nodeEvent) wire.MessageEvent {
	return wire.MessageEvent{Conversation: hexOf(ev.Conversation[:]), ID: ev.Entry.ID.String()}
}
