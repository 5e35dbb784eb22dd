package node

import (
	"bytes"
	"context"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// MaxReactionTargets bounds the entries one Reactions call counts for.
const MaxReactionTargets = 200

// ReactionCount is how many accounts reacted to an entry with one value.
type ReactionCount struct {
	Value string // the emoji or the text
	Emoji bool   // Value is one of content.Emoji
	Count int
}

// EntryReactions are the reactions to one entry that count: one per
// account (payloads.md §11.3), blocked and muted accounts left out.
type EntryReactions struct {
	Target entry.ID
	// Counts are ordered: the emoji in content.Emoji order, then texts
	// by count (most first), then bytewise.
	Counts []ReactionCount
	// Mine is this node's account's reaction, "" when none.
	Mine string
}

// React publishes this account's reaction to target: emoji (one of
// content.Emoji) or text; neither withdraws the reaction. The target must
// be held. The reaction names, in replaces, the account's reactions to the
// target that count now, so that it supersedes them on every node.
func (n *Node) React(ctx context.Context, target entry.ID, emoji, text string) (*entry.Entry, error) {
	if err := n.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	r := &content.Reaction{Target: target, Emoji: emoji, Text: strings.TrimSpace(text)}
	if _, err := content.Encode(r); err != nil { // say what is wrong with the reaction before the target
		return nil, err
	}
	if err := n.requireTarget(ctx, target, "reacted to"); err != nil {
		return nil, err
	}
	own, err := n.ownKeys(ctx)
	if err != nil {
		return nil, err
	}
	var ss []content.Statement
	err = n.scanSocial(ctx, content.TypeReaction, own, func(e *store.Stored, p content.Payload) error {
		if x := p.(*content.Reaction); x.Target == target {
			ss = append(ss, statementOf(e, x.Replaces))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.Replaces = content.Heads(ss)
	return n.Publish(ctx, r)
}

// Reactions counts the reactions to each of targets (at most
// MaxReactionTargets) that this node holds.
func (n *Node) Reactions(ctx context.Context, targets []entry.ID) ([]EntryReactions, error) {
	if len(targets) > MaxReactionTargets {
		targets = targets[:MaxReactionTargets]
	}
	want := make(map[entry.ID]bool, len(targets))
	for _, t := range targets {
		want[t] = true
	}
	hidden, err := n.hiddenKeys(ctx)
	if err != nil {
		return nil, err
	}
	type key struct {
		target  entry.ID
		account identity.PublicKey
	}
	groups := map[key][]content.Statement{}
	values := map[entry.ID]*content.Reaction{}
	res := n.newResolver()
	err = n.scanSocial(ctx, content.TypeReaction, nil, func(e *store.Stored, p content.Payload) error {
		x := p.(*content.Reaction)
		if !want[x.Target] || hidden[e.Header.Author] {
			return nil
		}
		acc, err := res.account(ctx, e.Header.Author)
		if err != nil {
			return err
		}
		if hidden[acc.key] {
			return nil
		}
		k := key{x.Target, acc.key}
		groups[k] = append(groups[k], statementOf(e, x.Replaces))
		values[e.ID] = x
		return nil
	})
	if err != nil {
		return nil, err
	}
	counts := map[entry.ID]map[string]int{}
	mine := map[entry.ID]string{}
	for k, ss := range groups {
		i := content.Current(ss)
		r := values[ss[i].ID]
		if r.Withdrawn() {
			continue
		}
		if counts[k.target] == nil {
			counts[k.target] = map[string]int{}
		}
		counts[k.target][r.Value()]++
		if k.account == n.account {
			mine[k.target] = r.Value()
		}
	}
	out := make([]EntryReactions, 0, len(targets))
	for _, t := range targets {
		er := EntryReactions{Target: t, Mine: mine[t], Counts: []ReactionCount{}}
		for v, c := range counts[t] {
			er.Counts = append(er.Counts, ReactionCount{Value: v, Emoji: content.IsEmoji(v), Count: c})
		}
		slices.SortFunc(er.Counts, compareCounts)
		out = append(out, er)
	}
	return out, nil
}

// compareCounts orders the emoji first, as content.Emoji lists them, then
// texts by count, most first, then bytewise.
func compareCounts(a, b ReactionCount) int {
	switch {
	case a.Emoji && b.Emoji:
		return slices.Index(content.Emoji, a.Value) - slices.Index(content.Emoji, b.Value)
	case a.Emoji:
		return -1
	case b.Emoji:
		return 1
	case a.Count != b.Count:
		return b.Count - a.Count
	}
	return bytes.Compare([]byte(a.Value), []byte(b.Value))
}
