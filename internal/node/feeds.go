package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// Feeds: the posts a person reads, newest first in time order: each
// post's time is its author's claim where that is plausible, else when it
// arrived here, and never before the post before it in its log
// (store.EntryTime), so a friend's old posts that a follow brings sort
// below your new one, while a peer that claims the future sorts by its
// arrival (it stays on top for at most store.ClockSkew). Ties go by
// arrival. This is display order only; no rule depends on it. A page goes
// on before the last post it showed (its store.TimeKey, fixed when the
// post was stored), so posts arriving meanwhile never shift the pages.
// Only posts in public logs count (a context's posts belong to the
// context), and only those whose payload is held and not deleted.

// MaxFeedLimit bounds the posts of one feed page; MaxThreadReplies the
// replies Thread returns (the oldest ones).
const (
	MaxFeedLimit     = 200
	MaxThreadReplies = 1000
)

// FeedItem is one post as feeds show it.
type FeedItem struct {
	Entry *store.Stored
	Post  *content.Post
	// Account is the author's account; when the author's certificate is
	// not held it is the author (a device) itself, and AccountKnown is
	// false.
	Account      identity.PublicKey
	AccountKnown bool
	// AuthorName and AuthorImage come from the account's latest profile;
	// "" and zero when none is held.
	AuthorName  string
	AuthorImage blob.ID
	// Root is the thread root of a reply; zero for a post that is not.
	Root entry.ID
	// Mine says this node's account wrote it (any of its devices).
	Mine bool
}

// FeedPage is one page of a feed. Next is the key to pass as before for
// the next page; zero on the last page.
type FeedPage struct {
	Items []FeedItem
	Next  store.TimeKey
}

// Thread is a thread: its root and its replies, oldest first in time
// order (as feeds order posts).
type Thread struct {
	RootID entry.ID
	// Root is nil when the root is not held as a post with its payload.
	Root    *FeedItem
	Replies []FeedItem
}

// Relation is how this node's account and another account stand.
type Relation struct {
	Account   identity.PublicKey
	Self      bool // it is this node's account
	Following bool // this account follows it
	Blocked   bool // this account blocks it
	FollowsMe bool // it follows this account
}

// Timeline returns a page of the posts of this node's account and of every
// account it follows and does not block, newest first in time order,
// before the key before (zero: from the newest).
func (n *Node) Timeline(ctx context.Context, before store.TimeKey, limit int) (FeedPage, error) {
	if err := checkFeedArgs(before, limit); err != nil {
		return FeedPage{}, err
	}
	own, err := n.feedRelations(ctx)
	if err != nil {
		return FeedPage{}, err
	}
	var authors []identity.PublicKey
	add := func(account identity.PublicKey) error {
		keys, err := n.keysOf(ctx, account)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if !own.blocked[k] {
				authors = append(authors, k)
			}
		}
		return nil
	}
	if err := add(n.account); err != nil {
		return FeedPage{}, err
	}
	for a, on := range own.follows {
		if on && !own.blocked[a] && a != n.account {
			if err := add(a); err != nil {
				return FeedPage{}, err
			}
		}
	}
	return n.feed(ctx, authors, before, limit)
}

// AccountPosts returns a page of the posts of one account (written by the
// account key or any device it certified, revoked ones included: what they
// wrote before stays valid) or, when who is not an account this node knows
// of, of the key who itself (a device), newest first in time order. A blocked
// account's posts are listed too, if held: asking for them is explicit.
func (n *Node) AccountPosts(ctx context.Context, who identity.PublicKey, before store.TimeKey, limit int) (FeedPage, error) {
	if err := checkFeedArgs(before, limit); err != nil {
		return FeedPage{}, err
	}
	authors, err := n.keysOf(ctx, who)
	if err != nil {
		return FeedPage{}, err
	}
	return n.feed(ctx, authors, before, limit)
}

func checkFeedArgs(before store.TimeKey, limit int) error {
	if limit < 1 || limit > MaxFeedLimit {
		return fmt.Errorf("limit %d is not between 1 and %d", limit, MaxFeedLimit)
	}
	if before.Cursor < 0 || before.Time < 0 {
		return fmt.Errorf("cursor %d at %d is negative", before.Cursor, before.Time)
	}
	return nil
}

