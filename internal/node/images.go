package node

import (
	"context"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Image entries (payloads.md §11.5): standalone pictures and albums.

// PublishImage publishes a picture or an album. Every image must be a held
// blob that is a picture without location metadata (checkImage); captions,
// when given, are one per image ("" for none).
func (n *Node) PublishImage(ctx context.Context, title string, images []blob.ID, captions []string) (*entry.Entry, error) {
	p := &content.Image{Title: strings.TrimSpace(title), Images: images, Captions: captions}
	if strings.Join(captions, "") == "" {
		p.Captions = nil
	}
	if _, err := content.Encode(p); err != nil {
		return nil, err
	}
	for _, id := range images {
		if err := n.checkImage("image", id); err != nil {
			return nil, err
		}
	}
	return n.Publish(ctx, p)
}

// Album is an image entry as the album view shows it.
type Album struct {
	Entry        *store.Stored
	Image        *content.Image
	Account      identity.PublicKey
	AccountKnown bool
	AuthorName   string
	Mine         bool
}

// AlbumPage is one page of albums; Next is the cursor of the next page, 0
// on the last.
type AlbumPage struct {
	Albums []Album
	Next   int64
}

// Albums returns a page of the image entries of this account and of the
// accounts it follows, not blocked or muted (who zero), or of one account
// (who), newest arrival first, before the cursor before.
func (n *Node) Albums(ctx context.Context, who identity.PublicKey, before int64, limit int) (AlbumPage, error) {
	if err := checkPageArgs(before, limit); err != nil {
		return AlbumPage{}, err
	}
	var authors []identity.PublicKey
	if who != (identity.PublicKey{}) {
		keys, err := n.keysOf(ctx, who)
		if err != nil {
			return AlbumPage{}, err
		}
		authors = keys
	} else {
		keys, err := n.timelineAuthors(ctx)
		if err != nil {
			return AlbumPage{}, err
		}
		authors = keys
	}
	public := entry.PublicLog
	es, err := n.store.Find(ctx, store.Query{Type: content.TypeImage, LogID: &public, Authors: authors, Before: before, Desc: true, Limit: limit + 1})
	if err != nil {
		return AlbumPage{}, err
	}
	page := AlbumPage{Albums: []Album{}}
	if len(es) > limit {
		es = es[:limit]
		page.Next = es[limit-1].Cursor
	}
	r := n.newResolver()
	for _, e := range es {
		if e.Payload == nil || e.Deleted {
			continue
		}
		p, err := content.Decode(e.Payload)
		if err != nil {
			continue
		}
		img, ok := p.(*content.Image)
		if !ok {
			continue
		}
		acc, err := r.account(ctx, e.Header.Author)
		if err != nil {
			return AlbumPage{}, err
		}
		a := Album{Entry: e, Image: img, Account: acc.key, AccountKnown: acc.known, Mine: acc.known && acc.key == n.account}
		if acc.known {
			if prof, err := r.profile(ctx, acc.key); err != nil {
				return AlbumPage{}, err
			} else if prof != nil {
				a.AuthorName = prof.Name
			}
		}
		page.Albums = append(page.Albums, a)
	}
	return page, nil
}

// timelineAuthors are the keys whose entries the timeline shows: this
// account's and those of the accounts it follows, blocked and muted ones
// left out.
func (n *Node) timelineAuthors(ctx context.Context) ([]identity.PublicKey, error) {
	own, err := n.feedRelations(ctx)
	if err != nil {
		return nil, err
	}
	accounts := []identity.PublicKey{n.account}
	for a, on := range own.follows {
		if on && a != n.account && !own.blocked[a] {
			accounts = append(accounts, a)
		}
	}
	var authors []identity.PublicKey
	for _, a := range accounts {
		keys, err := n.keysOf(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if !own.blocked[k] {
				authors = append(authors, k)
			}
		}
	}
	return authors, nil
}

// checkPageArgs checks the arrival cursor and size of a page of albums or
// collections.
func checkPageArgs(before int64, limit int) error {
	if limit < 1 || limit > MaxFeedLimit {
		return fmt.Errorf("limit %d is not between 1 and %d", limit, MaxFeedLimit)
	}
	if before < 0 {
		return fmt.Errorf("cursor %d is negative", before)
	}
	return nil
}
