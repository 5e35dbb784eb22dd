package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

// The village endpoints (doc/api.md, "Villages"), with the signatures of
// the api.Service methods of the same names.

func villagePath(id string) string { return "/api/v1/villages/" + seg(id) }

// Villages lists the villages this device takes part in.
func (c *Client) Villages(ctx context.Context) (wire.VillageList, error) {
	return get[wire.VillageList](ctx, c, "/api/v1/villages", nil)
}

// FoundVillage founds a village with co-founders.
func (c *Client) FoundVillage(ctx context.Context, req wire.VillageFound) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, "/api/v1/villages", req)
}

// Village returns a village as the node holds it.
func (c *Client) Village(ctx context.Context, id string) (wire.Village, error) {
	return get[wire.Village](ctx, c, villagePath(id), nil)
}

// AcceptVillage accepts the founding (a founder).
func (c *Client) AcceptVillage(ctx context.Context, id string) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, villagePath(id)+"/accept", struct{}{})
}

// JoinVillage accepts this device's invitation.
func (c *Client) JoinVillage(ctx context.Context, id string) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, villagePath(id)+"/join", struct{}{})
}

// LeaveVillage leaves the village for good.
func (c *Client) LeaveVillage(ctx context.Context, id string) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, villagePath(id)+"/leave", struct{}{})
}

// InviteToVillage invites (or endorses the invitation of) a device.
func (c *Client) InviteToVillage(ctx context.Context, id string, req wire.VillageInvite) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, villagePath(id)+"/invites", req)
}

// SetVillageUserspec sets this device's userspec.
func (c *Client) SetVillageUserspec(ctx context.Context, id string, req wire.VillageUserspec) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPut, villagePath(id)+"/userspec", req)
}

// VoteStranger casts this device's vote on a stranger.
func (c *Client) VoteStranger(ctx context.Context, id, stranger string, req wire.StrangerVote) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPut, villagePath(id)+"/strangers/"+seg(stranger)+"/vote", req)
}

// NoteStranger writes this device's note on a stranger.
func (c *Client) NoteStranger(ctx context.Context, id, stranger string, req wire.StrangerNote) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, villagePath(id)+"/strangers/"+seg(stranger)+"/notes", req)
}

// ProposeExclusion proposes to exclude a local.
func (c *Client) ProposeExclusion(ctx context.Context, id string, req wire.ExclusionProposal) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, villagePath(id)+"/exclusions", req)
}

// VoteExclusion votes on an exclusion proposal.
func (c *Client) VoteExclusion(ctx context.Context, id, proposal string, req wire.ExclusionVote) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPut, villagePath(id)+"/exclusions/"+seg(proposal)+"/vote", req)
}

// PublishVillageState publishes this device's state.
func (c *Client) PublishVillageState(ctx context.Context, id string) (wire.VillageStatePublished, error) {
	return send[wire.VillageStatePublished](ctx, c, http.MethodPost, villagePath(id)+"/state", struct{}{})
}

// VillageChain returns a local's state chain with the audit's findings.
func (c *Client) VillageChain(ctx context.Context, id, local string) (wire.VillageChain, error) {
	return get[wire.VillageChain](ctx, c, villagePath(id)+"/locals/"+seg(local)+"/chain", nil)
}

// VillageRequests returns the requests strangers sent to a village (the
// pending ones are the inbox).
func (c *Client) VillageRequests(ctx context.Context, id string, q wire.VillageInboxQuery) (wire.VillageInbox, error) {
	v := url.Values{}
	if q.After != "" {
		v.Set("after", q.After)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return get[wire.VillageInbox](ctx, c, villagePath(id)+"/requests", v)
}

// RequestFile fetches (when a local opens it) the file a stranger's
// request names; an unlisted stranger's within the village's budget.
func (c *Client) RequestFile(ctx context.Context, id, request string) (wire.VillageRequestFile, error) {
	return send[wire.VillageRequestFile](ctx, c, http.MethodPost, villagePath(id)+"/requests/"+seg(request)+"/file", nil)
}

// RequestVillage sends this device's request, as a stranger, to a local.
func (c *Client) RequestVillage(ctx context.Context, req wire.VillageRequestSend) (wire.VillageEntry, error) {
	return send[wire.VillageEntry](ctx, c, http.MethodPost, "/api/v1/village-requests", req)
}

// SentVillageRequests returns the requests this device sent as a stranger,
// in every village or in the village given, newest first.
func (c *Client) SentVillageRequests(ctx context.Context, village string) (wire.VillageRequestsSent, error) {
	var q url.Values
	if village != "" {
		q = url.Values{"village": {village}}
	}
	return get[wire.VillageRequestsSent](ctx, c, "/api/v1/village-requests", q)
}
