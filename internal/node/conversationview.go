package node

import (
	"bytes"
	"context"
	"errors"
	"slices"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// DecisionView is a conversation that ends in a decision (package
// conversation) as this device reads it: the reducer's state over the
// entries held, kept in memory only (conversationmemo.go; nothing opened
// is written to disk). State is shared between readers: do not change it.
type DecisionView struct {
	ID        entry.ID
	Place     DecisionPlace
	PlaceName string
	State     *conversation.State
	// Unreadable: entries of the place this device holds and cannot
	// read (they may belong to this conversation or another).
	Unreadable []DecisionUnreadable
	// Capped: devices of the place whose conversation log holds more
	// than MaxDecisionLogEntries entries; the later ones do not count.
	Capped []identity.PublicKey
}

// DecisionSummary is one conversation in the list of Conversations.
type DecisionSummary struct {
	ID        entry.ID
	Place     DecisionPlace
	PlaceName string
	State     *conversation.State
}

// Decision returns the conversation (one that ends in a decision) whose start entry is id.
func (n *Node) Decision(ctx context.Context, id entry.ID) (*DecisionView, error) {
	place, err := n.placeOf(ctx, id)
	if err != nil {
		return nil, err
	}
	g, err := n.gather(ctx, place)
	if err != nil {
		return nil, err
	}
	if !g.holds(id) {
		return nil, ErrNoDecision
	}
	return &DecisionView{ID: id, Place: place, PlaceName: g.name, State: n.reduceMemo(g, id), Unreadable: g.unreadable, Capped: g.capped}, nil
}

// Decisions lists the conversations that end in a decision of every village and space this
// device reads, newest start first (by arrival here).
func (n *Node) Decisions(ctx context.Context) ([]DecisionSummary, error) {
	places, err := n.conversationPlaces(ctx)
	if err != nil {
		return nil, err
	}
	type item struct {
		s      DecisionSummary
		cursor int64
	}
	var items []item
	for _, p := range places {
		g, err := n.gather(ctx, p)
		if err != nil {
			if errors.Is(err, ErrNoVillage) || errors.Is(err, ErrNoSpace) {
				continue
			}
			return nil, err
		}
		for _, id := range g.starts {
			c := int64(0)
			for _, i := range g.byConv[id] {
				if g.entries[i].ID == id {
					c = g.cursor[i]
				}
			}
			items = append(items, item{DecisionSummary{ID: id, Place: p, PlaceName: g.name, State: n.reduceMemo(g, id)}, c})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		if a.cursor != b.cursor {
			if a.cursor > b.cursor {
				return -1
			}
			return 1
		}
		return bytes.Compare(a.s.ID[:], b.s.ID[:])
	})
	out := make([]DecisionSummary, len(items))
	for i, it := range items {
		out[i] = it.s
	}
	return out, nil
}

// conversationPlaces returns the villages whose found entry is held and
// which this account founded or joined, and the spaces whose log key this
// device holds (after opening the keys that arrived).
func (n *Node) conversationPlaces(ctx context.Context) ([]DecisionPlace, error) {
	var out []DecisionPlace
	vs, err := n.Villages(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Known && v.Founded && v.Role != RoleInvitee && v.Role != RoleFounder {
			out = append(out, DecisionPlace{Village: v.ID})
		}
	}
	ids, err := n.spacesOf(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		// Open the keys that arrived (keys log) first, and, as an admin,
		// give the current key to the members' new devices (as Space does).
		if _, _, err := n.keep(ctx, id, true); errors.Is(err, ErrNoSpace) {
			continue
		} else if err != nil {
			return nil, err
		}
		n.rings.mu.Lock()
		_, ok := n.ring(id).logKey()
		n.rings.mu.Unlock()
		if ok {
			out = append(out, DecisionPlace{Space: id})
		}
	}
	return out, nil
}

// placeOf says where conversation id lives: the village or space whose
// conversation log holds its start entry.
func (n *Node) placeOf(ctx context.Context, id entry.ID) (DecisionPlace, error) {
	s, err := n.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return DecisionPlace{}, ErrNoDecision
	} else if err != nil {
		return DecisionPlace{}, err
	}
	places, err := n.conversationPlaces(ctx)
	if err != nil {
		return DecisionPlace{}, err
	}
	for _, p := range places {
		if p.IsVillage() {
			if s.Header.LogID == ConvVillageLog(p.Village) {
				return p, nil
			}
			continue
		}
		n.rings.mu.Lock()
		lk, ok := n.ring(p.Space).logKey()
		n.rings.mu.Unlock()
		if ok && s.Header.LogID == ConvSpaceLog(lk, s.Header.Author) {
			return p, nil
		}
	}
	return DecisionPlace{}, ErrNoDecision
}

// DecisionOf reports the place of the conversation log an entry sits
// in, when it is one this device reads: how the API tells a conversation
// entry from others (for its events). A sealed entry is matched against
// the log keys of the spaces held; an entry in the clear whose type is a
// conversation type against the villages the replication scope names (or,
// when not serving, the villages this account takes part in).
func (n *Node) DecisionOf(e *entry.Entry) (DecisionPlace, bool) {
	if len(e.Payload) > 0 && e.Payload[0] != 0x01 {
		// In the clear: a village's conversation log, when its type says
		// so (only then are the villages looked up).
		typ, err := content.PeekType(e.Payload)
		if err != nil || !conversation.IsConversationType(typ) {
			return DecisionPlace{}, false
		}
		var vs []entry.ID
		if nw := n.net.Load(); nw != nil {
			vs = nw.scope.Villages()
		} else if keys, err := n.ownKeys(context.Background()); err == nil {
			vs, _ = scope.VillagesOf(context.Background(), n.store, keys)
		}
		for _, v := range vs {
			if e.Header.LogID == ConvVillageLog(v) {
				return DecisionPlace{Village: v}, true
			}
		}
		return DecisionPlace{}, false
	}
	var out DecisionPlace
	found := false
	n.rings.eachLogKey(func(id entry.ID, k [32]byte) bool {
		if ConvSpaceLog(k, e.Header.Author) == e.Header.LogID {
			out, found = DecisionPlace{Space: id}, true
			return false
		}
		return true
	})
	return out, found
}
