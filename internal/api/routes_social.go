package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// socialRoutes are the endpoints of reactions, tags and mutes (doc/api.md,
// "Reactions, tags and mutes").
func (s *Server) socialRoutes() []route {
	return []route{
		{method: "GET", path: v1 + "/reactions", params: []string{"entry"}, repeat: []string{"entry"}, h: s.reactions},
		{method: "PUT", path: v1 + "/entries/{id}/reaction", h: s.react},
		{method: "DELETE", path: v1 + "/entries/{id}/reaction", h: s.unreact},
		{method: "GET", path: v1 + "/tags", params: []string{"entry"}, repeat: []string{"entry"}, h: s.tags},
		{method: "GET", path: v1 + "/tags/mine", params: []string{"label"}, h: s.myTags},
		{method: "POST", path: v1 + "/entries/{id}/tags", h: s.tag},
		{method: "GET", path: v1 + "/mutes", h: s.mutes},
		{method: "PUT", path: v1 + "/mutes/{account}", h: s.mute(true)},
		{method: "DELETE", path: v1 + "/mutes/{account}", h: s.mute(false)},
	}
}

func (s *Server) reactions(w http.ResponseWriter, r *http.Request, q url.Values) error {
	v, err := s.svc.Reactions(r.Context(), q["entry"])
	return respond(w, v, err)
}

func (s *Server) react(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ReactRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.React(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) unreact(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.React(r.Context(), r.PathValue("id"), wire.ReactRequest{})
	return respond(w, v, err)
}

func (s *Server) tags(w http.ResponseWriter, r *http.Request, q url.Values) error {
	v, err := s.svc.Tags(r.Context(), q["entry"])
	return respond(w, v, err)
}

func (s *Server) myTags(w http.ResponseWriter, r *http.Request, q url.Values) error {
	v, err := s.svc.MyTags(r.Context(), q.Get("label"))
	return respond(w, v, err)
}

func (s *Server) tag(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.TagRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.Tag(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) mutes(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Mutes(r.Context())
	return respond(w, v, err)
}

func (s *Server) mute(on bool) func(http.ResponseWriter, *http.Request, url.Values) error {
	return func(w http.ResponseWriter, r *http.Request, _ url.Values) error {
		v, err := s.svc.Mute(r.Context(), r.PathValue("account"), on)
		return respond(w, v, err)
	}
}
