package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// imageRoutes are the endpoints of image entries (doc/api.md, "Images").
func (s *Server) imageRoutes() []route {
	return []route{
		{method: "POST", path: v1 + "/images", h: s.publishImage},
		{method: "GET", path: v1 + "/images", params: []string{"account", "cursor", "limit"}, h: s.albums},
	}
}

func (s *Server) publishImage(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ImageRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.PublishImage(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) albums(w http.ResponseWriter, r *http.Request, q url.Values) error {
	fq, err := feedQuery(q)
	if err != nil {
		return err
	}
	v, err := s.svc.Albums(r.Context(), q.Get("account"), fq)
	return respond(w, v, err)
}
