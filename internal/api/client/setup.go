package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// SetupState says whether the node has an account (false: it runs in
// setup mode).
func (c *Client) SetupState(ctx context.Context) (wire.SetupState, error) {
	return get[wire.SetupState](ctx, c, "/api/v1/setup", nil)
}

// SetupPhrase asks a node in setup mode for a fresh recovery phrase.
func (c *Client) SetupPhrase(ctx context.Context) (wire.SetupPhrase, error) {
	return send[wire.SetupPhrase](ctx, c, http.MethodPost, "/api/v1/setup/phrase", nil)
}

// Setup creates the account of a node in setup mode from a phrase.
func (c *Client) Setup(ctx context.Context, req wire.SetupRequest) (wire.Identity, error) {
	return send[wire.Identity](ctx, c, http.MethodPost, "/api/v1/setup", req)
}
