package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// The space endpoints (doc/api.md, "Spaces"), with the signatures of the
// api.Service methods of the same names.

func spacePath(id string) string { return "/api/v1/spaces/" + seg(id) }

// Spaces lists the spaces this node's account takes or took part in.
func (c *Client) Spaces(ctx context.Context) (wire.SpaceList, error) {
	return get[wire.SpaceList](ctx, c, "/api/v1/spaces", nil)
}

// CreateSpace creates a space among chosen accounts, or from a village.
func (c *Client) CreateSpace(ctx context.Context, req wire.SpaceCreate) (wire.SpaceEntry, error) {
	return send[wire.SpaceEntry](ctx, c, http.MethodPost, "/api/v1/spaces", req)
}

// Space returns a space as the node holds it.
func (c *Client) Space(ctx context.Context, id string) (wire.Space, error) {
	return get[wire.Space](ctx, c, spacePath(id), nil)
}

// SpaceMessages returns a page of the messages of a space: the latest
// p.Limit (0: the server's default) before p.Before, each opened if the
// node can.
func (c *Client) SpaceMessages(ctx context.Context, id string, p wire.Page) (wire.SpaceMessages, error) {
	return get[wire.SpaceMessages](ctx, c, spacePath(id)+"/messages", pageValues(p))
}

// pageValues is the query of a page.
func pageValues(p wire.Page) url.Values {
	q := url.Values{}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Before != "" {
		q.Set("before", p.Before)
	}
	return q
}

// PostToSpace seals a message to a space.
func (c *Client) PostToSpace(ctx context.Context, id string, req wire.SpacePost) (wire.SpaceEntry, error) {
	return send[wire.SpaceEntry](ctx, c, http.MethodPost, spacePath(id)+"/messages", req)
}

// AddToSpace adds an account to a space.
func (c *Client) AddToSpace(ctx context.Context, id string, req wire.SpaceMemberAdd) (wire.SpaceEntry, error) {
	return send[wire.SpaceEntry](ctx, c, http.MethodPost, spacePath(id)+"/members", req)
}

// RemoveFromSpace removes an account from a space.
func (c *Client) RemoveFromSpace(ctx context.Context, id, account string) (wire.SpaceEntry, error) {
	return send[wire.SpaceEntry](ctx, c, http.MethodDelete, spacePath(id)+"/members/"+seg(account), nil)
}

// SetSpaceRole changes a member's role.
func (c *Client) SetSpaceRole(ctx context.Context, id, account string, req wire.SpaceRole) (wire.SpaceEntry, error) {
	return send[wire.SpaceEntry](ctx, c, http.MethodPut, spacePath(id)+"/members/"+seg(account)+"/role", req)
}

// LeaveSpace makes this node's account leave a space.
func (c *Client) LeaveSpace(ctx context.Context, id string) (wire.SpaceEntry, error) {
	return send[wire.SpaceEntry](ctx, c, http.MethodPost, spacePath(id)+"/leave", struct{}{})
}

// Follows returns the accounts this node's account follows and blocks.
func (c *Client) Follows(ctx context.Context) (wire.Follows, error) {
	return get[wire.Follows](ctx, c, "/api/v1/follows", nil)
}
