package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// SendMessage starts a conversation with the accounts to (messages.md §1
// to §3): it wraps a new secret to every current device of every
// recipient account and to this account's other devices, each by its
// published encryption key, and appends the announcement and the start
// message (with text) to this device's log of the conversation. It
// returns the conversation's id and the start's entry.
func (n *Node) SendMessage(ctx context.Context, to []identity.PublicKey, text string) (message.ID, *entry.Entry, error) {
	return n.sendMessage(ctx, to, text, nil)
}

// sendMessage is SendMessage, wrapping also to extra's devices of each
// account (keys learnt outside the store: a dropbox letter's answer key,
// dropboxrequests.go) when the store does not hold their keys.
func (n *Node) sendMessage(ctx context.Context, to []identity.PublicKey, text string, extra map[identity.PublicKey][]seal.Recipient) (message.ID, *entry.Entry, error) {
	if len(to) == 0 {
		return message.ID{}, nil, fmt.Errorf("%w: name at least one person to write to", ErrMessageRecipients)
	}
	parts := []identity.PublicKey{n.account}
	for _, a := range to {
		if !slices.Contains(parts, a) {
			parts = append(parts, a)
		}
	}
	slices.SortFunc(parts, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	start := &message.Message{Text: text, Participants: parts}
	if _, err := message.EncodeBody(start); err != nil {
		return message.ID{}, nil, err
	}
	me := n.device.Public()
	// Publish this device's key, so that it can be written to as well.
	if _, err := n.ownDecryptionKey(ctx); err != nil {
		return message.ID{}, nil, err
	}
	var rs []seal.Recipient
	for _, a := range parts {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return message.ID{}, nil, err
		}
		got := 0
		for _, d := range ds {
			if d.Revoked || d.Device == me {
				continue
			}
			k, ok, err := n.sealKeyOf(ctx, d.Device)
			if err != nil {
				return message.ID{}, nil, err
			}
			if ok {
				rs = append(rs, seal.Recipient{Device: seal.ID(d.Device), Key: k.Key})
				got++
			}
		}
		for _, r := range extra[a] {
			if !slices.ContainsFunc(rs, func(o seal.Recipient) bool { return o.Device == r.Device }) {
				rs = append(rs, r)
				got++
			}
		}
		if got == 0 && a != n.account {
			who := n.nameOf(ctx, a)
			if len(ds) == 0 {
				return message.ID{}, nil, fmt.Errorf("%w: no device of %s is known here; follow them (or be in a village with them) and let your node sync first", ErrMessageRecipients, who)
			}
			return message.ID{}, nil, fmt.Errorf("%w: no device of %s has published an encryption key here yet; a device publishes one when its node first starts ('kith serve'); let your node sync with theirs (or with someone who follows them) and try again", ErrMessageRecipients, who)
		}
	}
	if len(rs) == 0 {
		return message.ID{}, nil, fmt.Errorf("%w: no other device can read it", ErrMessageRecipients)
	}
	st, err := message.Start(seal.ID(me), rs, start, n.now())
	if err != nil {
		return message.ID{}, nil, err
	}
	ms := &n.msgs
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if err := n.loadConversations(); err != nil {
		n.warn("read the conversations", err)
	}
	es, err := n.appendSeqStampedMany(ctx, entry.LogID(st.LogID), len(st.Payloads), func(i int, seq uint64) ([]byte, error) {
		if seq != uint64(i+1) {
			return nil, fmt.Errorf("the new conversation's log already holds entries (seq %d)", seq)
		}
		return st.Payloads[i], nil
	})
	if err != nil {
		return message.ID{}, nil, err
	}
	ci := n.addConversation(st.Conv)
	ci.participants = parts
	if err := n.noteStartRevoked(ctx, ci); err != nil {
		return message.ID{}, nil, err
	}
	for _, r := range rs {
		ci.announced[identity.PublicKey(r.Device)] = true
	}
	if err := n.noteOwnDevices(ctx, ci); err != nil {
		return message.ID{}, nil, err
	}
	if err := n.saveConversations(); err != nil {
		return message.ID{}, nil, fmt.Errorf("save the conversations: %w", err)
	}
	n.publishWants()
	go n.spacesChanged()
	last := es[len(es)-1]
	n.events.emit(Event{Kind: EventMessage, Entry: last, Conversation: st.Conv.ID(), Local: true})
	return st.Conv.ID(), last, nil
}

// Reply writes a message in a conversation this device holds, answering
// replyTo (zero: none), with references to the heads of the
// conversation's other logs held here (messages.md §3).
func (n *Node) Reply(ctx context.Context, conv message.ID, text string, replyTo entry.ID) (*entry.Entry, error) {
	if err := n.keepMessages(ctx, true); err != nil {
		return nil, err
	}
	ms := &n.msgs
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if err := n.loadConversations(); err != nil {
		n.warn("read the conversations", err)
	}
	ci := ms.convs[conv]
	if ci == nil {
		return nil, ErrNoConversation
	}
	if ci.participants != nil && !slices.Contains(ci.participants, n.account) {
		return nil, fmt.Errorf("%w: your account is not among this conversation's participants", ErrMessageRecipients)
	}
	c := ci.conv
	me := n.device.Public()
	if replyTo != (entry.ID{}) {
		e, err := n.store.Get(ctx, replyTo)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: the message %s to reply to is not held here", ErrNoConversation, replyTo)
		} else if err != nil {
			return nil, err
		}
		if ms.book.Find(seal.ID(e.Header.Author), seal.ID(e.Header.LogID)) != c || e.Payload == nil || message.KindOf(e.Payload) != message.KindMessage {
			return nil, fmt.Errorf("%w: %s is not a message of this conversation", ErrNoConversation, replyTo)
		}
	}
	devs, err := n.convDevices(ctx, ci)
	if err != nil {
		return nil, err
	}
	var refs []entry.ID
	for _, d := range devs {
		if d == me {
			continue
		}
		h, err := n.store.Head(ctx, store.LogKey{Author: d, LogID: entry.LogID(c.LogID(seal.ID(d)))})
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		refs = append(refs, h.ID)
	}
	slices.SortFunc(refs, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	if len(refs) > message.MaxRefs {
		refs = refs[len(refs)-message.MaxRefs:]
	}
	m := &message.Message{Text: text, ReplyTo: replyTo, Refs: refs}
	if _, err := message.EncodeBody(m); err != nil {
		return nil, err
	}
	gen, err := n.sealingGeneration(ctx, ci)
	if err != nil {
		return nil, err
	}
	log := entry.LogID(c.LogID(seal.ID(me)))
	e, err := n.appendSeqStamped(ctx, log, func(seq uint64) ([]byte, error) {
		return message.SealIn(c, gen, seal.Position{Author: seal.ID(me), LogID: seal.ID(log), Seq: seq}, n.now(), m)
	})
	if err != nil {
		return nil, err
	}
	n.events.emit(Event{Kind: EventMessage, Entry: e, Conversation: conv, Local: true})
	return e, nil
}

// nameOf is an account's profile name, or its id when it has none here.
func (n *Node) nameOf(ctx context.Context, a identity.PublicKey) string {
	if p, err := n.newResolver().profile(ctx, a); err == nil && p != nil && p.Name != "" {
		return p.Name
	}
	return a.Account().String()
}
