package api

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/node"
)

// The pages of a conversation: the default and the most messages.
const (
	defaultConversationMessages = 200
	maxConversationMessages     = 1000
)

// nodeEvent is a node event (messageEvent takes one).
type nodeEvent = node.Event

// messageErr gives the node's message errors their codes.
func messageErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, node.ErrNoConversation):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, node.ErrBadCursor):
		return withCode(wire.CodeBadRequest, fmt.Errorf("before: %w (the \"older\" of a page of this conversation)", err))
	case errors.Is(err, node.ErrMessageRecipients), errors.Is(err, node.ErrKeyNotRenewable):
		return withCode(wire.CodeConflict, err)
	case errors.Is(err, message.ErrTooLarge):
		return withCode(wire.CodeTooLarge, err)
	case errors.Is(err, message.ErrMalformed):
		return withCode(wire.CodeBadRequest, err)
	}
	return err
}

// parseConversationID parses a conversation id: 64 hexadecimal digits.
func parseConversationID(s string) (message.ID, error) {
	var id message.ID
	t := strings.ToLower(s)
	b, err := hex.DecodeString(t)
	if err != nil || len(b) != len(id) {
		return id, apiError(wire.CodeBadRequest, "conversation: %q is not a conversation id (64 hexadecimal digits; 'kith message list' prints them)", shortText(s))
	}
	copy(id[:], b)
	return id, nil
}

// Conversations lists the conversations this device holds.
func (s *Service) Conversations(ctx context.Context) (wire.ConversationList, error) {
	cs, err := s.n.Conversations(ctx)
	if err != nil {
		return wire.ConversationList{}, messageErr(err)
	}
	out := wire.ConversationList{Conversations: make([]wire.ConversationSummary, 0, len(cs))}
	for _, c := range cs {
		out.Conversations = append(out.Conversations, summaryOf(c))
	}
	return out, nil
}

// Conversation reads a page of one conversation: the last p.Limit (0:
// the default) messages of its thread before p.Before.
func (s *Service) Conversation(ctx context.Context, idText string, p wire.Page) (wire.Conversation, error) {
	id, err := parseConversationID(idText)
	if err != nil {
		return wire.Conversation{}, err
	}
	limit, err := pageLimit(p.Limit, defaultConversationMessages, maxConversationMessages)
	if err != nil {
		return wire.Conversation{}, err
	}
	before, err := parseConversationCursor(p.Before)
	if err != nil {
		return wire.Conversation{}, err
	}
	page, err := s.n.ConversationPage(ctx, id, node.ConversationQuery{Limit: limit, Before: before})
	if err != nil {
		return wire.Conversation{}, messageErr(err)
	}
	v := page.View
	out := wire.Conversation{ConversationSummary: summaryOf(v.ConversationSummary), Thread: make([]wire.Message, 0, len(v.Thread)), Earlier: page.Earlier}
	if page.Older != (entry.ID{}) {
		out.Older = page.Older.String()
	}
	for _, m := range v.Thread {
		out.Thread = append(out.Thread, messageOf(m))
	}
	return out, nil
}

// SendMessage starts a conversation.
func (s *Service) SendMessage(ctx context.Context, req wire.MessageSend) (wire.MessageSent, error) {
	if len(req.To) == 0 {
		return wire.MessageSent{}, apiError(wire.CodeBadRequest, "to: name at least one person (an account id, acc_…, or the name of someone you follow)")
	}
	var to []identity.PublicKey
	for _, t := range req.To {
		a, err := s.person(ctx, t)
		if err != nil {
			return wire.MessageSent{}, err
		}
		to = append(to, a)
	}
	id, e, err := s.n.SendMessage(ctx, to, req.Text)
	if err != nil {
		return wire.MessageSent{}, messageErr(err)
	}
	return wire.MessageSent{Conversation: hexOf(id[:]), ID: e.ID.String()}, nil
}

// ReplyMessage writes a message in a conversation.
func (s *Service) ReplyMessage(ctx context.Context, idText string, req wire.MessageReply) (wire.MessageSent, error) {
	id, err := parseConversationID(idText)
	if err != nil {
		return wire.MessageSent{}, err
	}
	var to entry.ID
	if req.ReplyTo != "" {
		if to, err = parseEntryID(req.ReplyTo); err != nil {
			return wire.MessageSent{}, err
		}
	}
	e, err := s.n.Reply(ctx, id, req.Text, to)
	if err != nil {
		return wire.MessageSent{}, messageErr(err)
	}
	return wire.MessageSent{Conversation: hexOf(id[:]), ID: e.ID.String()}, nil
}

// person resolves a recipient: an account id, or the name of exactly one
// account this account follows (or of itself).
func (s *Service) person(ctx context.Context, text string) (identity.PublicKey, error) {
	if a, err := identity.ParseAccount(text); err == nil {
		return identity.PublicKey(a), nil
	}
	key := content.NameKey(text)
	if key == "" {
		return identity.PublicKey{}, apiError(wire.CodeBadRequest, "to: %q is neither an account id (acc_…) nor a name", shortText(text))
	}
	following, _, err := s.n.Follows(ctx)
	if err != nil {
		return identity.PublicKey{}, err
	}
	var found []identity.PublicKey
	for _, r := range following {
		if content.NameKey(s.profileName(ctx, r.Account)) == key {
			found = append(found, r.Account)
		}
	}
	switch len(found) {
	case 0:
		return identity.PublicKey{}, apiError(wire.CodeNotFound, "to: no one you follow is named %q; give their account id (acc_…) or follow them first", shortText(text))
	case 1:
		return found[0], nil
	}
	return identity.PublicKey{}, apiError(wire.CodeConflict, "to: %d people you follow are named alike %q (%s); give the account id of the one you mean", len(found), shortText(text), strings.Join(accTexts(found), ", "))
}

func personOf(p node.Person) wire.MessagePerson {
	if p.Account == (identity.PublicKey{}) {
		return wire.MessagePerson{}
	}
	return wire.MessagePerson{Account: accText(p.Account), Name: p.Name}
}

func summaryOf(c node.ConversationSummary) wire.ConversationSummary {
	out := wire.ConversationSummary{ID: hexOf(c.ID[:]), Verified: c.Verified, Messages: c.Messages, Participants: make([]wire.MessagePerson, 0, len(c.Participants))}
	for _, p := range c.Participants {
		out.Participants = append(out.Participants, personOf(p))
	}
	if c.Last != nil {
		m := messageOf(*c.Last)
		out.Last = &m
	}
	for _, r := range c.Renewals {
		out.Renewals = append(out.Renewals, wire.KeyRenewal{By: personOf(r.By), Device: r.Device, Revoked: r.Revoked, Given: r.Given, Current: r.Current})
	}
	return out
}

func messageOf(m node.ConversationMessage) wire.Message {
	out := wire.Message{
		ID: m.ID.String(), Device: m.Device.Device().String(), Author: personOf(m.Author),
		Status: string(m.Status), Detail: m.Detail, Text: m.Text, Start: m.Start,
		ReplyMissing: m.ReplyMissing, Mine: m.Mine,
	}
	if m.Reply != (entry.ID{}) {
		out.Reply = m.Reply.String()
	}
	if m.Parent != (entry.ID{}) {
		out.Parent = m.Parent.String()
	}
	if m.Status == node.MessageReadable {
		out.Time = time.UnixMilli(int64(m.TimeMs)).UTC().Format(time.RFC3339)
	}
	return out
}
