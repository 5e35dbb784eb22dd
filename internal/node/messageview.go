package node

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// MessageStatus is what this device makes of one entry of a conversation
// log (messages.md §4, §5).
type MessageStatus string

// The outcomes of reading a conversation's entry.
const (
	MessageReadable     MessageStatus = "readable"
	MessageNotDecrypted MessageStatus = "not-decrypted" // tampered, moved, another key: kept as ciphertext
	MessageMalformed    MessageStatus = "malformed"
	MessageRefused      MessageStatus = "refused" // threading left it out (Detail says why)
)

// Person is an account with the name its profile gives (empty: none held).
type Person struct {
	Account identity.PublicKey
	Name    string
}

// ConversationMessage is one message of a conversation as this device
// reads it. Text, Reply, Parent and TimeMs are set only when Status is
// MessageReadable.
type ConversationMessage struct {
	ID     entry.ID
	Device identity.PublicKey
	Author Person // zero Account: the device's certificate is not held
	Seq    uint64
	Status MessageStatus
	Detail string
	Text   string
	Start  bool     // the conversation's start
	Reply  entry.ID // the message it answers, zero: none
	// Parent is its place in the tree (messages.md §5): its reply when
	// held, else the start (zero when the start is not held).
	Parent       entry.ID
	ReplyMissing bool   // its reply is not held here
	TimeMs       uint64 // the author's time, from inside the ciphertext
	Mine         bool   // written by this account
}

// ConversationSummary is a conversation in the list.
type ConversationSummary struct {
	ID      message.ID
	Creator identity.PublicKey // the device that started it
	// Participants: who can read it (the start's list, by the creator's
	// claim, messages.md §9); nil while the start is not held.
	Participants []Person
	// Verified: the start is held and opened, so the participants are
	// known and every message was checked against them.
	Verified bool
	Messages int                  // readable messages
	Last     *ConversationMessage // the last readable message in causal order
}

// ConversationView is a whole conversation: its messages in causal order
// (readable ones), then the entries that are not (unreadable, refused).
type ConversationView struct {
	ConversationSummary
	Thread []ConversationMessage
	Cyclic bool
}

// Conversations lists the conversations this device holds, the one with
// the latest activity first (by the arrival of its last message here;
// within a conversation the order is causal, never by time).
func (n *Node) Conversations(ctx context.Context) ([]ConversationSummary, error) {
	if err := n.keepMessages(ctx, true); err != nil {
		return nil, err
	}
	ms := &n.msgs
	ms.mu.Lock()
	ids := make([]message.ID, 0, len(ms.convs))
	for id := range ms.convs {
		ids = append(ids, id)
	}
	ms.mu.Unlock()
	type withCursor struct {
		s ConversationSummary
		c int64
	}
	var all []withCursor
	for _, id := range ids {
		v, last, err := n.readConversation(ctx, id)
		if err != nil {
			return nil, err
		}
		all = append(all, withCursor{v.ConversationSummary, last})
	}
	slices.SortFunc(all, func(a, b withCursor) int {
		if c := cmp.Compare(b.c, a.c); c != 0 {
			return c
		}
		return bytes.Compare(a.s.ID[:], b.s.ID[:])
	})
	out := make([]ConversationSummary, len(all))
	for i := range all {
		out[i] = all[i].s
	}
	return out, nil
}

// Conversation reads one conversation (messages.md §5). Nothing it
// decrypts is written anywhere.
func (n *Node) Conversation(ctx context.Context, id message.ID) (*ConversationView, error) {
	if err := n.keepMessages(ctx, true); err != nil {
		return nil, err
	}
	v, _, err := n.readConversation(ctx, id)
	return v, err
}

// ConversationOf returns the conversation a message entry belongs to,
// ok false when it is none this device holds.
func (n *Node) ConversationOf(author identity.PublicKey, log entry.LogID) (message.ID, bool) {
	ms := &n.msgs
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if err := n.loadConversations(); err != nil {
		return message.ID{}, false
	}
	c := ms.book.Find(seal.ID(author), seal.ID(log))
	if c == nil {
		return message.ID{}, false
	}
	return c.ID(), true
}

