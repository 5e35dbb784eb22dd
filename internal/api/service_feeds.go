package api

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// Timeline returns a page of the posts of this node's account and of the
// accounts it follows and does not block, newest first in time order.
func (s *Service) Timeline(ctx context.Context, q wire.FeedQuery) (wire.FeedPage, error) {
	before, limit, err := feedArgs(q)
	if err != nil {
		return wire.FeedPage{}, err
	}
	p, err := s.n.Timeline(ctx, before, limit)
	if err != nil {
		return wire.FeedPage{}, err
	}
	return s.countedFeedPage(ctx, p)
}

// AccountPosts returns a page of the posts of one account (acc_…: written
// by the account or any of its devices) or one device (dev_…), newest
// first in time order.
func (s *Service) AccountPosts(ctx context.Context, who string, q wire.FeedQuery) (wire.FeedPage, error) {
	key, _, _, err := s.resolveWho(who)
	if err != nil {
		return wire.FeedPage{}, err
	}
	before, limit, err := feedArgs(q)
	if err != nil {
		return wire.FeedPage{}, err
	}
	p, err := s.n.AccountPosts(ctx, key, before, limit)
	if err != nil {
		return wire.FeedPage{}, err
	}
	return s.countedFeedPage(ctx, p)
}

// feedArgs checks a feed query: the place to read before (zero: from the
// newest) and the page size.
func feedArgs(q wire.FeedQuery) (before store.TimeKey, limit int, err error) {
	limit = q.Limit
	switch {
	case limit == 0:
		limit = wire.DefaultFeedLimit
	case limit < 0 || limit > wire.MaxFeedLimit:
		return store.TimeKey{}, 0, apiError(wire.CodeBadRequest, "limit %d is not between 1 and %d", q.Limit, wire.MaxFeedLimit)
	}
	if q.Cursor != "" {
		c, err := parseFeedCursor(q.Cursor)
		if err != nil {
			return store.TimeKey{}, 0, err
		}
		before = store.TimeKey(c)
	}
	return before, limit, nil
}

func feedPageOf(p node.FeedPage) wire.FeedPage {
	out := wire.FeedPage{Items: make([]wire.FeedItem, 0, len(p.Items))}
	for i := range p.Items {
		out.Items = append(out.Items, feedItemOf(&p.Items[i]))
	}
	if p.Next.Cursor > 0 {
		out.NextCursor = feedCursor(p.Next).String()
	}
	return out
}

func feedItemOf(it *node.FeedItem) wire.FeedItem {
	e := it.Entry
	account := it.Account.Device().String()
	if it.AccountKnown {
		account = it.Account.Account().String()
	}
	out := wire.FeedItem{
		ID:         e.ID.String(),
		Account:    account,
		Author:     authorText(e.Header.Author, it.Account),
		AuthorName: it.AuthorName,
		Seq:        e.Header.Seq,
		Timestamp:  e.Header.Timestamp,
		Time:       e.Time,
		Arrived:    e.Arrived,
		Received:   e.Cursor,
		Text:       it.Post.Text,
		Images:     make([]string, 0, len(it.Post.Images)),
		Mine:       it.Mine,
	}
	if !it.AccountKnown {
		// An author whose certificate is not held is shown as a device.
		out.Author = e.Header.Author.Device().String()
	}
	if !it.AuthorImage.IsZero() {
		out.AuthorImage = it.AuthorImage.String()
	}
	for _, b := range it.Post.Images {
		out.Images = append(out.Images, b.String())
	}
	if !it.Post.ReplyTo.IsZero() {
		out.ReplyTo = it.Post.ReplyTo.String()
	}
	if !it.Root.IsZero() {
		out.Root = it.Root.String()
	}
	return out
}

// Thread returns the thread an entry belongs to: its root and its
// replies, oldest first in time order.
func (s *Service) Thread(ctx context.Context, idText string) (wire.Thread, error) {
	id, err := parseEntryID(idText)
	if err != nil {
		return wire.Thread{}, err
	}
	t, err := s.n.Thread(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return wire.Thread{}, apiError(wire.CodeNotFound, "entry %s is not held here, nor any reply to it", id)
	}
	if err != nil {
		return wire.Thread{}, err
	}
	out := wire.Thread{RootID: t.RootID.String(), Replies: make([]wire.FeedItem, 0, len(t.Replies))}
	if t.Root != nil {
		root := feedItemOf(t.Root)
		out.Root = &root
	}
	for i := range t.Replies {
		out.Replies = append(out.Replies, feedItemOf(&t.Replies[i]))
	}
	return out, nil
}

// Account says how this node's account and another stand. An account
// this node knows nothing of is not an error.
func (s *Service) Account(ctx context.Context, accountText string) (wire.Account, error) {
	a, err := parseAccount("account", accountText)
	if err != nil {
		return wire.Account{}, err
	}
	rel, err := s.n.AccountRelation(ctx, a.Key())
	if err != nil {
		return wire.Account{}, err
	}
	return s.accountOf(ctx, rel)
}

func (s *Service) accountOf(ctx context.Context, rel node.Relation) (wire.Account, error) {
	a := rel.Account.Account()
	out := wire.Account{Account: a.String(), Self: rel.Self, Following: rel.Following, Blocked: rel.Blocked, FollowsMe: rel.FollowsMe}
	p, err := s.Profile(ctx, a.String())
	var we *wire.Error
	switch {
	case err == nil:
		out.Profile = &p
	case errors.As(err, &we) && we.Code == wire.CodeNotFound:
	default:
		return wire.Account{}, err
	}
	return out, nil
}

// Follows returns the accounts this node's account follows and those it
// blocks.
func (s *Service) Follows(ctx context.Context) (wire.Follows, error) {
	following, blocked, err := s.n.Follows(ctx)
	if err != nil {
		return wire.Follows{}, err
	}
	out := wire.Follows{Following: make([]wire.Account, 0, len(following)), Blocked: make([]wire.Account, 0, len(blocked))}
	for _, rel := range following {
		a, err := s.accountOf(ctx, rel)
		if err != nil {
			return wire.Follows{}, err
		}
		out.Following = append(out.Following, a)
	}
	for _, rel := range blocked {
		a, err := s.accountOf(ctx, rel)
		if err != nil {
			return wire.Follows{}, err
		}
		out.Blocked = append(out.Blocked, a)
	}
	return out, nil
}

// Followers returns the accounts that follow this node's account, as far
// as it knows.
func (s *Service) Followers(ctx context.Context) (wire.Followers, error) {
	rels, err := s.n.Followers(ctx)
	if err != nil {
		return wire.Followers{}, err
	}
	out := wire.Followers{Followers: make([]wire.Account, 0, len(rels))}
	for _, rel := range rels {
		a, err := s.accountOf(ctx, rel)
		if err != nil {
			return wire.Followers{}, err
		}
		out.Followers = append(out.Followers, a)
	}
	return out, nil
}
