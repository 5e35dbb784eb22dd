package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// collectionRoutes are the endpoints of collections (doc/api.md,
// "Collections").
func (s *Server) collectionRoutes() []route {
	return []route{
		{method: "POST", path: v1 + "/collections", h: s.publishCollection},
		{method: "GET", path: v1 + "/collections", params: []string{"cursor", "limit"}, h: s.collections},
		{method: "GET", path: v1 + "/collections/{id}", params: []string{"path"}, h: s.listCollection},
		{method: "GET", path: v1 + "/collections/{id}/files", params: []string{"path"}, h: s.collectionFiles},
		{method: "POST", path: v1 + "/blobs/{id}/fetch", h: s.fetchBlob},
	}
}

func (s *Server) publishCollection(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.CollectionRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.PublishCollection(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) listCollection(w http.ResponseWriter, r *http.Request, q url.Values) error {
	v, err := s.svc.ListCollection(r.Context(), r.PathValue("id"), q.Get("path"))
	return respond(w, v, err)
}

func (s *Server) collectionFiles(w http.ResponseWriter, r *http.Request, q url.Values) error {
	v, err := s.svc.CollectionFiles(r.Context(), r.PathValue("id"), q.Get("path"))
	return respond(w, v, err)
}

func (s *Server) fetchBlob(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.FetchBlob(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) collections(w http.ResponseWriter, r *http.Request, q url.Values) error {
	fq, err := feedQuery(q)
	if err != nil {
		return err
	}
	v, err := s.svc.Collections(r.Context(), fq)
	return respond(w, v, err)
}
