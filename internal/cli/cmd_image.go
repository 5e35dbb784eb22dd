package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	register(&command{
		name:    "image",
		args:    "FILE...",
		summary: "publish a picture or an album (up to 32 pictures; location metadata is removed); --caption (repeatable, in order) and --title",
		flags:   flags(multi("caption", "a caption, for the pictures in order (\"\" for none)"), strFlag("title", "the album's title")),
		run:     runImage,
	})
	register(&command{
		name:    "images",
		summary: "list the pictures and albums of you and the accounts you follow (--account: of one account)",
		flags:   flags(strFlag("account", "only this account's (acc_…)"), strFlag("limit", "how many albums (1 to 200; default 50)")),
		run:     runImages,
	})
}

func runImage(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 32); err != nil {
		return err
	}
	captions := *c.multi["caption"]
	if len(captions) > len(c.args) {
		return usagef("%d captions for %d pictures: give at most one per picture, in order", len(captions), len(c.args))
	}
	return c.withBackend(func(b backend) error {
		sb, ok := b.(socialBackend)
		if !ok {
			return fmt.Errorf("this node's API has no images")
		}
		req := wire.ImageRequest{Title: c.str("title")}
		for i, path := range c.args {
			added, err := addImage(ctx, b, path)
			if err != nil {
				return err
			}
			req.Images = append(req.Images, added.ID)
			caption := ""
			if i < len(captions) {
				caption = captions[i]
			}
			req.Captions = append(req.Captions, caption)
		}
		if len(captions) == 0 {
			req.Captions = nil
		}
		r, err := sb.PublishImage(ctx, req)
		if err != nil {
			return err
		}
		return c.out(map[string]any{"id": r.ID, "seq": r.Seq, "images": req.Images}, func(w io.Writer) {
			if len(req.Images) == 1 {
				fmt.Fprintf(w, "You published a picture: %s\n", r.ID)
			} else {
				fmt.Fprintf(w, "You published an album of %d pictures: %s\n", len(req.Images), r.ID)
			}
		})
	})
}

func runImages(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	q := wire.FeedQuery{Limit: 50}
	if l := c.str("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return usagef("--limit %q is not a number from 1 to 200", l)
		}
		q.Limit = n
	}
	account := ""
	if a := c.str("account"); a != "" {
		var err error
		if account, err = parseAccountArg(a); err != nil {
			return err
		}
	}
	return c.withSocial(func(b socialBackend) error {
		p, err := b.Albums(ctx, account, q)
		if err != nil {
			return err
		}
		return c.out(p, func(w io.Writer) {
			if len(p.Albums) == 0 {
				fmt.Fprintln(w, "No pictures yet. Publish some: kith image FILE...")
			}
			for _, a := range p.Albums {
				who := a.AuthorName
				if who == "" {
					who = a.Account
				}
				title := a.Title
				if title == "" {
					title = "(untitled)"
				}
				fmt.Fprintf(w, "%s — %s, %d %s  %s\n", termText(who), termText(title), len(a.Images), plural(len(a.Images), "picture", "pictures"), a.ID)
				for _, im := range a.Images {
					if im.Caption != "" {
						fmt.Fprintf(w, "  %s  %s\n", im.Blob, termText(im.Caption))
					} else {
						fmt.Fprintf(w, "  %s\n", im.Blob)
					}
				}
			}
		})
	})
}
