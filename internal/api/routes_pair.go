package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// pairRoutes are the endpoints of pairing a new device
// (doc/protocol/pairing.md, doc/api.md).
func (s *Server) pairRoutes() []route {
	return []route{
		{method: "POST", path: v1 + "/pairings", h: s.newPairing},
		{method: "GET", path: v1 + "/pairings/{id}", params: []string{"wait"}, h: s.pairingStatus},
		{method: "DELETE", path: v1 + "/pairings/{id}", h: s.cancelPairing},
		{method: "POST", path: v1 + "/setup/pair", setup: true, h: s.setupPair},
	}
}

func (s *Server) newPairing(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.PairingRequest
	if err := decodeOptionalBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.NewPairing(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) pairingStatus(w http.ResponseWriter, r *http.Request, q url.Values) error {
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > wire.MaxPairingWait {
			return apiError(wire.CodeBadRequest, "query parameter wait=%q is not a number of seconds from 0 to %d", shortText(v), wire.MaxPairingWait)
		}
		wait = time.Duration(n) * time.Second
	}
	v, err := s.svc.PairingStatus(r.Context(), r.PathValue("id"), wait)
	return respond(w, v, err)
}

func (s *Server) cancelPairing(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.CancelPairing(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}
