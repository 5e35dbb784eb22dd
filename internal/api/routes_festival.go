package api

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// festivalRoutes are the endpoints of festivals (doc/api.md, "Festivals").
func (s *Server) festivalRoutes() []route {
	const f = v1 + "/festivals/{id}"
	return []route{
		{method: "GET", path: v1 + "/festivals", h: s.festivals},
		{method: "POST", path: v1 + "/festivals", h: s.createFestival},
		{method: "GET", path: f, params: []string{"day"}, h: s.festival},
		{method: "GET", path: f + "/programme.ics", h: s.festivalICS},
		{method: "POST", path: f + "/open", h: s.openFestival},
		{method: "POST", path: f + "/leave", h: s.leaveFestival},
		{method: "POST", path: f + "/resources", h: festivalPost(s, s.svc.AddFestivalResource)},
		{method: "POST", path: f + "/events", h: festivalPost(s, s.svc.AddFestivalEvent)},
		{method: "POST", path: f + "/requests", h: festivalPost(s, s.svc.RequestFestivalResource)},
		{method: "POST", path: f + "/authorize", h: festivalPost(s, s.svc.AuthorizeFestivalRequest)},
		{method: "POST", path: f + "/withdraw", h: festivalPost(s, s.svc.WithdrawFestivalEntry)},
	}
}

func (s *Server) festivals(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Festivals(r.Context())
	return respond(w, v, err)
}

func (s *Server) createFestival(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.FestivalCreate
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.CreateFestival(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) openFestival(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.FestivalOpen
	if err := decodeOptionalBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.OpenFestival(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) festival(w http.ResponseWriter, r *http.Request, q url.Values) error {
	if day := q.Get("day"); day != "" { // one day's programme (festival_day.go)
		v, err := s.svc.FestivalDay(r.Context(), r.PathValue("id"), day)
		return respond(w, v, err)
	}
	v, err := s.svc.Festival(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) leaveFestival(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var none struct{}
	if err := decodeOptionalBody(w, r, &none); err != nil {
		return err
	}
	v, err := s.svc.LeaveFestival(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

// festivalICS answers GET /api/v1/festivals/{id}/programme.ics: the
// programme as iCalendar (festival_ics.go).
func (s *Server) festivalICS(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.view(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="programme.ics"`)
	_, err = w.Write(programmeICS(v, time.Now()))
	return err
}

// festivalPost is the handler of a POST that writes a festival entry.
func festivalPost[T any](s *Server, do func(ctx context.Context, ref string, req T) (wire.FestivalEntry, error)) func(http.ResponseWriter, *http.Request, url.Values) error {
	return func(w http.ResponseWriter, r *http.Request, _ url.Values) error {
		var req T
		if err := decodeBody(w, r, &req); err != nil {
			return err
		}
		v, err := do(r.Context(), r.PathValue("id"), req)
		return respond(w, v, err)
	}
}
