package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// DeclineVillage declines a founding that names this account and that it
// has not accepted (village.md §6a).
func (s *Service) DeclineVillage(ctx context.Context, idText string) (wire.VillageDeclined, error) {
	id, err := parseVillageID(idText)
	if err != nil {
		return wire.VillageDeclined{}, err
	}
	d, err := s.n.DeclineVillage(ctx, id)
	if err != nil {
		return wire.VillageDeclined{}, villageErr(err)
	}
	return wire.VillageDeclined{Village: id.String(), Dropped: d.Dropped, Entries: d.Entries, Bytes: d.Bytes, Invitation: d.Invitation}, nil
}

func (s *Server) declineVillage(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.DeclineVillage(r.Context(), r.PathValue("id"))
	return respond(w, v, err)
}
