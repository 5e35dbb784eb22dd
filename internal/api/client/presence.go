package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// Online says who is online at this node's hubs, the hubs it is online at
// and the messages that came through them.
func (c *Client) Online(ctx context.Context) (wire.Online, error) {
	return get[wire.Online](ctx, c, "/api/v1/online", nil)
}

// SendSignal sends a short message to a device through a hub.
func (c *Client) SendSignal(ctx context.Context, req wire.SendSignalRequest) (wire.SentSignal, error) {
	return send[wire.SentSignal](ctx, c, http.MethodPost, "/api/v1/signals", req)
}
