package node

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
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
	// Renewals: the conversation's key was renewed after a device of a
	// participant was revoked (messages.md §11), as this device knows it.
	Renewals []KeyRenewal
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
	res := n.newPeople(ctx)
	for _, id := range ids {
		sk, err := n.skeletonOf(ctx, id)
		if err != nil {
			return nil, err
		}
		all = append(all, withCursor{n.summaryOf(ctx, sk, res), sk.newest})
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

// Conversation reads one conversation (messages.md §5): ConversationPage
// without a limit. Nothing it decrypts is written anywhere.
func (n *Node) Conversation(ctx context.Context, id message.ID) (*ConversationView, error) {
	p, err := n.ConversationPage(ctx, id, ConversationQuery{})
	if err != nil {
		return nil, err
	}
	return p.View, nil
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

// convSkeleton is a conversation as threaded (messages.md §5) without the
// texts, times and names of its messages: their order, places and
// statuses. The views keep it in memory (viewcache.go) while none of the
// conversation's logs changed, so a read opens only the messages it
// shows.
type convSkeleton struct {
	id   message.ID
	key  string // the devices read, their accounts and log heads
	conv *message.Conversation
	// holes: an entry was held without its payload, which may come
	// without changing the log's head: not kept.
	holes        bool
	thread       []ConversationMessage // Text, TimeMs and Author.Name unset
	readable     int                   // the first readable entries of thread
	participants []identity.PublicKey
	gens         []*message.Generation // held, in trial order
	renewals     renewalsView
	verified     bool
	cyclic       bool
	newest       int64 // the arrival cursor of its newest entry
}

// skeletonOf returns the skeleton of a conversation: the one kept when
// no log of it changed since, else read and threaded again, opening the
// messages not in the cache of opened payloads.
func (n *Node) skeletonOf(ctx context.Context, id message.ID) (*convSkeleton, error) {
	ms := &n.msgs
	ms.mu.Lock()
	if err := n.loadConversations(); err != nil {
		n.warn("read the conversations", err)
	}
	ci := ms.convs[id]
	var info convInfo
	var rn renewalsView
	var devs []identity.PublicKey
	var err error
	if ci != nil {
		info = convInfo{conv: ci.conv, participants: ci.participants}
		rn = snapshotRenewals(ci)
		// Under ms.mu: for a conversation whose participants are not
		// known, the devices are the message loop's authors, which it
		// keeps (and writes) under the same lock.
		devs, err = n.convDevices(ctx, &info)
	}
	ms.mu.Unlock()
	if ci == nil {
		return nil, ErrNoConversation
	}
	if err != nil {
		return nil, err
	}
	c := info.conv
	type devLog struct {
		acc identity.PublicKey
		key store.LogKey
	}
	logs := make([]devLog, 0, len(devs))
	var key []byte
	for _, d := range devs {
		l := devLog{key: store.LogKey{Author: d, LogID: entry.LogID(c.LogID(seal.ID(d)))}}
		if dv, err := n.store.AccountOf(ctx, d); err == nil {
			l.acc = dv.Account
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		var head uint64
		if h, err := n.store.Head(ctx, l.key); err == nil {
			head = h.Seq
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		key = binary.BigEndian.AppendUint64(append(append(key, d[:]...), l.acc[:]...), head)
		logs = append(logs, l)
	}
	for _, p := range info.participants {
		key = append(key, p[:]...)
	}
	for _, g := range rn.gens {
		id := g.ID()
		key = append(key, id[:]...)
	}
	key = append(key, byte(len(rn.records)))
	if sk := n.views.skeleton(id); sk != nil && sk.key == string(key) {
		return sk, nil
	}
	sk := &convSkeleton{id: id, key: string(key), conv: c, gens: rn.gens, renewals: rn}
	var items []message.Item
	byID := map[entry.ID]*ConversationMessage{}
	var bad []ConversationMessage
	for _, l := range logs {
		d, acc := l.key.Author, l.acc
		err := n.eachOfConvLog(ctx, l.key, func(e *store.Stored) {
			if e.Payload == nil {
				sk.holes = true
				return
			}
			kind := message.KindOf(e.Payload)
			if kind == message.KindAnnouncement {
				return
			}
			m := ConversationMessage{ID: e.ID, Device: d, Seq: e.Header.Seq, Mine: acc == n.account, Author: Person{Account: acc}}
			sk.newest = max(sk.newest, e.Cursor)
			if kind != message.KindMessage {
				m.Status, m.Detail = MessageMalformed, "neither an announcement part nor a sealed message"
				bad = append(bad, m)
				return
			}
			o, err := n.openMessage(id, c, rn.gens, seal.Position{Author: seal.ID(d), LogID: seal.ID(l.key.LogID), Seq: e.Header.Seq}, e)
			switch {
			case errors.Is(err, message.ErrNotDecrypted) && rn.notGiven:
				m.Status, m.Detail = MessageNotDecrypted, notGivenDetail
				bad = append(bad, m)
				return
			case errors.Is(err, message.ErrNotDecrypted):
				m.Status, m.Detail = MessageNotDecrypted, "does not decrypt at its place in its log (tampered, moved, or sealed under another key)"
				bad = append(bad, m)
				return
			case err != nil:
				m.Status, m.Detail = MessageMalformed, err.Error()
				bad = append(bad, m)
				return
			}
			m.Status, m.Reply, m.Start = MessageReadable, o.Msg.ReplyTo, o.Msg.IsStart()
			byID[e.ID] = &m
			items = append(items, message.Item{ID: e.ID, Author: seal.ID(d), Account: acc, Seq: e.Header.Seq, Msg: o.Msg})
		})
		if err != nil {
			return nil, err
		}
	}
	th := message.BuildThread(c.Creator, items)
	sk.cyclic = th.Cyclic
	if th.Start != (entry.ID{}) {
		sk.verified, sk.participants = true, th.Participants
	}
	missing := map[entry.ID]bool{}
	for _, x := range th.ReplyMissing {
		missing[x] = true
	}
	for _, x := range th.Order {
		m := byID[x]
		m.Parent, m.ReplyMissing = th.Parent[x], missing[x]
		sk.thread = append(sk.thread, *m)
	}
	sk.readable = len(sk.thread)
	for _, r := range th.Refused {
		m := *byID[r.ID]
		m.Status, m.Detail, m.Reply, m.Start = MessageRefused, r.Reason, entry.ID{}, false
		sk.thread = append(sk.thread, m)
	}
	sk.thread = append(sk.thread, bad...)
	if !sk.holes {
		n.views.keepSkeleton(sk)
	}
	return sk, nil
}

// people resolves accounts to their profile names, once per account.
type people struct {
	ctx   context.Context
	res   *resolver
	names map[identity.PublicKey]string
}

func (n *Node) newPeople(ctx context.Context) *people {
	return &people{ctx: ctx, res: n.newResolver(), names: map[identity.PublicKey]string{}}
}

func (p *people) of(a identity.PublicKey) Person {
	name, ok := p.names[a]
	if !ok {
		if prof, err := p.res.profile(p.ctx, a); err == nil && prof != nil {
			name = prof.Name
		}
		p.names[a] = name
	}
	return Person{Account: a, Name: name}
}

// summaryOf is a conversation's summary, its last readable message opened.
func (n *Node) summaryOf(ctx context.Context, sk *convSkeleton, res *people) ConversationSummary {
	s := ConversationSummary{ID: sk.id, Creator: identity.PublicKey(sk.conv.Creator), Verified: sk.verified, Messages: sk.readable}
	for _, a := range sk.participants {
		s.Participants = append(s.Participants, res.of(a))
	}
	s.Renewals = n.keyRenewals(ctx, sk, res)
	if sk.readable > 0 {
		last := []ConversationMessage{sk.thread[sk.readable-1]}
		n.fillMessages(ctx, sk, last, res)
		s.Last = &last[0]
	}
	return s
}

// fillMessages gives ms (copied from sk.thread) their authors' names and,
// for the readable ones, their texts and times, opened again when not in
// the cache of opened payloads.
func (n *Node) fillMessages(ctx context.Context, sk *convSkeleton, ms []ConversationMessage, res *people) {
	for i := range ms {
		m := &ms[i]
		if m.Author.Account != (identity.PublicKey{}) {
			m.Author = res.of(m.Author.Account)
		}
		if m.Status != MessageReadable {
			continue
		}
		o, err := n.reopenMessage(ctx, sk, m)
		if err != nil {
			m.Status, m.Detail, m.Reply, m.Parent, m.Start = MessageMalformed, "read again: "+err.Error(), entry.ID{}, entry.ID{}, false
			continue
		}
		m.Text, m.TimeMs = o.Msg.Text, o.TimeMs
	}
}
