package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// The festival endpoints (doc/api.md, "Festivals"), with the signatures of
// the api.Service methods of the same names. A festival is named by id or
// by name.

func festivalPath(ref string) string { return "/api/v1/festivals/" + seg(ref) }

// Festivals lists the festivals opened here and those nested in them.
func (c *Client) Festivals(ctx context.Context) (wire.FestivalList, error) {
	return get[wire.FestivalList](ctx, c, "/api/v1/festivals", nil)
}

// CreateFestival founds a festival.
func (c *Client) CreateFestival(ctx context.Context, req wire.FestivalCreate) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, "/api/v1/festivals", req)
}

// OpenFestival opens a festival.
func (c *Client) OpenFestival(ctx context.Context, id string, req wire.FestivalOpen) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, festivalPath(id)+"/open", req)
}

// LeaveFestival stops replicating a festival.
func (c *Client) LeaveFestival(ctx context.Context, ref string) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, festivalPath(ref)+"/leave", struct{}{})
}

// Festival returns a festival as derived by the node.
func (c *Client) Festival(ctx context.Context, ref string) (wire.Festival, error) {
	return get[wire.Festival](ctx, c, festivalPath(ref), nil)
}

// AddFestivalResource announces a resource.
func (c *Client) AddFestivalResource(ctx context.Context, ref string, req wire.FestivalResourceNew) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, festivalPath(ref)+"/resources", req)
}

// AddFestivalEvent announces an event.
func (c *Client) AddFestivalEvent(ctx context.Context, ref string, req wire.FestivalEventNew) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, festivalPath(ref)+"/events", req)
}

// RequestFestivalResource asks for a resource for one of your events.
func (c *Client) RequestFestivalResource(ctx context.Context, ref string, req wire.FestivalRequestNew) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, festivalPath(ref)+"/requests", req)
}

// AuthorizeFestivalRequest grants or denies a request for your resource.
func (c *Client) AuthorizeFestivalRequest(ctx context.Context, ref string, req wire.FestivalAuthorizeNew) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, festivalPath(ref)+"/authorize", req)
}

// WithdrawFestivalEntry withdraws your festival, resource, event or request.
func (c *Client) WithdrawFestivalEntry(ctx context.Context, ref string, req wire.FestivalWithdrawNew) (wire.FestivalEntry, error) {
	return send[wire.FestivalEntry](ctx, c, http.MethodPost, festivalPath(ref)+"/withdraw", req)
}
