package api

import (
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// presenceRoutes are the endpoints of presence and signalling
// (doc/api.md, "Presence").
func (s *Server) presenceRoutes() []route {
	return []route{
		{method: "GET", path: v1 + "/online", h: s.online},
		{method: "POST", path: v1 + "/signals", h: s.sendSignal},
	}
}

func (s *Server) online(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Online(r.Context())
	return respond(w, v, err)
}

func (s *Server) sendSignal(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.SendSignalRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SendSignal(r.Context(), req)
	return respond(w, v, err)
}

// signalEvent is the data of a signal event.
func signalEvent(ev nodeEvent) wire.Signal {
	if ev.Signal == nil {
		return wire.Signal{}
	}
	return signalOf(*ev.Signal)
}
