package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

func init() {
	register(&command{
		name:    "post",
		args:    "TEXT",
		summary: "publish a post; --image FILE (repeatable) attaches images with location metadata removed",
		flags:   flags(multi("image", "attach an image file (JPEG/PNG location metadata is removed)"), strFlag("reply-to", "the entry id (ent_…) this post answers")),
		run:     runPost,
	})
	register(&command{
		name:    "profile set",
		summary: "publish your profile; fields not given keep their current value",
		flags:   flags(strFlag("name", "display name"), strFlag("about", "a few words about you"), strFlag("image", "an avatar image file (location metadata is removed)")),
		run:     runProfileSet,
	})
	register(&command{
		name:    "delete",
		args:    "ENTRY_ID",
		summary: "delete the payload of one of your entries (its header stays; every node drops the payload)",
		run:     runDelete,
	})
}

// addImage stores an image file as a blob for publication.
func addImage(n *node.Node, path string) (blob.ID, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return blob.ID{}, false, err
	}
	defer f.Close()
	id, _, stripped, err := n.AddBlob(f, true)
	if err != nil {
		return blob.ID{}, false, fmt.Errorf("image %s: %w", path, err)
	}
	return id, stripped, nil
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
	var reply entry.ID
	if s := c.str("reply-to"); s != "" {
		id, err := entry.ParseID(s)
		if err != nil {
			return usagef("--reply-to: %v", err)
		}
		reply = id
	}
	return c.withNode(func(n *node.Node) error {
		var images []blob.ID
		res := publishedJSON{}
		for _, path := range *c.multi["image"] {
			id, stripped, err := addImage(n, path)
			if err != nil {
				return err
			}
			images = append(images, id)
			res.Images = append(res.Images, id.String())
			if stripped {
				res.Removed = append(res.Removed, path)
			}
		}
		e, err := n.Post(ctx, c.args[0], images, reply)
		if err != nil {
			return err
		}
		res.ID, res.Seq = e.ID.String(), e.Header.Seq
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
	var u node.ProfileUpdate
	if c.set("name") {
		v := c.str("name")
		u.Name = &v
	}
	if c.set("about") {
		v := c.str("about")
		u.About = &v
	}
	if u.Name == nil && u.About == nil && !c.set("image") {
		return usagef("give at least one of --name, --about, --image")
	}
	return c.withNode(func(n *node.Node) error {
		if c.set("image") {
			id, _, err := addImage(n, c.str("image"))
			if err != nil {
				return err
			}
			u.Image = &id
		}
		e, p, err := n.SetProfile(ctx, u)
		if err != nil {
			return err
		}
		out := map[string]any{"id": e.ID.String(), "name": p.Name, "about": p.About}
		if !p.Image.IsZero() {
			out["image"] = p.Image.String()
		}
		return c.out(out, func(w io.Writer) { fmt.Fprintln(w, e.ID) })
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
	return c.withNode(func(n *node.Node) error {
		e, err := n.Delete(ctx, target)
		if err != nil {
			return err
		}
		return c.out(map[string]any{"id": e.ID.String(), "deleted": target.String()}, func(w io.Writer) { fmt.Fprintln(w, e.ID) })
	})
}
