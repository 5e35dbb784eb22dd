package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// feedValues is the query of a feed page.
func feedValues(q wire.FeedQuery) url.Values {
	v := url.Values{}
	if q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// Timeline is GET /api/v1/timeline.
func (c *Client) Timeline(ctx context.Context, q wire.FeedQuery) (wire.FeedPage, error) {
	return get[wire.FeedPage](ctx, c, "/api/v1/timeline", feedValues(q))
}

// AccountPosts is GET /api/v1/accounts/{account}/posts.
func (c *Client) AccountPosts(ctx context.Context, who string, q wire.FeedQuery) (wire.FeedPage, error) {
	return get[wire.FeedPage](ctx, c, "/api/v1/accounts/"+seg(who)+"/posts", feedValues(q))
}

// Thread is GET /api/v1/threads/{id}.
func (c *Client) Thread(ctx context.Context, id string) (wire.Thread, error) {
	return get[wire.Thread](ctx, c, "/api/v1/threads/"+seg(id), nil)
}

// Account is GET /api/v1/accounts/{account}.
func (c *Client) Account(ctx context.Context, account string) (wire.Account, error) {
	return get[wire.Account](ctx, c, "/api/v1/accounts/"+seg(account), nil)
}

// Followers is GET /api/v1/followers.
func (c *Client) Followers(ctx context.Context) (wire.Followers, error) {
	return get[wire.Followers](ctx, c, "/api/v1/followers", nil)
}