// readConversation opens every entry of the conversation's logs held and
// threads them; it also returns the arrival cursor of the newest one.
func (n *Node) readConversation(ctx context.Context, id message.ID) (*ConversationView, int64, error) {
	ms := &n.msgs
	ms.mu.Lock()
	if err := n.loadConversations(); err != nil {
		n.warn("read the conversations", err)
	}
	ci := ms.convs[id]
	var info convInfo
	if ci != nil {
		info = convInfo{conv: ci.conv, participants: ci.participants}
	}
	ms.mu.Unlock()
	if ci == nil {
		return nil, 0, ErrNoConversation
	}
	c := info.conv
	devs, err := n.convDevices(ctx, &info)
	if err != nil {
		return nil, 0, err
	}
	res := n.newResolver()
	person := func(a identity.PublicKey) Person {
		p := Person{Account: a}
		if prof, err := res.profile(ctx, a); err == nil && prof != nil {
			p.Name = prof.Name
		}
		return p
	}
	var items []message.Item
	byID := map[entry.ID]*ConversationMessage{}
	var bad []ConversationMessage
	var newest int64
	for _, d := range devs {
		var acc identity.PublicKey
		if dv, err := n.store.AccountOf(ctx, d); err == nil {
			acc = dv.Account
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		key := store.LogKey{Author: d, LogID: entry.LogID(c.LogID(seal.ID(d)))}
		err := n.eachOfConvLog(ctx, key, func(e *store.Stored) {
			if e.Payload == nil {
				return
			}
			kind := message.KindOf(e.Payload)
			if kind == message.KindAnnouncement {
				return
			}
			m := ConversationMessage{ID: e.ID, Device: d, Seq: e.Header.Seq, Mine: acc == n.account}
			if acc != (identity.PublicKey{}) {
				m.Author = person(acc)
			}
			newest = max(newest, e.Cursor)
			if kind != message.KindMessage {
				m.Status, m.Detail = MessageMalformed, "neither an announcement part nor a sealed message"
				bad = append(bad, m)
				return
			}
			o, err := n.openMessage(id, c, seal.Position{Author: seal.ID(d), LogID: seal.ID(key.LogID), Seq: e.Header.Seq}, e)
			switch {
			case errors.Is(err, message.ErrNotDecrypted):
				m.Status, m.Detail = MessageNotDecrypted, "does not decrypt at its place in its log (tampered, moved, or sealed under another key)"
				bad = append(bad, m)
				return
			case err != nil:
				m.Status, m.Detail = MessageMalformed, err.Error()
				bad = append(bad, m)
				return
			}
			m.Status, m.Text, m.Reply, m.TimeMs, m.Start = MessageReadable, o.Msg.Text, o.Msg.ReplyTo, o.TimeMs, o.Msg.IsStart()
			mm := m
			byID[e.ID] = &mm
			items = append(items, message.Item{ID: e.ID, Author: seal.ID(d), Account: acc, Seq: e.Header.Seq, Msg: o.Msg})
		})
		if err != nil {
			return nil, 0, err
		}
	}
	th := message.BuildThread(c.Creator, items)
	v := &ConversationView{Cyclic: th.Cyclic}
	v.ID, v.Creator = id, identity.PublicKey(c.Creator)
	if th.Start != (entry.ID{}) {
		v.Verified = true
		for _, a := range th.Participants {
			v.Participants = append(v.Participants, person(a))
		}
	}
	missing := map[entry.ID]bool{}
	for _, x := range th.ReplyMissing {
		missing[x] = true
	}
	for _, x := range th.Order {
		m := byID[x]
		m.Parent, m.ReplyMissing = th.Parent[x], missing[x]
		v.Thread = append(v.Thread, *m)
	}
	v.Messages = len(v.Thread)
	if len(v.Thread) > 0 {
		last := v.Thread[len(v.Thread)-1]
		v.Last = &last
	}
	for _, r := range th.Refused {
		m := *byID[r.ID]
		m.Status, m.Detail, m.Text, m.Reply, m.TimeMs, m.Start = MessageRefused, r.Reason, "", entry.ID{}, 0, false
		v.Thread = append(v.Thread, m)
	}
	v.Thread = append(v.Thread, bad...)
	return v, newest, nil
}
