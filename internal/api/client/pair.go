package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// NewPairing makes a pairing code for a new device of this account.
func (c *Client) NewPairing(ctx context.Context, req wire.PairingRequest) (wire.Pairing, error) {
	return send[wire.Pairing](ctx, c, http.MethodPost, "/api/v1/pairings", req)
}

// PairingStatus says what became of a pairing code; with waitSeconds > 0
// the node answers once it changes, or after that many seconds.
func (c *Client) PairingStatus(ctx context.Context, id string, waitSeconds int) (wire.PairingStatus, error) {
	var q url.Values
	if waitSeconds > 0 {
		q = url.Values{"wait": {strconv.Itoa(waitSeconds)}}
	}
	return get[wire.PairingStatus](ctx, c, "/api/v1/pairings/"+seg(id), q)
}

// CancelPairing voids a pending pairing code.
func (c *Client) CancelPairing(ctx context.Context, id string) (wire.PairingStatus, error) {
	return send[wire.PairingStatus](ctx, c, http.MethodDelete, "/api/v1/pairings/"+seg(id), nil)
}
