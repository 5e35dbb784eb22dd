package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// feedQuery reads the cursor and limit of a feed request.
func feedQuery(q url.Values) (wire.FeedQuery, error) {
	fq := wire.FeedQuery{Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > wire.MaxFeedLimit {
			return wire.FeedQuery{}, apiError(wire.CodeBadRequest, "limit=%q is not a number from 1 to %d", shortText(l), wire.MaxFeedLimit)
		}
		fq.Limit = n
	}
	return fq, nil
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request, q url.Values) error {
	fq, err := feedQuery(q)
	if err != nil {
		return err
	}
	v, err := s.svc.Timeline(r.Context(), fq)
	return respond(w, v, err)
}

func (s *Server) accountPosts(w http.ResponseWriter, r *http.Request, q url.Values) error {
	fq, err := feedQuery(q)
	if err != nil {
		return err
	}
	v, err := s.svc.AccountPosts(r.Context(), r.PathValue("account"), fq)
	return respond(w, v, err)
}

func (s *Server) thread(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Thread(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Account(r.Context(), r.PathValue("account"))
	return respond(w, v, err)
}

func (s *Server) followsList(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Follows(r.Context())
	return respond(w, v, err)
}

func (s *Server) followersList(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Followers(r.Context())
	return respond(w, v, err)
}