// keysOf returns an account key and the keys of every device it certified.
func (n *Node) keysOf(ctx context.Context, account identity.PublicKey) ([]identity.PublicKey, error) {
	devs, err := n.store.Devices(ctx, account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	keys := []identity.PublicKey{account}
	for _, d := range devs {
		keys = append(keys, d.Device)
	}
	return keys, nil
}

// feed reads a page of the posts of authors in public logs, newest first
// in time order. It asks the store for one post more than the page holds,
// to know whether a next page exists.
func (n *Node) feed(ctx context.Context, authors []identity.PublicKey, before store.TimeKey, limit int) (FeedPage, error) {
	public := entry.PublicLog
	es, err := n.store.Find(ctx, store.Query{
		Type: content.TypePost, LogID: &public, Authors: authors,
		ByTime: true, BeforeKey: before, Desc: true, Limit: limit + 1,
	})
	if err != nil {
		return FeedPage{}, err
	}
	page := FeedPage{Items: make([]FeedItem, 0, min(len(es), limit))}
	if len(es) > limit {
		es = es[:limit]
		page.Next = es[limit-1].Key()
	}
	r := n.newResolver()
	for _, e := range es {
		it, ok, err := r.item(ctx, e)
		if err != nil {
			return FeedPage{}, err
		}
		if ok {
			page.Items = append(page.Items, it)
		}
	}
	return page, nil
}

// Thread returns the thread id belongs to: id may be its root or any reply
// in it. Its replies are the first MaxThreadReplies held (by arrival),
// oldest first in time order. Replies by blocked accounts are left out. It returns an error
// wrapping store.ErrNotFound when id is neither held nor the root of a
// reply held.
func (n *Node) Thread(ctx context.Context, id entry.ID) (Thread, error) {
	r := n.newResolver()
	t := Thread{RootID: id, Replies: []FeedItem{}}
	e, err := n.store.Get(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		e = nil
	case err != nil:
		return Thread{}, err
	}
	held := e != nil
	if e != nil {
		if it, ok, err := r.item(ctx, e); err != nil {
			return Thread{}, err
		} else if ok && !it.Root.IsZero() {
			t.RootID = it.Root
			if e, err = n.store.Get(ctx, t.RootID); errors.Is(err, store.ErrNotFound) {
				e = nil
			} else if err != nil {
				return Thread{}, err
			}
		}
	}
	if e != nil {
		if it, ok, err := r.item(ctx, e); err != nil {
			return Thread{}, err
		} else if ok {
			t.Root = &it
		}
	}
	own, err := n.feedRelations(ctx)
	if err != nil {
		return Thread{}, err
	}
	q := store.Query{Thread: &t.RootID, Type: content.TypePost, Limit: MaxThreadReplies}
	for len(t.Replies) < MaxThreadReplies {
		es, err := n.store.Find(ctx, q)
		if err != nil {
			return Thread{}, err
		}
		for _, e := range es {
			q.After = e.Cursor
			if len(t.Replies) == MaxThreadReplies {
				break
			}
			it, ok, err := r.item(ctx, e)
			if err != nil {
				return Thread{}, err
			}
			if ok && !own.blocked[it.Account] && !own.blocked[e.Header.Author] {
				t.Replies = append(t.Replies, it)
			}
		}
		if len(es) < q.Limit {
			break
		}
	}
	if !held && len(t.Replies) == 0 {
		return Thread{}, fmt.Errorf("entry %s: %w", id, store.ErrNotFound)
	}
	// The first MaxThreadReplies to arrive, shown in time order.
	slices.SortFunc(t.Replies, func(a, b FeedItem) int { return a.Entry.Key().Compare(b.Entry.Key()) })
	return t, nil
}

// AccountRelation returns how this node's account and account stand. An
// account this node knows nothing of is no error: it is simply not
// followed, not blocked and does not follow.
func (n *Node) AccountRelation(ctx context.Context, account identity.PublicKey) (Relation, error) {
	own, err := n.ownRelations(ctx)
	if err != nil {
		return Relation{}, err
	}
	return n.relation(ctx, own, account)
}

func (n *Node) relation(ctx context.Context, own relations, account identity.PublicKey) (Relation, error) {
	rel := Relation{
		Account:   account,
		Self:      account == n.account,
		Following: own.follows[account],
		Blocked:   own.blocks[account],
	}
	devs, err := n.store.Devices(ctx, account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Relation{}, err
	}
	keys := make([]identity.PublicKey, 0, len(devs))
	for _, d := range devs {
		keys = append(keys, d.Device)
	}
	theirs, err := n.relationsOf(ctx, keys)
	if err != nil {
		return Relation{}, err
	}
	rel.FollowsMe = theirs.follows[n.account]
	return rel, nil
}

// Follows returns the accounts this node's account follows and those it
// blocks, each ordered by key. An account followed and blocked is in both.
func (n *Node) Follows(ctx context.Context) (following, blocked []Relation, err error) {
	own, err := n.ownRelations(ctx)
	if err != nil {
		return nil, nil, err
	}
	list := func(m map[identity.PublicKey]bool) ([]Relation, error) {
		var keys []identity.PublicKey
		for a, on := range m {
			if on {
				keys = append(keys, a)
			}
		}
		slices.SortFunc(keys, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
		out := make([]Relation, 0, len(keys))
		for _, a := range keys {
			rel, err := n.relation(ctx, own, a)
			if err != nil {
				return nil, err
			}
			out = append(out, rel)
		}
		return out, nil
	}
	if following, err = list(own.follows); err != nil {
		return nil, nil, err
	}
	if blocked, err = list(own.blocks); err != nil {
		return nil, nil, err
	}
	return following, blocked, nil
}

// relations are the follow and block statements of one account, each
// account decided by its newest statement (timestamp, then id), exactly as
// package scope decides whom a node replicates.
type relations struct {
	follows map[identity.PublicKey]bool // account → followed (false: unfollowed)
	blocks  map[identity.PublicKey]bool // account → blocked (false: unblocked)
	// blocked holds the blocked accounts and the keys of their devices.
	blocked map[identity.PublicKey]bool
}

// ownRelations returns this node's account's statements, with the devices
// of the blocked accounts.
func (n *Node) ownRelations(ctx context.Context) (relations, error) {
	devs, err := n.store.Devices(ctx, n.account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return relations{}, err
	}
	keys := make([]identity.PublicKey, 0, len(devs))
	for _, d := range devs {
		keys = append(keys, d.Device)
	}
	rel, err := n.ownRelationsOf(ctx, keys)
	if err != nil {
		return relations{}, err
	}
	for a, on := range rel.blocks {
		if !on {
			continue
		}
		ks, err := n.keysOf(ctx, a)
		if err != nil {
			return relations{}, err
		}
		for _, k := range ks {
			rel.blocked[k] = true
		}
	}
	return rel, nil
}

// relationsOf reads the follow and block entries in the public logs of
// devices (one account's), as the replication scope does.
func (n *Node) relationsOf(ctx context.Context, devices []identity.PublicKey) (relations, error) {
	rel := relations{follows: map[identity.PublicKey]bool{}, blocks: map[identity.PublicKey]bool{}, blocked: map[identity.PublicKey]bool{}}
	follows, blocks, err := scope.Relations(ctx, n.store, devices)
	if err != nil {
		return relations{}, err
	}
	for _, a := range follows {
		rel.follows[a] = true
	}
	for a := range blocks {
		rel.blocks[a] = true
		rel.blocked[a] = true
	}
	return rel, nil
}

// resolver turns stored posts into feed items, remembering accounts and
// profiles for one request.
type resolver struct {
	n        *Node
	accounts map[identity.PublicKey]resolvedAccount // by author key
	profiles map[identity.PublicKey]*content.Profile
}

type resolvedAccount struct {
	key   identity.PublicKey
	known bool
}

func (n *Node) newResolver() *resolver {
	return &resolver{n: n, accounts: map[identity.PublicKey]resolvedAccount{}, profiles: map[identity.PublicKey]*content.Profile{}}
}

// item makes the feed item of e; ok is false when e is not a post whose
// payload is held.
func (r *resolver) item(ctx context.Context, e *store.Stored) (FeedItem, bool, error) {
	if e.Type != content.TypePost || e.Payload == nil || e.Deleted {
		return FeedItem{}, false, nil
	}
	dec, err := content.Decode(e.Payload)
	if err != nil {
		return FeedItem{}, false, nil
	}
	p, ok := dec.(*content.Post)
	if !ok {
		return FeedItem{}, false, nil
	}
	acc, err := r.account(ctx, e.Header.Author)
	if err != nil {
		return FeedItem{}, false, err
	}
	it := FeedItem{
		Entry: e, Post: p, Account: acc.key, AccountKnown: acc.known,
		Root: p.ThreadRoot(), Mine: acc.known && acc.key == r.n.account,
	}
	if acc.known {
		prof, err := r.profile(ctx, acc.key)
		if err != nil {
			return FeedItem{}, false, err
		}
		if prof != nil {
			it.AuthorName, it.AuthorImage = prof.Name, prof.Image
		}
	}
	return it, true, nil
}

// account resolves an author key to its account: the account that
// certified it, or the key itself when it is an account (this node's, or
// one that certified devices); else unknown.
func (r *resolver) account(ctx context.Context, author identity.PublicKey) (resolvedAccount, error) {
	if a, ok := r.accounts[author]; ok {
		return a, nil
	}
	a := resolvedAccount{key: author}
	d, err := r.n.store.AccountOf(ctx, author)
	switch {
	case err == nil:
		a = resolvedAccount{key: d.Account, known: true}
	case !errors.Is(err, store.ErrNotFound):
		return resolvedAccount{}, err
	case author == r.n.account:
		a.known = true
	default:
		devs, err := r.n.store.Devices(ctx, author)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return resolvedAccount{}, err
		}
		a.known = len(devs) > 0
	}
	r.accounts[author] = a
	return a, nil
}

// profile returns an account's latest profile, nil when none is held.
func (r *resolver) profile(ctx context.Context, account identity.PublicKey) (*content.Profile, error) {
	if p, ok := r.profiles[account]; ok {
		return p, nil
	}
	var p *content.Profile
	e, err := r.n.store.LatestProfile(ctx, account)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	case e.Payload != nil:
		if dec, err := content.Decode(e.Payload); err == nil {
			p, _ = dec.(*content.Profile)
		}
	}
	r.profiles[account] = p
	return p, nil
}

