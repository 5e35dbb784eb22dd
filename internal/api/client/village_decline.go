package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// DeclineVillage declines a founding this account was named in.
func (c *Client) DeclineVillage(ctx context.Context, id string) (wire.VillageDeclined, error) {
	return send[wire.VillageDeclined](ctx, c, http.MethodPost, villagePath(id)+"/decline", struct{}{})
}
