package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
)

// Requests lists the letters collected from this account's dropboxes.
func (c *Client) Requests(ctx context.Context) (wire.Requests, error) {
	return get[wire.Requests](ctx, c, "/api/v1/requests", nil)
}

// Request returns one request.
func (c *Client) Request(ctx context.Context, id string) (wire.Request, error) {
	return get[wire.Request](ctx, c, "/api/v1/requests/"+seg(id), nil)
}

// AnswerRequest answers a request with a private message.
func (c *Client) AnswerRequest(ctx context.Context, id string, req wire.RequestAnswer) (wire.RequestAnswered, error) {
	return send[wire.RequestAnswered](ctx, c, http.MethodPost, "/api/v1/requests/"+seg(id)+"/answer", req)
}

// AcceptRequest follows a request's sender.
func (c *Client) AcceptRequest(ctx context.Context, id string) (wire.Request, error) {
	return send[wire.Request](ctx, c, http.MethodPost, "/api/v1/requests/"+seg(id)+"/accept", nil)
}

// IgnoreRequest forgets a request.
func (c *Client) IgnoreRequest(ctx context.Context, id string) (wire.RequestIgnored, error) {
	return send[wire.RequestIgnored](ctx, c, http.MethodDelete, "/api/v1/requests/"+seg(id), nil)
}

// CollectDropbox collects from a dropbox now.
func (c *Client) CollectDropbox(ctx context.Context, req wire.DropboxCollect) (wire.DropboxCollected, error) {
	return send[wire.DropboxCollected](ctx, c, http.MethodPost, "/api/v1/dropbox/collect", req)
}

// SendLetter leaves a letter at a recipient's dropbox.
func (c *Client) SendLetter(ctx context.Context, req wire.LetterSend) (wire.LetterSent, error) {
	return send[wire.LetterSent](ctx, c, http.MethodPost, "/api/v1/letters", req)
}

// Hubs returns the hubs an account names (empty: this one).
func (c *Client) Hubs(ctx context.Context, account string) (wire.Hubs, error) {
	q := url.Values{}
	if account != "" {
		q.Set("account", account)
	}
	return get[wire.Hubs](ctx, c, "/api/v1/hubs", q)
}

// SetHubs publishes this account's hubs and dropboxes.
func (c *Client) SetHubs(ctx context.Context, req wire.Hubs) (wire.Hubs, error) {
	return send[wire.Hubs](ctx, c, http.MethodPut, "/api/v1/hubs", req)
}
