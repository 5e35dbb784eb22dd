package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Post publishes a post. It needs a text or an image, and every image must
// already be a stored blob that is a picture (checkPost).
func (n *Node) Post(ctx context.Context, text string, images []blob.ID, replyTo entry.ID) (*entry.Entry, error) {
	if err := n.checkPost(text, images); err != nil {
		return nil, err
	}
	p := &content.Post{Text: text, Images: images, ReplyTo: replyTo}
	if !replyTo.IsZero() {
		parent, err := n.store.Get(ctx, replyTo)
		if err == nil && parent.Type == content.TypePost && parent.Payload != nil {
			if pp, err := content.Decode(parent.Payload); err == nil {
				if root := pp.(*content.Post).ThreadRoot(); !root.IsZero() && root != replyTo {
					p.Root = root
				}
			}
		}
	}
	return n.Publish(ctx, p)
}

// ProfileUpdate changes some fields of the profile; nil fields keep their
// current value.
type ProfileUpdate struct {
	Name  *string
	About *string
	Image *blob.ID
}

// SetProfile publishes a new profile, starting from the account's latest.
func (n *Node) SetProfile(ctx context.Context, u ProfileUpdate) (*entry.Entry, *content.Profile, error) {
	p := &content.Profile{}
	if cur, err := n.store.LatestProfile(ctx, n.account); err == nil && cur.Payload != nil {
		if dec, err := content.Decode(cur.Payload); err == nil {
			p = dec.(*content.Profile)
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	if u.Name != nil {
		p.Name = *u.Name
	}
	if u.About != nil {
		p.About = *u.About
	}
	if u.Image != nil {
		if !u.Image.IsZero() {
			if err := n.checkImage("profile image", *u.Image); err != nil {
				return nil, nil, err
			}
		}
		p.Image = *u.Image
	}
	e, err := n.Publish(ctx, p)
	return e, p, err
}

// Follow publishes a follow (following=false: unfollow).
func (n *Node) Follow(ctx context.Context, account identity.PublicKey, following bool) (*entry.Entry, error) {
	return n.Publish(ctx, &content.Follow{Account: account.Account(), Following: following})
}

// Block publishes a block (blocking=false: unblock).
func (n *Node) Block(ctx context.Context, account identity.PublicKey, blocking bool) (*entry.Entry, error) {
	return n.Publish(ctx, &content.Block{Account: account.Account(), Blocking: blocking})
}

// Delete publishes a delete of one of this device's own entries.
func (n *Node) Delete(ctx context.Context, target entry.ID) (*entry.Entry, error) {
	if err := n.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	t, err := n.store.Get(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("entry %s: %w", target, err)
	}
	if t.Header.Author != n.device.Public() {
		return nil, fmt.Errorf("entry %s was written by another device; only its author can delete it", target)
	}
	return n.Publish(ctx, &content.Delete{Target: target})
}

// LogsOf returns the heads of the logs that belong to who: for an account,
// the logs it authored (device certificates) and the logs of every device it
// certified; for a device, its own logs. Ordered as the store orders heads.
func (n *Node) LogsOf(ctx context.Context, who identity.PublicKey) ([]store.Head, error) {
	authors := []identity.PublicKey{who}
	devs, err := n.store.Devices(ctx, who)
	if err != nil {
		return nil, err
	}
	for _, d := range devs {
		if d.Device != who {
			authors = append(authors, d.Device)
		}
	}
	var out []store.Head
	for _, a := range authors {
		hs, err := store.HeadsOf(ctx, n.store, a)
		if err != nil {
			return nil, err
		}
		out = append(out, hs...)
	}
	// As the store orders heads: by author, then log id.
	slices.SortFunc(out, func(a, b store.Head) int {
		if c := bytes.Compare(a.Log.Author[:], b.Log.Author[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.Log.LogID[:], b.Log.LogID[:])
	})
	return out, nil
}

// EachEntry calls fn for every entry of the given logs, log by log in seq
// order, reading in pages so memory stays bounded.
func (n *Node) EachEntry(ctx context.Context, logs []store.Head, fn func(*store.Stored) error) error {
	const page = 1000
	for _, h := range logs {
		for from := uint64(1); from <= h.Seq; {
			es, err := n.store.Log(ctx, h.Log, from, page)
			if err != nil {
				return err
			}
			if len(es) == 0 {
				break
			}
			for _, e := range es {
				if err := fn(e); err != nil {
					return err
				}
			}
			from = es[len(es)-1].Header.Seq + 1
		}
	}
	return nil
}
