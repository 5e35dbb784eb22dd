package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// dropboxRoutes are the endpoints of dropboxes and requests (doc/api.md,
// "Requests and dropboxes").
func (s *Server) dropboxRoutes() []route {
	return []route{
		{method: "GET", path: v1 + "/requests", h: s.requests},
		{method: "POST", path: v1 + "/dropbox/collect", h: s.collectDropbox},
		{method: "GET", path: v1 + "/requests/{id}", h: s.request},
		{method: "DELETE", path: v1 + "/requests/{id}", h: s.ignoreRequest},
		{method: "POST", path: v1 + "/requests/{id}/answer", h: s.answerRequest},
		{method: "POST", path: v1 + "/requests/{id}/accept", h: s.acceptRequest},
		{method: "POST", path: v1 + "/letters", h: s.sendLetter},
		{method: "GET", path: v1 + "/hubs", params: []string{"account"}, h: s.hubs},
		{method: "PUT", path: v1 + "/hubs", h: s.setHubs},
	}
}

func (s *Server) requests(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Requests(r.Context())
	return respond(w, v, err)
}

func (s *Server) request(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Request(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) ignoreRequest(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.IgnoreRequest(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) answerRequest(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.RequestAnswer
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.AnswerRequest(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) acceptRequest(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.AcceptRequest(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) sendLetter(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.LetterSend
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SendLetter(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) hubs(w http.ResponseWriter, r *http.Request, q url.Values) error {
	v, err := s.svc.Hubs(r.Context(), q.Get("account"))
	return respond(w, v, err)
}

func (s *Server) setHubs(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.Hubs
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SetHubs(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) collectDropbox(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.DropboxCollect
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.CollectDropbox(r.Context(), req)
	return respond(w, v, err)
}
