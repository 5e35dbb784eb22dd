package api

import (
	"context"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// parseTargets parses the entry ids of a reactions or tags query.
func parseTargets(texts []string) ([]entry.ID, error) {
	if len(texts) > node.MaxReactionTargets {
		return nil, apiError(wire.CodeBadRequest, "%d entries, at most %d in one request", len(texts), node.MaxReactionTargets)
	}
	ids := make([]entry.ID, len(texts))
	for i, t := range texts {
		id, err := parseEntryID(t)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// Reactions counts the reactions to entries (ent_…, at most
// node.MaxReactionTargets).
func (s *Service) Reactions(ctx context.Context, entries []string) (wire.Reactions, error) {
	ids, err := parseTargets(entries)
	if err != nil {
		return wire.Reactions{}, err
	}
	rs, err := s.n.Reactions(ctx, ids)
	if err != nil {
		return wire.Reactions{}, err
	}
	out := wire.Reactions{Emoji: content.Emoji, Entries: make([]wire.EntryReactions, len(rs))}
	for i, r := range rs {
		er := wire.EntryReactions{Entry: r.Target.String(), Mine: r.Mine, Counts: make([]wire.ReactionCount, len(r.Counts))}
		for j, c := range r.Counts {
			er.Counts[j] = wire.ReactionCount{Value: c.Value, Emoji: c.Emoji, Count: c.Count}
		}
		out.Entries[i] = er
	}
	return out, nil
}

// React publishes this account's reaction to an entry; an empty request
// withdraws it.
func (s *Service) React(ctx context.Context, target string, req wire.ReactRequest) (wire.Reacted, error) {
	id, err := parseEntryID(target)
	if err != nil {
		return wire.Reacted{}, err
	}
	e, err := s.n.React(ctx, id, req.Emoji, req.Text)
	if err != nil {
		return wire.Reacted{}, err
	}
	value := req.Emoji
	if value == "" {
		value = req.Text
	}
	return wire.Reacted{ID: e.ID.String(), Target: id.String(), Value: value}, nil
}

// Tag publishes this account's label on an entry (or takes it off).
func (s *Service) Tag(ctx context.Context, target string, req wire.TagRequest) (wire.Tagged, error) {
	id, err := parseEntryID(target)
	if err != nil {
		return wire.Tagged{}, err
	}
	e, err := s.n.Tag(ctx, id, req.Label, req.Removed)
	if err != nil {
		return wire.Tagged{}, err
	}
	return wire.Tagged{ID: e.ID.String(), Target: id.String(), Label: req.Label, Removed: req.Removed}, nil
}

// Tags returns the labels on entries.
func (s *Service) Tags(ctx context.Context, entries []string) (wire.Tags, error) {
	ids, err := parseTargets(entries)
	if err != nil {
		return wire.Tags{}, err
	}
	ts, err := s.n.Tags(ctx, ids)
	if err != nil {
		return wire.Tags{}, err
	}
	out := wire.Tags{Entries: make([]wire.EntryTags, len(ts))}
	for i, t := range ts {
		et := wire.EntryTags{Entry: t.Target.String(), Labels: make([]wire.TagCount, len(t.Labels))}
		for j, l := range t.Labels {
			et.Labels[j] = wire.TagCount{Label: l.Label, Count: l.Count, Mine: l.Mine}
		}
		out.Entries[i] = et
	}
	return out, nil
}

// MyTags returns the entries this account labelled (with label, or any).
func (s *Service) MyTags(ctx context.Context, label string) (wire.MyTags, error) {
	ts, err := s.n.MyTags(ctx, label)
	if err != nil {
		return wire.MyTags{}, err
	}
	out := wire.MyTags{Tags: make([]wire.MyTag, len(ts))}
	for i, t := range ts {
		out.Tags[i] = wire.MyTag{Entry: t.Target.String(), Label: t.Label}
	}
	return out, nil
}

// Mutes returns the accounts this account mutes, with their names.
func (s *Service) Mutes(ctx context.Context) (wire.Mutes, error) {
	ms, err := s.n.Muted(ctx)
	if err != nil {
		return wire.Mutes{}, err
	}
	out := wire.Mutes{Accounts: make([]wire.MutedAccount, len(ms))}
	for i, a := range ms {
		out.Accounts[i] = wire.MutedAccount{Account: a.Account().String(), Name: s.profileName(ctx, a)}
	}
	return out, nil
}

// Mute mutes an account (on) or unmutes it, and returns the new list.
func (s *Service) Mute(ctx context.Context, account string, on bool) (wire.Mutes, error) {
	a, err := parseAccount("account", account)
	if err != nil {
		return wire.Mutes{}, err
	}
	if a == s.n.Account() {
		return wire.Mutes{}, apiError(wire.CodeBadRequest, "%s is your own account; you cannot mute yourself", a)
	}
	if _, err := s.n.Mute(ctx, a.Key(), on); err != nil {
		return wire.Mutes{}, err
	}
	return s.Mutes(ctx)
}
