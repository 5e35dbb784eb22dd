package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// villageRoutes are the endpoints of villages (doc/api.md, "Villages").
func (s *Server) villageRoutes() []route {
	const vp = v1 + "/villages/{id}"
	return []route{
		{method: "GET", path: v1 + "/villages", h: s.villages},
		{method: "POST", path: v1 + "/villages", h: s.foundVillage},
		{method: "GET", path: vp, h: s.village},
		{method: "POST", path: vp + "/accept", h: s.villageAction(func(s *Service) villageOp { return s.AcceptVillage })},
		{method: "POST", path: vp + "/decline", h: s.declineVillage},
		{method: "POST", path: vp + "/join", h: s.villageAction(func(s *Service) villageOp { return s.JoinVillage })},
		{method: "POST", path: vp + "/leave", h: s.villageAction(func(s *Service) villageOp { return s.LeaveVillage })},
		{method: "POST", path: vp + "/invites", h: s.villageInvite},
		{method: "PUT", path: vp + "/userspec", h: s.villageUserspec},
		{method: "PUT", path: vp + "/strangers/{stranger}/vote", h: s.strangerVote},
		{method: "POST", path: vp + "/strangers/{stranger}/notes", h: s.strangerNote},
		{method: "POST", path: vp + "/exclusions", h: s.proposeExclusion},
		{method: "PUT", path: vp + "/exclusions/{proposal}/vote", h: s.exclusionVote},
		{method: "PUT", path: vp + "/positions", h: s.villagePosition},
		{method: "POST", path: vp + "/state", h: s.villageState},
		{method: "GET", path: vp + "/locals/{key}/chain", h: s.villageChain},
		{method: "GET", path: vp + "/requests", params: []string{"after", "limit"}, h: s.villageRequests},
		{method: "POST", path: vp + "/requests/{entry}/file", h: s.villageRequestFile},
		{method: "POST", path: v1 + "/village-requests", h: s.requestVillage},
		{method: "GET", path: v1 + "/village-requests", params: []string{"village"}, h: s.sentVillageRequests},
	}
}

func (s *Server) villages(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Villages(r.Context())
	return respond(w, v, err)
}

func (s *Server) foundVillage(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.VillageFound
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.FoundVillage(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) village(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Village(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

// villageOp is an operation on a village without a request body.
type villageOp func(ctx context.Context, id string) (wire.VillageEntry, error)

// villageAction is the handler of an endpoint without a body; op picks the
// operation of the service when a request comes (the service is set once
// the node has an account).
func (s *Server) villageAction(op func(*Service) villageOp) func(http.ResponseWriter, *http.Request, url.Values) error {
	return func(w http.ResponseWriter, r *http.Request, _ url.Values) error {
		var none struct{}
		if err := decodeOptionalBody(w, r, &none); err != nil {
			return err
		}
		v, err := op(s.svc)(r.Context(), r.PathValue("id"))
		return respond(w, v, err)
	}
}

func (s *Server) villageInvite(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.VillageInvite
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.InviteToVillage(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) villageUserspec(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.VillageUserspec
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SetVillageUserspec(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) strangerVote(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.StrangerVote
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.VoteStranger(r.Context(), r.PathValue("id"), r.PathValue("stranger"), req)
	return respond(w, v, err)
}

func (s *Server) strangerNote(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.StrangerNote
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.NoteStranger(r.Context(), r.PathValue("id"), r.PathValue("stranger"), req)
	return respond(w, v, err)
}

func (s *Server) proposeExclusion(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ExclusionProposal
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.ProposeExclusion(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

func (s *Server) exclusionVote(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ExclusionVote
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.VoteExclusion(r.Context(), r.PathValue("id"), r.PathValue("proposal"), req)
	return respond(w, v, err)
}

func (s *Server) villageState(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var none struct{}
	if err := decodeOptionalBody(w, r, &none); err != nil {
		return err
	}
	v, err := s.svc.PublishVillageState(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) villageChain(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.VillageChain(r.Context(), r.PathValue("id"), r.PathValue("key"))
	return respond(w, v, err)
}

func (s *Server) requestVillage(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.VillageRequestSend
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.RequestVillage(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) sentVillageRequests(w http.ResponseWriter, r *http.Request, q url.Values) error {
	v, err := s.svc.SentVillageRequests(r.Context(), q.Get("village"))
	return respond(w, v, err)
}
