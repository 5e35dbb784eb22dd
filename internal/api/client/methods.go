package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// get calls a GET endpoint that answers a T.
func get[T any](ctx context.Context, c *Client, path string, query url.Values) (T, error) {
	var v T
	err := c.call(ctx, http.MethodGet, path, query, nil, &v)
	return v, err
}

// send calls an endpoint with a JSON body (nil for none) that answers a T.
func send[T any](ctx context.Context, c *Client, method, path string, in any) (T, error) {
	var v T
	err := c.call(ctx, method, path, nil, in, &v)
	return v, err
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

// Identity returns the node's account and device.
func (c *Client) Identity(ctx context.Context) (wire.Identity, error) {
	return get[wire.Identity](ctx, c, "/api/v1/identity", nil)
}

// Entries returns a page of the entries of an account or device.
func (c *Client) Entries(ctx context.Context, q wire.EntriesQuery) (wire.EntryPage, error) {
	query := url.Values{}
	if q.Author != "" {
		query.Set("author", q.Author)
	}
	if q.Cursor != "" {
		query.Set("cursor", q.Cursor)
	}
	if q.Limit != 0 {
		query.Set("limit", strconv.Itoa(q.Limit))
	}
	return get[wire.EntryPage](ctx, c, "/api/v1/entries", query)
}

// Entry returns one entry.
func (c *Client) Entry(ctx context.Context, id string) (wire.Entry, error) {
	return get[wire.Entry](ctx, c, "/api/v1/entries/"+seg(id), nil)
}

// RawEntry returns the exact bytes of one entry.
func (c *Client) RawEntry(ctx context.Context, id string) (wire.RawEntry, error) {
	return get[wire.RawEntry](ctx, c, "/api/v1/entries/"+seg(id), url.Values{"raw": {"true"}})
}

// DeleteEntry deletes the payload of one of the node's entries.
func (c *Client) DeleteEntry(ctx context.Context, id string) (wire.Deleted, error) {
	return send[wire.Deleted](ctx, c, http.MethodDelete, "/api/v1/entries/"+seg(id), nil)
}

// Post publishes a post.
func (c *Client) Post(ctx context.Context, req wire.PostRequest) (wire.Posted, error) {
	return send[wire.Posted](ctx, c, http.MethodPost, "/api/v1/posts", req)
}

// SetProfile publishes the node's profile.
func (c *Client) SetProfile(ctx context.Context, req wire.ProfileUpdate) (wire.ProfileSet, error) {
	return send[wire.ProfileSet](ctx, c, http.MethodPut, "/api/v1/profile", req)
}

// Profile returns an account's latest profile.
func (c *Client) Profile(ctx context.Context, account string) (wire.Profile, error) {
	return get[wire.Profile](ctx, c, "/api/v1/profile/"+seg(account), nil)
}

// Follow follows an account (following=false: unfollows).
func (c *Client) Follow(ctx context.Context, account string, following bool) (wire.Follow, error) {
	return send[wire.Follow](ctx, c, putOrDelete(following), "/api/v1/follows/"+seg(account), nil)
}

// Block blocks an account (blocking=false: unblocks).
func (c *Client) Block(ctx context.Context, account string, blocking bool) (wire.Block, error) {
	return send[wire.Block](ctx, c, putOrDelete(blocking), "/api/v1/blocks/"+seg(account), nil)
}

func putOrDelete(on bool) string {
	if on {
		return http.MethodPut
	}
	return http.MethodDelete
}

// Devices lists the account's devices.
func (c *Client) Devices(ctx context.Context) (wire.DeviceList, error) {
	return get[wire.DeviceList](ctx, c, "/api/v1/devices", nil)
}

// RevokeDevice revokes one of the account's devices.
func (c *Client) RevokeDevice(ctx context.Context, device string, req wire.RevokeRequest) (wire.Revoked, error) {
	return send[wire.Revoked](ctx, c, http.MethodPost, "/api/v1/devices/"+seg(device)+"/revoke", req)
}

// RemoveAccountKey deletes the account key from the node's home.
func (c *Client) RemoveAccountKey(ctx context.Context, req wire.AccountKeyRemove) (wire.AccountKeyRemoved, error) {
	return send[wire.AccountKeyRemoved](ctx, c, http.MethodPost, "/api/v1/account/key/remove", req)
}

// Peers lists the connected peers.
func (c *Client) Peers(ctx context.Context) (wire.PeerList, error) {
	return get[wire.PeerList](ctx, c, "/api/v1/peers", nil)
}

// AddPeer dials a peer and keeps it connected.
func (c *Client) AddPeer(ctx context.Context, req wire.AddPeerRequest) (wire.Peer, error) {
	return send[wire.Peer](ctx, c, http.MethodPost, "/api/v1/peers", req)
}

// Status returns the node's state.
func (c *Client) Status(ctx context.Context) (wire.Status, error) {
	return get[wire.Status](ctx, c, "/api/v1/status", nil)
}

// NewInvite makes an invitation.
func (c *Client) NewInvite(ctx context.Context, req wire.InviteRequest) (wire.Invite, error) {
	return send[wire.Invite](ctx, c, http.MethodPost, "/api/v1/invites", req)
}

// Join uses an invitation code.
func (c *Client) Join(ctx context.Context, req wire.JoinRequest) (wire.JoinResult, error) {
	return send[wire.JoinResult](ctx, c, http.MethodPost, "/api/v1/join", req)
}
