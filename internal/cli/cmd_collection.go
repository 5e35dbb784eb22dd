package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
)

func init() {
	register(&command{
		name:    "share",
		args:    "DIR",
		summary: "share a directory as a collection: a tree of blobs others fetch in part (JPEG/PNG location metadata is removed)",
		flags:   flags(strFlag("name", "the collection's name (default: the directory's name)")),
		run:     runShare,
	})
	register(&command{
		name:    "files",
		args:    "COLLECTION [PATH]",
		summary: "list a directory of a collection (fetching its listing from peers when needed)",
		run:     runFiles,
	})
	register(&command{
		name:    "fetch",
		args:    "COLLECTION [PATH]",
		summary: "fetch a file or directory of a collection from peers into --out (default: a new directory named after the collection)",
		flags:   flags(strFlag("out", "the directory to write into; files already there are not overwritten")),
		run:     runFetch,
	})
}

// shareFile is a file found under the shared directory.
type shareFile struct {
	rel  string // slash-separated, from the shared directory
	full string
}

// scanShare lists the regular files and directories under dir, checking
// names and the limits of payloads.md §10.6; symlinks and special files
// are skipped, with a note on stderr.
func scanShare(dir string, warn io.Writer) (files []shareFile, dirs map[string][]fs.DirEntry, err error) {
	dirs = map[string][]fs.DirEntry{}
	count := 0
	var walk func(rel string, depth int) error
	walk = func(rel string, depth int) error {
		if depth > content.MaxTreeDepth {
			return fmt.Errorf("%s: more than %d directory levels; share a smaller part", rel, content.MaxTreeDepth)
		}
		full := filepath.Join(dir, filepath.FromSlash(rel))
		es, err := os.ReadDir(full)
		if err != nil {
			return err
		}
		var kept []fs.DirEntry
		for _, e := range es {
			p := path.Join(rel, e.Name())
			if err := content.CheckTreeName(e.Name()); err != nil {
				return fmt.Errorf("%s: %v; rename it, or share a directory without it", filepath.Join(full, e.Name()), err)
			}
			switch {
			case e.Type().IsDir():
				if err := walk(p, depth+1); err != nil {
					return err
				}
			case e.Type().IsRegular():
				files = append(files, shareFile{rel: p, full: filepath.Join(full, e.Name())})
			default:
				fmt.Fprintf(warn, "kith: skipping %s: not a regular file or directory\n", termText(filepath.Join(full, e.Name())))
				continue
			}
			if count++; count > content.MaxTreeFiles {
				return fmt.Errorf("%s holds more than %d files and directories; share a smaller part", dir, content.MaxTreeFiles)
			}
			kept = append(kept, e)
		}
		if len(kept) > content.MaxTreeEntries {
			return fmt.Errorf("%s holds %d entries, at most %d in one directory", full, len(kept), content.MaxTreeEntries)
		}
		dirs[rel] = kept
		return nil
	}
	return files, dirs, walk("", 0)
}

func runShare(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	dir := c.args[0]
	if st, err := os.Stat(dir); err != nil {
		return err
	} else if !st.IsDir() {
		return usagef("%s is not a directory", dir)
	}
	name := c.str("name")
	if name == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		name = filepath.Base(abs)
	}
	files, dirs, err := scanShare(dir, c.env.Stderr)
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		sb, ok := b.(socialBackend)
		if !ok {
			return fmt.Errorf("this node's API has no collections")
		}
		stored := map[string]content.TreeEntry{} // rel path → entry
		removed := 0
		for i, f := range files {
			r, err := os.Open(f.full)
			if err != nil {
				return err
			}
			added, err := b.AddBlob(ctx, r, true)
			r.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", f.full, err)
			}
			id, err := blob.ParseID(added.ID)
			if err != nil {
				return err
			}
			if added.LocationRemoved {
				removed++
			}
			stored[f.rel] = content.TreeEntry{Kind: content.TreeFile, Name: path.Base(f.rel), Size: uint64(added.Size), ID: id}
			if !c.json {
				fmt.Fprintf(c.env.Stderr, "\rstored %d of %d files", i+1, len(files))
			}
		}
		if !c.json && len(files) > 0 {
			fmt.Fprintln(c.env.Stderr)
		}
		// Directories bottom-up: a directory's node names its children's.
		var node func(rel string) (content.TreeEntry, error)
		node = func(rel string) (content.TreeEntry, error) {
			var es []content.TreeEntry
			var total uint64
			for _, e := range dirs[rel] {
				p := path.Join(rel, e.Name())
				te, ok := stored[p]
				if e.IsDir() {
					var err error
					if te, err = node(p); err != nil {
						return content.TreeEntry{}, err
					}
				} else if !ok {
					continue
				}
				es = append(es, te)
				total += te.Size
			}
			enc, err := content.EncodeTree(es)
			if err != nil {
				return content.TreeEntry{}, fmt.Errorf("%s: %w", rel, err)
			}
			added, err := b.AddBlob(ctx, bytes.NewReader(enc), false)
			if err != nil {
				return content.TreeEntry{}, err
			}
			id, err := blob.ParseID(added.ID)
			if err != nil {
				return content.TreeEntry{}, err
			}
			return content.TreeEntry{Kind: content.TreeDir, Name: path.Base(rel), Size: total, ID: id}, nil
		}
		root, err := node("")
		if err != nil {
			return err
		}
		pub, err := sb.PublishCollection(ctx, wire.CollectionRequest{Name: name, Root: root.ID.String()})
		if err != nil {
			return err
		}
		return c.out(map[string]any{"id": pub.ID, "seq": pub.Seq, "name": name, "root": root.ID.String(), "files": pub.Files, "size": pub.Size, "location_removed": removed}, func(w io.Writer) {
			fmt.Fprintf(w, "You shared %q: %d files, %s. Others fetch it with: kith fetch %s\n", termText(name), pub.Files, sizeText(int64(pub.Size)), pub.ID)
			if removed > 0 {
				fmt.Fprintf(w, "Location metadata was removed from %d pictures.\n", removed)
			}
		})
	})
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func collectionArgs(c *call) (id, p string, err error) {
	if err := c.wantArgs(1, 2); err != nil {
		return "", "", err
	}
	if id, err = parseEntryArg(c.args[0]); err != nil {
		return "", "", err
	}
	if len(c.args) == 2 {
		p = c.args[1]
		if _, err := content.SplitTreePath(p); err != nil {
			return "", "", usagef("%v", err)
		}
	}
	return id, p, nil
}

