package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// Leases lists the leases this node asks for and keeps for others.
func (c *Client) Leases(ctx context.Context) (wire.Leases, error) {
	return get[wire.Leases](ctx, c, "/api/v1/leases", nil)
}

// Lease asks a holder (a multiaddr with /p2p/) to keep this account's
// logs under a lease, renewed from then on.
func (c *Client) Lease(ctx context.Context, holder string) (wire.HeldLease, error) {
	return send[wire.HeldLease](ctx, c, http.MethodPost, "/api/v1/leases", wire.LeaseRequest{Holder: holder})
}

// StopLease stops asking a holder (dev_…) for a lease; it answers the
// leases left.
func (c *Client) StopLease(ctx context.Context, holder string) (wire.Leases, error) {
	return send[wire.Leases](ctx, c, http.MethodDelete, "/api/v1/leases/"+seg(holder), nil)
}
