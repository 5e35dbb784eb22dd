package api

import (
	"net/http"
	"net/url"
	"os"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// routes lists every endpoint of /api/v1 (doc/api.md).
func (s *Server) routes() []route {
	var all []route
	all = append(all, s.coreRoutes()...)
	all = append(all, s.feedRoutes()...)
	all = append(all, s.liveRoutes()...)
	all = append(all, s.villageRoutes()...)
	all = append(all, s.spaceRoutes()...)
	all = append(all, s.festivalRoutes()...)
	all = append(all, s.pairRoutes()...)
	all = append(all, s.messageRoutes()...)
	all = append(all, s.presenceRoutes()...)
	all = append(all, s.dropboxRoutes()...)
	all = append(all, s.socialRoutes()...)
	all = append(all, s.imageRoutes()...)
	all = append(all, s.collectionRoutes()...)
	all = append(all, s.decisionRoutes()...)
	return all
}

// v1 is the prefix of every endpoint.
const v1 = "/api/v1"

// coreRoutes are the endpoints the command line uses.
func (s *Server) coreRoutes() []route {
	return []route{
		{method: "GET", path: v1 + "/health", setup: true, h: s.health},
		{method: "GET", path: v1 + "/identity", h: s.identity},
		{method: "POST", path: v1 + "/posts", h: s.post},
		{method: "PUT", path: v1 + "/profile", h: s.setProfile},
		{method: "GET", path: v1 + "/profile/{account}", h: s.profile},
		{method: "GET", path: v1 + "/entries", params: []string{"author", "cursor", "limit"}, h: s.entries},
		{method: "GET", path: v1 + "/entries/{id}", params: []string{"raw"}, h: s.entry},
		{method: "DELETE", path: v1 + "/entries/{id}", h: s.deleteEntry},
		{method: "PUT", path: v1 + "/follows/{account}", h: s.follow(true)},
		{method: "DELETE", path: v1 + "/follows/{account}", h: s.follow(false)},
		{method: "PUT", path: v1 + "/blocks/{account}", h: s.block(true)},
		{method: "DELETE", path: v1 + "/blocks/{account}", h: s.block(false)},
		{method: "POST", path: v1 + "/blobs", params: []string{"publish"}, h: s.addBlob},
		{method: "GET", path: v1 + "/blobs/{id}", h: s.getBlob},
		{method: "GET", path: v1 + "/export", params: []string{"account"}, repeat: []string{"account"}, h: s.export},
		{method: "POST", path: v1 + "/import", h: s.importBundle},
		{method: "GET", path: v1 + "/devices", h: s.devices},
		{method: "POST", path: v1 + "/devices/{device}/revoke", h: s.revokeDevice},
		{method: "POST", path: v1 + "/account/key/remove", h: s.removeAccountKey},
		{method: "GET", path: v1 + "/peers", h: s.peers},
		{method: "POST", path: v1 + "/peers", h: s.addPeer},
		{method: "POST", path: v1 + "/hub/heads", h: s.hubHeads},
		{method: "GET", path: v1 + "/hub/report", h: s.hubReport},
		{method: "GET", path: v1 + "/leases", h: s.leases},
		{method: "POST", path: v1 + "/leases", h: s.lease},
		{method: "DELETE", path: v1 + "/leases/{holder}", h: s.stopLease},
		{method: "GET", path: v1 + "/status", h: s.status},
		{method: "POST", path: v1 + "/invites", h: s.newInvite},
		{method: "POST", path: v1 + "/join", h: s.join},
	}
}

// respond sends v, or returns err for the JSON error answer.
func respond[T any](w http.ResponseWriter, v T, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, v)
	return nil
}

// boolParam parses an optional boolean query parameter.
func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, apiError(wire.CodeBadRequest, "query parameter %s=%q is not true or false", name, shortText(v))
	}
	return b, nil
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request, _ url.Values) error {
	writeJSON(w, wire.Health{OK: true, PID: os.Getpid()})
	return nil
}

func (s *Server) identity(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Identity(r.Context())
	return respond(w, v, err)
}

func (s *Server) post(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.PostRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.Post(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) setProfile(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.ProfileUpdate
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.SetProfile(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Profile(r.Context(), r.PathValue("account"))
	return respond(w, v, err)
}

func (s *Server) entries(w http.ResponseWriter, r *http.Request, q url.Values) error {
	query := wire.EntriesQuery{Author: q.Get("author"), Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > wire.MaxEntriesLimit {
			return apiError(wire.CodeBadRequest, "limit=%q is not a number from 1 to %d", shortText(l), wire.MaxEntriesLimit)
		}
		query.Limit = n
	}
	v, err := s.svc.Entries(r.Context(), query)
	return respond(w, v, err)
}

func (s *Server) entry(w http.ResponseWriter, r *http.Request, q url.Values) error {
	raw, err := boolParam(q, "raw")
	if err != nil {
		return err
	}
	if raw {
		v, err := s.svc.RawEntry(r.Context(), r.PathValue("id"))
		return respond(w, v, err)
	}
	v, err := s.svc.Entry(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) deleteEntry(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.DeleteEntry(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) follow(on bool) func(http.ResponseWriter, *http.Request, url.Values) error {
	return func(w http.ResponseWriter, r *http.Request, _ url.Values) error {
		v, err := s.svc.Follow(r.Context(), r.PathValue("account"), on)
		return respond(w, v, err)
	}
}

func (s *Server) block(on bool) func(http.ResponseWriter, *http.Request, url.Values) error {
	return func(w http.ResponseWriter, r *http.Request, _ url.Values) error {
		v, err := s.svc.Block(r.Context(), r.PathValue("account"), on)
		return respond(w, v, err)
	}
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Devices(r.Context())
	return respond(w, v, err)
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.RevokeRequest
	if err := decodeOptionalBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.RevokeDevice(r.Context(), r.PathValue("device"), req)
	return respond(w, v, err)
}

func (s *Server) removeAccountKey(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.AccountKeyRemove
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.RemoveAccountKey(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) peers(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Peers(r.Context())
	return respond(w, v, err)
}

func (s *Server) addPeer(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.AddPeerRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.AddPeer(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Status(r.Context())
	return respond(w, v, err)
}

func (s *Server) newInvite(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.InviteRequest
	if err := decodeOptionalBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.NewInvite(r.Context(), req)
	return respond(w, v, err)
}

func (s *Server) join(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.JoinRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.Join(r.Context(), req)
	return respond(w, v, err)
}
