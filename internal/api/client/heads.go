package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// HubHeads asks a hub for the heads of logs and says which this node is
// behind on.
func (c *Client) HubHeads(ctx context.Context, req wire.HubHeadsRequest) (wire.HubHeads, error) {
	return send[wire.HubHeads](ctx, c, http.MethodPost, "/api/v1/hub/heads", req)
}
