package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// HubHeads asks a hub for the heads of logs and says which this node is
// behind on (doc/protocol/services.md §6).
func (s *Service) HubHeads(ctx context.Context, req wire.HubHeadsRequest) (wire.HubHeads, error) {
	dev, err := identity.ParseDevice(req.Hub)
	if err != nil {
		return wire.HubHeads{}, apiError(wire.CodeBadRequest, "hub %q: %v: give the hub's device, dev_… (kith peers lists it)", req.Hub, err)
	}
	if len(req.Logs) > wire.MaxHubHeadsLogs {
		return wire.HubHeads{}, apiError(wire.CodeBadRequest, "%d logs: ask for at most %d at once", len(req.Logs), wire.MaxHubHeadsLogs)
	}
	logs := make([]store.LogKey, 0, len(req.Logs))
	for _, l := range req.Logs {
		k, err := node.ParseLogKey(l)
		if err != nil {
			return wire.HubHeads{}, apiError(wire.CodeBadRequest, "log %v", err)
		}
		logs = append(logs, k)
	}
	if !s.n.Serving() {
		return wire.HubHeads{}, notServing()
	}
	if len(logs) == 0 {
		hs, err := s.n.Store().Heads(ctx)
		if err != nil {
			return wire.HubHeads{}, err
		}
		for _, h := range hs[:min(len(hs), wire.MaxHubHeadsLogs)] {
			logs = append(logs, h.Log)
		}
		if len(logs) == 0 {
			return wire.HubHeads{}, apiError(wire.CodeBadRequest, "this node holds no logs yet: name the logs to ask for, as dev_…/log_…")
		}
	}
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	hs, err := s.n.HubHeads(ctx, dev.Key(), logs)
	if err != nil {
		return wire.HubHeads{}, err
	}
	out := wire.HubHeads{Hub: dev.String(), Heads: make([]wire.HubHead, 0, len(hs))}
	for _, h := range hs {
		out.Heads = append(out.Heads, wire.HubHead{Author: h.Author, Log: h.LogID, HubSeq: h.HubSeq, HubID: h.HubID,
			Forked: h.Forked, Ended: h.Ended, Seq: h.Seq, Behind: h.Behind})
		if h.Behind {
			out.Behind++
		}
	}
	return out, nil
}

func (s *Server) hubHeads(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.HubHeadsRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.HubHeads(r.Context(), req)
	return respond(w, v, err)
}