func runFiles(ctx context.Context, c *call) error {
	id, p, err := collectionArgs(c)
	if err != nil {
		return err
	}
	return c.withSocial(func(b socialBackend) error {
		l, err := b.ListCollection(ctx, id, p)
		if err != nil {
			return err
		}
		return c.out(l, func(w io.Writer) {
			fmt.Fprintf(w, "%s/%s\n", termText(l.Name), termText(path.Clean("/" + l.Path)[1:]))
			if l.Entry.Kind == "file" {
				fmt.Fprintf(w, "  %s  %s\n", termText(l.Entry.Name), sizeText(int64(l.Entry.Size)))
				return
			}
			if len(l.Entries) == 0 {
				fmt.Fprintln(w, "  (empty)")
			}
			for _, e := range l.Entries {
				name := termText(e.Name)
				if e.Kind == "dir" {
					name += "/"
				}
				held := ""
				if e.Held && e.Kind == "file" {
					held = "  (here)"
				}
				fmt.Fprintf(w, "  %-40s %10s%s\n", name, sizeText(int64(e.Size)), held)
			}
		})
	})
}

func runFetch(ctx context.Context, c *call) error {
	id, p, err := collectionArgs(c)
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		sb, ok := b.(socialBackend)
		if !ok {
			return fmt.Errorf("this node's API has no collections")
		}
		l, err := sb.ListCollection(ctx, id, p)
		if err != nil {
			return err
		}
		out := c.str("out")
		if out == "" {
			out = l.Name
			if content.CheckTreeName(out) != nil {
				out = id
			}
		}
		fs, err := sb.CollectionFiles(ctx, id, p)
		if err != nil {
			return err
		}
		var total, done int64
		for _, f := range fs.Files {
			total += int64(f.Size)
		}
		for i, f := range fs.Files {
			parts, err := content.SplitTreePath(f.Path) // the node checked the names; check again before touching the disk
			if err != nil {
				return err
			}
			dst := filepath.Join(append([]string{out}, parts...)...)
			if _, err := sb.FetchBlob(ctx, f.Blob); err != nil {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
			if err := writeFetched(ctx, b, f, dst); err != nil {
				return err
			}
			done += int64(f.Size)
			if !c.json {
				fmt.Fprintf(c.env.Stderr, "\rfetched %d of %d files, %s of %s", i+1, len(fs.Files), sizeText(done), sizeText(total))
			}
		}
		if !c.json && len(fs.Files) > 0 {
			fmt.Fprintln(c.env.Stderr)
		}
		return c.out(map[string]any{"collection": id, "path": p, "out": out, "files": len(fs.Files), "size": total}, func(w io.Writer) {
			fmt.Fprintf(w, "Fetched %d %s (%s) into %s\n", len(fs.Files), plural(len(fs.Files), "file", "files"), sizeText(total), out)
		})
	})
}

// writeFetched copies a fetched file's blob to dst, never over an existing
// file, and checks its length against the tree's.
func writeFetched(ctx context.Context, b backend, f wire.CollectionFile, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, _, err := b.OpenBlob(ctx, f.Blob)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	defer rc.Close()
	w, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("%w; remove it or choose another --out", err)
	}
	n, err := io.Copy(w, io.LimitReader(rc, int64(f.Size)+1))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != int64(f.Size) {
		err = fmt.Errorf("%s: the blob is %d bytes, the collection says %d; the file is not kept", f.Path, n, f.Size)
	}
	if err != nil {
		os.Remove(dst)
		return err
	}
	return nil
}
