package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
)

func init() {
	register(&command{
		name:    "post",
		args:    "TEXT",
		summary: "publish a post; --image FILE (repeatable) attaches images with location metadata removed",
		flags:   flags(multi("image", "attach a JPEG, PNG, GIF or WebP picture (JPEG/PNG location metadata is removed)"), strFlag("reply-to", "the entry id (ent_…) this post answers")),
		run:     runPost,
	})
	register(&command{
		name:    "profile set",
		summary: "publish your profile; fields not given keep their current value",
		flags:   flags(strFlag("name", "display name"), strFlag("about", "a few words about you"), strFlag("image", "an avatar picture: JPEG, PNG, GIF or WebP (location metadata is removed)")),
		run:     runProfileSet,
	})
	register(&command{
		name:    "delete",
		args:    "ENTRY_ID",
		summary: "delete the payload of one of your entries (its header stays; every node drops the payload)",
		run:     runDelete,
	})
}

// addImage stores an image file as a blob for publication, with its
// location metadata removed. A file that is no picture is refused before it
// is stored (the node would refuse the post or profile naming it).
func addImage(ctx context.Context, b backend, path string) (wire.BlobAdded, error) {
	f, err := os.Open(path)
	if err != nil {
		return wire.BlobAdded{}, err
	}
	defer f.Close()
	if _, err := blob.CheckImage(f); err != nil {
		return wire.BlobAdded{}, fmt.Errorf("image %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return wire.BlobAdded{}, err
	}
	added, err := b.AddBlob(ctx, f, true)
	if err != nil {
		return wire.BlobAdded{}, fmt.Errorf("image %s: %w", path, err)
	}
	return added, nil
}

type publishedJSON struct {
	ID      string   `json:"id"`
	Seq     uint64   `json:"seq"`
	Images  []string `json:"images,omitempty"`
	Removed []string `json:"location_removed_from,omitempty"`
}

func runPost(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	req := wire.PostRequest{Text: c.args[0]}
	if s := c.str("reply-to"); s != "" {
		id, err := entry.ParseID(s)
		if err != nil {
			return usagef("--reply-to: %v", err)
		}
		req.ReplyTo = id.String()
	}
	return c.withBackend(func(b backend) error {
		res := publishedJSON{}
		for _, path := range *c.multi["image"] {
			added, err := addImage(ctx, b, path)
			if err != nil {
				return err
			}
			req.Images = append(req.Images, added.ID)
			res.Images = append(res.Images, added.ID)
			if added.LocationRemoved {
				res.Removed = append(res.Removed, path)
			}
		}
		p, err := b.Post(ctx, req)
		if err != nil {
			return err
		}
		res.ID, res.Seq = p.ID, p.Seq
		return c.out(res, func(w io.Writer) {
			for _, p := range res.Removed {
				fmt.Fprintf(c.env.Stderr, "removed location metadata from %s\n", p)
			}
			fmt.Fprintln(w, res.ID)
		})
	})
}

func runProfileSet(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	var req wire.ProfileUpdate
	if c.set("name") {
		v := c.str("name")
		req.Name = &v
	}
	if c.set("about") {
		v := c.str("about")
		req.About = &v
	}
	if req.Name == nil && req.About == nil && !c.set("image") {
		return usagef("give at least one of --name, --about, --image")
	}
	return c.withBackend(func(b backend) error {
		if c.set("image") {
			added, err := addImage(ctx, b, c.str("image"))
			if err != nil {
				return err
			}
			req.Image = &added.ID
		}
		p, err := b.SetProfile(ctx, req)
		if err != nil {
			return err
		}
		out := map[string]any{"id": p.ID, "name": p.Name, "about": p.About}
		if p.Image != "" {
			out["image"] = p.Image
		}
		return c.out(out, func(w io.Writer) { fmt.Fprintln(w, p.ID) })
	})
}

func runDelete(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	target, err := entry.ParseID(c.args[0])
	if err != nil {
		return usagef("%v", err)
	}
	return c.withBackend(func(b backend) error {
		d, err := b.DeleteEntry(ctx, target.String())
		if err != nil {
			return err
		}
		return c.out(map[string]any{"id": d.ID, "deleted": d.Deleted}, func(w io.Writer) { fmt.Fprintln(w, d.ID) })
	})
}
