package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/kithnet/kith/internal/blob"
)

func init() {
	register(&command{
		name:    "blob add",
		args:    "FILE",
		summary: "store a file as a blob and print its id; --publish removes image location metadata first",
		flags:   boolFlag("publish", "remove location metadata from JPEG/PNG images before storing"),
		run:     runBlobAdd,
	})
	register(&command{
		name:    "blob get",
		args:    "BLOB_ID",
		summary: "write a blob to --out FILE (or to stdout), verifying its hash",
		flags:   strFlag("out", "write to FILE instead of stdout"),
		run:     runBlobGet,
	})
}

func runBlobAdd(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	f, err := os.Open(c.args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	return c.withBackend(func(b backend) error {
		added, err := b.AddBlob(ctx, f, c.flagBool("publish"))
		if err != nil {
			return err
		}
		return c.out(map[string]any{"id": added.ID, "size": added.Size, "location_removed": added.LocationRemoved}, func(w io.Writer) {
			if added.LocationRemoved {
				fmt.Fprintln(c.env.Stderr, "removed location metadata")
			}
			fmt.Fprintln(w, added.ID)
		})
	})
}

func runBlobGet(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := blob.ParseID(c.args[0])
	if err != nil {
		return usagef("%v", err)
	}
	out := c.str("out")
	if out == "" && c.json {
		return usagef("--json needs --out FILE (the blob's bytes cannot share stdout with JSON)")
	}
	return c.withBackend(func(b backend) error {
		rc, size, err := b.OpenBlob(ctx, id.String())
		if err != nil {
			return err
		}
		defer rc.Close()
		if err := c.copyBlobOut(rc, out); err != nil || out == "" {
			return err
		}
		return c.out(map[string]any{"id": id.String(), "size": size, "out": out}, func(w io.Writer) {
			fmt.Fprintf(w, "wrote %d bytes to %s\n", size, out)
		})
	})
}

// copyBlobOut writes a blob's bytes to stdout when out is empty, else to the
// file out, whole or not at all (a fetched blob is an ordinary file).
func (c *call) copyBlobOut(rc io.Reader, out string) error {
	if out == "" {
		_, err := io.Copy(c.env.Stdout, rc)
		return err
	}
	f, err := createOut(out)
	if err != nil {
		return err
	}
	defer f.abort()
	if _, err := io.Copy(f, rc); err != nil {
		return err
	}
	return f.commit(0o644)
}
