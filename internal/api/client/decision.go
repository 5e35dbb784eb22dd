package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// The endpoints of conversations that end in a decision (doc/api.md,
// "Decisions"), with the signatures of the api.Service methods of the
// same names.

func decisionPath(id string) string { return "/api/v1/decisions/" + seg(id) }

// Decisions lists the conversations of every village and space the node
// reads.
func (c *Client) Decisions(ctx context.Context) (wire.DecisionList, error) {
	return get[wire.DecisionList](ctx, c, "/api/v1/decisions", nil)
}

// StartDecision starts a conversation that ends in a decision.
func (c *Client) StartDecision(ctx context.Context, req wire.ConversationStart) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, "/api/v1/decisions", req)
}

// Decision shows a conversation: its rule, tally, what is still needed,
// its outcome and history.
func (c *Client) Decision(ctx context.Context, id string) (wire.Decision, error) {
	return get[wire.Decision](ctx, c, decisionPath(id), nil)
}

// SayInDecision writes a free message.
func (c *Client) SayInDecision(ctx context.Context, id string, req wire.ConversationSay) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/say", req)
}

// AmendDecision writes an amendment to a proposal.
func (c *Client) AmendDecision(ctx context.Context, id string, req wire.ConversationAmend) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/amend", req)
}

// PositionInDecision writes a position on a proposal.
func (c *Client) PositionInDecision(ctx context.Context, id string, req wire.ConversationPosition) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/position", req)
}

// VoteInDecision writes a ballot in a poll.
func (c *Client) VoteInDecision(ctx context.Context, id string, req wire.ConversationVote) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/vote", req)
}

// AckDecision acknowledges an announcement.
func (c *Client) AckDecision(ctx context.Context, id string) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/ack", struct{}{})
}

// AnswerDecision answers an invitation: yes, no or maybe.
func (c *Client) AnswerDecision(ctx context.Context, id string, req wire.ConversationAnswer) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/answer", req)
}

// ArgueInDecision writes an argument in a debate.
func (c *Client) ArgueInDecision(ctx context.Context, id string, req wire.ConversationArgument) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/argue", req)
}

// DeclareDeadline declares the conversation's stated deadline passed.
func (c *Client) DeclareDeadline(ctx context.Context, id string) (wire.ConversationEntry, error) {
	return send[wire.ConversationEntry](ctx, c, http.MethodPost, decisionPath(id)+"/deadline", struct{}{})
}
