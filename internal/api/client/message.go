package client

import (
	"context"
	"net/http"

	"github.com/kithnet/kith/internal/api/wire"
)

// The message endpoints (doc/api.md, "Messages"), with the signatures of
// the api.Service methods of the same names.

func conversationPath(id string) string { return "/api/v1/conversations/" + seg(id) }

// Conversations lists the conversations this device holds.
func (c *Client) Conversations(ctx context.Context) (wire.ConversationList, error) {
	return get[wire.ConversationList](ctx, c, "/api/v1/conversations", nil)
}

// Conversation reads a page of one conversation: the last p.Limit
// messages (0: the server's default) before p.Before.
func (c *Client) Conversation(ctx context.Context, id string, p wire.Page) (wire.Conversation, error) {
	return get[wire.Conversation](ctx, c, conversationPath(id), pageValues(p))
}

// SendMessage starts a conversation.
func (c *Client) SendMessage(ctx context.Context, req wire.MessageSend) (wire.MessageSent, error) {
	return send[wire.MessageSent](ctx, c, http.MethodPost, "/api/v1/conversations", req)
}

// ReplyMessage writes a message in a conversation.
func (c *Client) ReplyMessage(ctx context.Context, id string, req wire.MessageReply) (wire.MessageSent, error) {
	return send[wire.MessageSent](ctx, c, http.MethodPost, conversationPath(id)+"/messages", req)
}