// storeClock is the clock the store stamps arrivals with: the node's
// (Options.Now), so a node's entries and their arrivals share one clock.
func (o Options) storeClock() store.Clock {
	if o.Now == nil {
		return store.SystemClock
	}
	return func() int64 { return o.Now().UnixMilli() }
}

// Followers returns the accounts that follow this node's account, as far
// as this node knows: those with a follow entry naming it in a public log
// held here and whose newest follow statement about it (as for
// Relation.FollowsMe) says so; ordered by key. An author whose
// certificate is not held is not an account here and is left out.
func (n *Node) Followers(ctx context.Context) ([]Relation, error) {
	own, err := n.ownRelations(ctx)
	if err != nil {
		return nil, err
	}
	r := n.newResolver()
	public := entry.PublicLog
	cands := map[identity.PublicKey]bool{}
	q := store.Query{Type: content.TypeFollow, LogID: &public, Limit: store.DefaultLimit}
	for {
		es, err := n.store.Find(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			q.After = e.Cursor
			if e.Payload == nil || e.Deleted {
				continue
			}
			dec, err := content.Decode(e.Payload)
			if f, ok := dec.(*content.Follow); err != nil || !ok || f.Account.Key() != n.account {
				continue
			}
			acc, err := r.account(ctx, e.Header.Author)
			if err != nil {
				return nil, err
			}
			if acc.known && acc.key != n.account {
				cands[acc.key] = true
			}
		}
		if len(es) < q.Limit {
			break
		}
	}
	keys := slices.SortedFunc(maps.Keys(cands), func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	out := []Relation{}
	for _, a := range keys {
		rel, err := n.relation(ctx, own, a)
		if err != nil {
			return nil, err
		}
		if rel.FollowsMe {
			out = append(out, rel)
		}
	}
	return out, nil
}
