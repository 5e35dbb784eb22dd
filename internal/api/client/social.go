package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// Reactions counts the reactions to entries.
func (c *Client) Reactions(ctx context.Context, entries []string) (wire.Reactions, error) {
	return get[wire.Reactions](ctx, c, "/api/v1/reactions", url.Values{"entry": entries})
}

// React publishes a reaction to an entry; an empty request withdraws it.
func (c *Client) React(ctx context.Context, target string, req wire.ReactRequest) (wire.Reacted, error) {
	if req.Emoji == "" && req.Text == "" {
		return send[wire.Reacted](ctx, c, http.MethodDelete, "/api/v1/entries/"+seg(target)+"/reaction", nil)
	}
	return send[wire.Reacted](ctx, c, http.MethodPut, "/api/v1/entries/"+seg(target)+"/reaction", req)
}

// Tag puts a label on an entry (req.Removed: takes it off).
func (c *Client) Tag(ctx context.Context, target string, req wire.TagRequest) (wire.Tagged, error) {
	return send[wire.Tagged](ctx, c, http.MethodPost, "/api/v1/entries/"+seg(target)+"/tags", req)
}

// Tags returns the labels on entries.
func (c *Client) Tags(ctx context.Context, entries []string) (wire.Tags, error) {
	return get[wire.Tags](ctx, c, "/api/v1/tags", url.Values{"entry": entries})
}

// MyTags returns the entries this account labelled (with label, or any).
func (c *Client) MyTags(ctx context.Context, label string) (wire.MyTags, error) {
	q := url.Values{}
	if label != "" {
		q.Set("label", label)
	}
	return get[wire.MyTags](ctx, c, "/api/v1/tags/mine", q)
}

// Mutes returns the muted accounts.
func (c *Client) Mutes(ctx context.Context) (wire.Mutes, error) {
	return get[wire.Mutes](ctx, c, "/api/v1/mutes", nil)
}

// Mute mutes (on) or unmutes an account and returns the new list.
func (c *Client) Mute(ctx context.Context, account string, on bool) (wire.Mutes, error) {
	return send[wire.Mutes](ctx, c, putOrDelete(on), "/api/v1/mutes/"+seg(account), nil)
}

// PublishImage publishes a picture or an album of stored pictures.
func (c *Client) PublishImage(ctx context.Context, req wire.ImageRequest) (wire.Posted, error) {
	return send[wire.Posted](ctx, c, http.MethodPost, "/api/v1/images", req)
}

// Albums returns a page of image entries (of account, or of the timeline's
// accounts when it is "").
func (c *Client) Albums(ctx context.Context, account string, q wire.FeedQuery) (wire.AlbumPage, error) {
	query := url.Values{}
	if account != "" {
		query.Set("account", account)
	}
	if q.Cursor != "" {
		query.Set("cursor", q.Cursor)
	}
	if q.Limit != 0 {
		query.Set("limit", strconv.Itoa(q.Limit))
	}
	return get[wire.AlbumPage](ctx, c, "/api/v1/images", query)
}

// PublishCollection publishes a stored tree as a collection.
func (c *Client) PublishCollection(ctx context.Context, req wire.CollectionRequest) (wire.CollectionPublished, error) {
	return send[wire.CollectionPublished](ctx, c, http.MethodPost, "/api/v1/collections", req)
}

// ListCollection lists a directory of a collection.
func (c *Client) ListCollection(ctx context.Context, id, path string) (wire.CollectionListing, error) {
	return get[wire.CollectionListing](ctx, c, "/api/v1/collections/"+seg(id), pathQuery(path))
}

// CollectionFiles lists every file below path in a collection.
func (c *Client) CollectionFiles(ctx context.Context, id, path string) (wire.CollectionFiles, error) {
	return get[wire.CollectionFiles](ctx, c, "/api/v1/collections/"+seg(id)+"/files", pathQuery(path))
}

// FetchBlob makes sure a blob is stored on the node, fetched from peers.
func (c *Client) FetchBlob(ctx context.Context, id string) (wire.BlobFetched, error) {
	return send[wire.BlobFetched](ctx, c, http.MethodPost, "/api/v1/blobs/"+seg(id)+"/fetch", nil)
}

func pathQuery(p string) url.Values {
	if p == "" {
		return nil
	}
	return url.Values{"path": {p}}
}
