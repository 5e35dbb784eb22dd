package node

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// ConversationQuery selects a page of a conversation: the last Limit
// messages of its thread (ConversationView.Thread's order: the readable
// messages in causal order, then those that are not) before the message
// Before.
type ConversationQuery struct {
	Limit  int      // 0: all
	Before entry.ID // a ConversationPage.Older of an earlier read; zero: from the last
}

// ConversationPage is a page of a conversation: View.Thread holds the
// page's messages, in the thread's order.
type ConversationPage struct {
	View *ConversationView
	// Earlier counts the messages of the thread before the first.
	Earlier int
	// Older is the ConversationQuery.Before of the page before this
	// one; zero when Earlier is 0.
	Older entry.ID
}

// ConversationPage reads one page of a conversation. The thread's order
// is causal (messages.md §5), which needs every message's references, and
// those are inside the ciphertext: a read opens the messages it has not
// opened recently (the in-memory cache of opened payloads, viewcache.go,
// keeps the rest), and returns only the page.
func (n *Node) ConversationPage(ctx context.Context, id message.ID, q ConversationQuery) (*ConversationPage, error) {
	if q.Limit < 0 {
		return nil, fmt.Errorf("%w: limit %d", ErrBadCursor, q.Limit)
	}
	if err := n.keepMessages(ctx, true); err != nil {
		return nil, err
	}
	sk, err := n.skeletonOf(ctx, id)
	if err != nil {
		return nil, err
	}
	end := len(sk.thread)
	if q.Before != (entry.ID{}) {
		end = slices.IndexFunc(sk.thread, func(m ConversationMessage) bool { return m.ID == q.Before })
		if end < 0 {
			return nil, fmt.Errorf("%w: %s is not a message of this conversation held here", ErrBadCursor, q.Before)
		}
	}
	start := 0
	if q.Limit > 0 && end > q.Limit {
		start = end - q.Limit
	}
	res := n.newPeople(ctx)
	v := &ConversationView{ConversationSummary: n.summaryOf(ctx, sk, res), Cyclic: sk.cyclic, Thread: slices.Clone(sk.thread[start:end])}
	n.fillMessages(ctx, sk, v.Thread, res)
	p := &ConversationPage{View: v, Earlier: start}
	if start > 0 {
		p.Older = v.Thread[0].ID
	}
	return p, nil
}

// openedMessage is a message as opened: cached in memory.
type openedMessage struct{ o *message.Opened }

// openMessage opens the message e of conversation c at pos, from the
// cache when it was opened before.
func (n *Node) openMessage(id message.ID, c *message.Conversation, gens []*message.Generation, pos seal.Position, e *store.Stored) (*message.Opened, error) {
	key := openedKey{scope: id, id: e.ID}
	if v, ok := n.views.opened(key); ok {
		return v.(openedMessage).o, nil
	}
	o, err := message.OpenIn(c, gens, pos, e.Payload)
	if err != nil {
		return nil, err
	}
	size := len(o.Msg.Text) + len(o.Msg.Subject) + (len(o.Msg.Refs)+len(o.Msg.Participants))*len(entry.ID{})
	n.views.keepOpened(key, openedMessage{o}, size)
	return o, nil
}

// reopenMessage opens again a readable message of the skeleton, from the
// cache when it is there.
func (n *Node) reopenMessage(ctx context.Context, sk *convSkeleton, m *ConversationMessage) (*message.Opened, error) {
	if v, ok := n.views.opened(openedKey{scope: sk.id, id: m.ID}); ok {
		return v.(openedMessage).o, nil
	}
	e, err := n.store.Get(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if e.Payload == nil {
		return nil, errors.New("its payload is no longer held")
	}
	d := seal.ID(m.Device)
	return n.openMessage(sk.id, sk.conv, sk.gens, seal.Position{Author: d, LogID: sk.conv.LogID(d), Seq: m.Seq}, e)
}
