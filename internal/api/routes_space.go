package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// spaceRoutes are the endpoints of spaces (doc/api.md, "Spaces").
func (s *Server) spaceRoutes() []route {
	const sp = v1 + "/spaces/{id}"
	return []route{
		{method: "GET", path: v1 + "/spaces", h: s.spaces},
		{method: "POST", path: v1 + "/spaces", h: s.createSpace},
		{method: "GET", path: sp, h: s.space},
		{method: "GET", path: sp + "/messages", params: []string{"limit", "before"}, h: s.spaceMessages},
		{method: "POST", path: sp + "/messages", h: s.postToSpace},
		{method: "POST", path: sp + "/members", h: s.addToSpace},
		{method: "DELETE", path: sp + "/members/{account}", h: s.removeFromSpace},
		{method: "PUT", path: sp + "/members/{account}/role", h: s.spaceRole},
		{method: "POST", path: sp + "/leave", h: s.leaveSpace},
	}
}

func (s *Server) spaces(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Spaces(r.Context())
	return respond(w, v, err)
}

func (s *Server) createSpace(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.SpaceCreate
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.CreateSpace(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) space(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Space(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) spaceMessages(w http.ResponseWriter, r *http.Request, q url.Values) error {
	p, err := pageQuery(q, maxSpaceMessages)
	if err != nil {
		return err
	}
	v, err := s.svc.SpaceMessages(r.Context(), r.PathValue("id"), p)
	return respond(w, v, err)
}

func (s *Server) postToSpace(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.SpacePost
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.PostToSpace(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) addToSpace(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.SpaceMemberAdd
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.AddToSpace(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) removeFromSpace(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var none struct{}
	if err := decodeOptionalBody(w, r, &none); err != nil {
		return err
	}
	v, err := s.svc.RemoveFromSpace(r.Context(), r.PathValue("id"), r.PathValue("account"))
	return respond(w, v, err)
}

func (s *Server) spaceRole(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.SpaceRole
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SetSpaceRole(r.Context(), r.PathValue("id"), r.PathValue("account"), req)
	return respond(w, v, err)
}

func (s *Server) leaveSpace(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var none struct{}
	if err := decodeOptionalBody(w, r, &none); err != nil {
		return err
	}
	v, err := s.svc.LeaveSpace(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}
