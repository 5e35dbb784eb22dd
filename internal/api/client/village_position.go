package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// TakeVillagePosition takes this account's position on an open invitation
// or exclusion proposal.
func (c *Client) TakeVillagePosition(ctx context.Context, id string, req wire.VillagePosition) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPut, villagePath(id)+"/positions", req)
}
