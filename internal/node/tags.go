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

// TagCount is one label on an entry: how many accounts put it there, and
// whether this node's account is one of them.
type TagCount struct {
	Label string
	Count int
	Mine  bool
}

// EntryTags are the labels on one entry that count (payloads.md §10.3):
// one per account and label, blocked and muted accounts left out, most
// used first, then bytewise.
type EntryTags struct {
	Target entry.ID
	Labels []TagCount
}

// Tagged is an entry this account labelled.
type Tagged struct {
	Target entry.ID
	Label  string
}

// Tag publishes this account's label on target (removed: takes it off).
// The target must be held. The tag names, in replaces, the account's
// statements about that target and label that count now.
func (n *Node) Tag(ctx context.Context, target entry.ID, label string, removed bool) (*entry.Entry, error) {
	if err := n.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	t := &content.Tag{Target: target, Label: strings.TrimSpace(label), Removed: removed}
	if _, err := content.Encode(t); err != nil {
		return nil, err
	}
	if err := n.requireTarget(ctx, target, "tagged"); err != nil {
		return nil, err
	}
	own, err := n.ownKeys(ctx)
	if err != nil {
		return nil, err
	}
	var ss []content.Statement
	err = n.scanSocial(ctx, content.TypeTag, own, func(e *store.Stored, p content.Payload) error {
		if x := p.(*content.Tag); x.Target == target && x.Label == t.Label {
			ss = append(ss, statementOf(e, x.Replaces))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.Replaces = content.Heads(ss)
	return n.Publish(ctx, t)
}

// tagKey groups the statements of one account about one target and label.
type tagKey struct {
	target  entry.ID
	label   string
	account identity.PublicKey
}

// currentTags reads the tags of authors (all when nil) and returns, per
// account, target and label, the tag that counts when it is not removed.
// keep selects the tags read.
func (n *Node) currentTags(ctx context.Context, authors []identity.PublicKey, keep func(*content.Tag) bool) (map[tagKey]bool, error) {
	hidden, err := n.hiddenKeys(ctx)
	if err != nil {
		return nil, err
	}
	groups := map[tagKey][]content.Statement{}
	removed := map[entry.ID]bool{}
	res := n.newResolver()
	err = n.scanSocial(ctx, content.TypeTag, authors, func(e *store.Stored, p content.Payload) error {
		x := p.(*content.Tag)
		if !keep(x) || hidden[e.Header.Author] {
			return nil
		}
		acc, err := res.account(ctx, e.Header.Author)
		if err != nil || hidden[acc.key] {
			return err
		}
		k := tagKey{x.Target, x.Label, acc.key}
		groups[k] = append(groups[k], statementOf(e, x.Replaces))
		removed[e.ID] = x.Removed
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[tagKey]bool{}
	for k, ss := range groups {
		if !removed[ss[content.Current(ss)].ID] {
			out[k] = true
		}
	}
	return out, nil
}

// Tags returns the labels on each of targets (at most
// MaxReactionTargets).
func (n *Node) Tags(ctx context.Context, targets []entry.ID) ([]EntryTags, error) {
	if len(targets) > MaxReactionTargets {
		targets = targets[:MaxReactionTargets]
	}
	want := map[entry.ID]bool{}
	for _, t := range targets {
		want[t] = true
	}
	cur, err := n.currentTags(ctx, nil, func(x *content.Tag) bool { return want[x.Target] })
	if err != nil {
		return nil, err
	}
	type tl struct {
		target entry.ID
		label  string
	}
	counts := map[tl]*TagCount{}
	for k := range cur {
		c := counts[tl{k.target, k.label}]
		if c == nil {
			c = &TagCount{Label: k.label}
			counts[tl{k.target, k.label}] = c
		}
		c.Count++
		c.Mine = c.Mine || k.account == n.account
	}
	out := make([]EntryTags, 0, len(targets))
	for _, t := range targets {
		et := EntryTags{Target: t, Labels: []TagCount{}}
		for k, c := range counts {
			if k.target == t {
				et.Labels = append(et.Labels, *c)
			}
		}
		slices.SortFunc(et.Labels, func(a, b TagCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Label, b.Label)
		})
		out = append(out, et)
	}
	return out, nil
}

// MyTags returns the entries this account labelled with label (any label
// when label is ""), sorted by label then entry id.
func (n *Node) MyTags(ctx context.Context, label string) ([]Tagged, error) {
	own, err := n.ownKeys(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := n.currentTags(ctx, own, func(x *content.Tag) bool { return label == "" || x.Label == label })
	if err != nil {
		return nil, err
	}
	out := []Tagged{}
	for k := range cur {
		if k.account == n.account {
			out = append(out, Tagged{Target: k.target, Label: k.label})
		}
	}
	slices.SortFunc(out, func(a, b Tagged) int {
		if c := strings.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return bytes.Compare(a.Target[:], b.Target[:])
	})
	return out, nil
}
