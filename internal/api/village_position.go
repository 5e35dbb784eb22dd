package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/village"
)

func (s *Server) villagePosition(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.VillagePosition
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.TakeVillagePosition(r.Context(), r.PathValue("id"), req)
	return respond(w, v, err)
}

// TakeVillagePosition appends this account's position on an open
// invitation or exclusion proposal.
func (s *Service) TakeVillagePosition(ctx context.Context, idText string, req wire.VillagePosition) (wire.VillageEntry, error) {
	var p village.Position
	switch req.Position {
	case "agree":
		p.Position = conversation.Agree
	case "disagree":
		p.Position = conversation.Disagree
	case "abstain":
		p.Position = conversation.Abstain
	case "block":
		p.Position = conversation.Block
	default:
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "position: %q is not agree, disagree, abstain or block", shortText(req.Position))
	}
	p.Reason = req.Reason
	switch {
	case (req.Invitee == "") == (req.Proposal == ""):
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "name either an invitee (acc_…) or a proposal (ent_…)")
	case req.Invitee != "":
		k, err := parseAccountKey("invitee", req.Invitee)
		if err != nil {
			return wire.VillageEntry{}, err
		}
		p.Invitee = k
	default:
		pid, err := entry.ParseID(req.Proposal)
		if err != nil {
			return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "proposal: %v", err)
		}
		p.Proposal = pid
	}
	if p.Position == conversation.Block && p.Reason == "" {
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "reason: a block needs a reason the other locals can read")
	}
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.TakeVillagePosition(ctx, id, p) })
}

// stancesOf turns a village's stances into the API's.
func stancesOf(ss []village.Stance) []wire.VillageStance {
	out := make([]wire.VillageStance, 0, len(ss))
	for _, st := range ss {
		out = append(out, wire.VillageStance{Local: accText(st.Local), Position: st.Position.String(), Reason: st.Reason})
	}
	return out
}
