package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Collections (payloads.md §11.6): a directory shared as a tree of blobs,
// fetched in part.

// blobFetchTimeout bounds the fetch of one blob from peers.
const blobFetchTimeout = 2 * time.Minute

// PublishCollection publishes the tree whose top node is root as a
// collection named name. Every node and file of the tree must be held
// here (the caller stored them); files and size are counted, and each
// file's length checked against its entry.
func (n *Node) PublishCollection(ctx context.Context, name string, root blob.ID) (*entry.Entry, *content.Collection, error) {
	c := &content.Collection{Name: name, Root: root}
	if _, err := content.Encode(c); err != nil {
		return nil, nil, err
	}
	top, err := n.heldTree(root)
	if err != nil {
		return nil, nil, fmt.Errorf("root: %w", err)
	}
	err = content.WalkTree(top, func(e content.TreeEntry) ([]content.TreeEntry, error) { return n.heldTree(e.ID) },
		func(p string, e content.TreeEntry) error {
			if e.Kind != content.TreeFile {
				return nil
			}
			ok, size, err := n.blobs.Has(e.ID)
			switch {
			case err != nil:
				return err
			case !ok:
				return fmt.Errorf("file %q (%s) is not in this node's blob store; store every file before publishing: %w", p, e.ID, blob.ErrNotFound)
			case uint64(size) != e.Size:
				return fmt.Errorf("%w: file %q is %d bytes, but its entry says %d", content.ErrTree, p, size, e.Size)
			}
			c.Files++
			c.Size += e.Size
			return nil
		})
	if err != nil {
		return nil, nil, err
	}
	e, err := n.Publish(ctx, c)
	return e, c, err
}

// heldTree reads and decodes a tree node held here.
func (n *Node) heldTree(id blob.ID) ([]content.TreeEntry, error) {
	rc, size, err := n.blobs.Open(id)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("tree node %s is not held here: %w", id, err)
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > content.MaxTreeBlob {
		return nil, fmt.Errorf("tree node %s is %d bytes, at most %d: %w", id, size, content.MaxTreeBlob, content.ErrTree)
	}
	b, err := io.ReadAll(io.LimitReader(rc, content.MaxTreeBlob+1))
	if err != nil {
		return nil, err
	}
	return content.DecodeTree(b)
}

// FetchBlob makes sure blob id is held: at once when it is, else fetched
// from the connected peers (the node must be serving), within
// blobFetchTimeout. It returns the blob's size.
func (n *Node) FetchBlob(ctx context.Context, id blob.ID) (int64, error) {
	if ok, size, err := n.blobs.Has(id); err != nil || ok {
		return size, err
	}
	nw := n.net.Load()
	if nw == nil {
		return 0, fmt.Errorf("blob %s is not held here, and fetching it needs the network: %w", id, ErrNotServing)
	}
	ctx, cancel := context.WithTimeout(ctx, blobFetchTimeout)
	defer cancel()
	if err := nw.blobs.Fetch(ctx, id); err != nil {
		return 0, fmt.Errorf("fetch blob %s: %w", id, err)
	}
	_, size, err := n.blobs.Has(id)
	return size, err
}

// tree returns a tree node, fetching it when it is not held and the node
// serves.
func (n *Node) tree(ctx context.Context, id blob.ID) ([]content.TreeEntry, error) {
	if _, err := n.FetchBlob(ctx, id); err != nil {
		return nil, err
	}
	return n.heldTree(id)
}

// CollectionOf returns the collection entry id names.
func (n *Node) CollectionOf(ctx context.Context, id entry.ID) (*content.Collection, error) {
	e, err := n.store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("entry %s: %w", id, err)
	}
	if e.Payload == nil || e.Deleted {
		return nil, fmt.Errorf("entry %s has no payload here (deleted, or not received yet)", id)
	}
	p, err := content.Decode(e.Payload)
	if err != nil {
		return nil, err
	}
	c, ok := p.(*content.Collection)
	if !ok {
		return nil, fmt.Errorf("entry %s is a %s, not a collection", id, p.Type())
	}
	return c, nil
}

// CollectionFile is a file of a collection below a path.
type CollectionFile struct {
	Path  string // from the path asked for
	Size  uint64
	Blob  blob.ID
	Held  bool
	Entry content.TreeEntry
}

// CollectionListing is what a path of a collection names.
type CollectionListing struct {
	Collection *content.Collection
	Path       string
	Entry      content.TreeEntry   // what Path names (a directory for the root)
	Entries    []content.TreeEntry // a directory's entries
}

// ListCollection returns the entries of the directory path names in the
// collection entry id (or the file it names), fetching the tree nodes on
// the way when they are not held.
func (n *Node) ListCollection(ctx context.Context, id entry.ID, path string) (CollectionListing, error) {
	c, err := n.CollectionOf(ctx, id)
	if err != nil {
		return CollectionListing{}, err
	}
	top, err := n.tree(ctx, c.Root)
	if err != nil {
		return CollectionListing{}, err
	}
	e, es, err := content.ResolveTreePath(top, path, func(e content.TreeEntry) ([]content.TreeEntry, error) { return n.tree(ctx, e.ID) })
	if err != nil {
		return CollectionListing{}, err
	}
	if e.ID.IsZero() {
		e.ID = c.Root
	}
	return CollectionListing{Collection: c, Path: path, Entry: e, Entries: es}, nil
}

// CollectionFiles returns every file below path in the collection entry
// id (or the file path names), fetching the tree nodes on the way, in
// name order, bounded as content.WalkTree is.
func (n *Node) CollectionFiles(ctx context.Context, id entry.ID, path string) ([]CollectionFile, error) {
	l, err := n.ListCollection(ctx, id, path)
	if err != nil {
		return nil, err
	}
	var out []CollectionFile
	add := func(p string, e content.TreeEntry) error {
		if e.Kind != content.TreeFile {
			return nil
		}
		ok, _, err := n.blobs.Has(e.ID)
		if err != nil {
			return err
		}
		out = append(out, CollectionFile{Path: p, Size: e.Size, Blob: e.ID, Held: ok, Entry: e})
		return nil
	}
	if l.Entry.Kind == content.TreeFile {
		return out, add(l.Entry.Name, l.Entry)
	}
	err = content.WalkTree(l.Entries, func(e content.TreeEntry) ([]content.TreeEntry, error) { return n.tree(ctx, e.ID) }, add)
	return out, err
}

// CollectionItem is a collection entry as lists show it.
type CollectionItem struct {
	Entry        *store.Stored
	Collection   *content.Collection
	Account      identity.PublicKey
	AccountKnown bool
	AuthorName   string
	Mine         bool
}

// Collections returns a page of the collection entries of this account
// and of the accounts it follows, not blocked or muted, newest arrival
// first, before the cursor before; Next is 0 on the last page.
func (n *Node) Collections(ctx context.Context, before int64, limit int) ([]CollectionItem, int64, error) {
	if err := checkPageArgs(before, limit); err != nil {
		return nil, 0, err
	}
	authors, err := n.timelineAuthors(ctx)
	if err != nil {
		return nil, 0, err
	}
	public := entry.PublicLog
	es, err := n.store.Find(ctx, store.Query{Type: content.TypeCollection, LogID: &public, Authors: authors, Before: before, Desc: true, Limit: limit + 1})
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(es) > limit {
		es = es[:limit]
		next = es[limit-1].Cursor
	}
	out := []CollectionItem{}
	r := n.newResolver()
	for _, e := range es {
		if e.Payload == nil || e.Deleted {
			continue
		}
		p, err := content.Decode(e.Payload)
		if err != nil {
			continue
		}
		c, ok := p.(*content.Collection)
		if !ok {
			continue
		}
		acc, err := r.account(ctx, e.Header.Author)
		if err != nil {
			return nil, 0, err
		}
		it := CollectionItem{Entry: e, Collection: c, Account: acc.key, AccountKnown: acc.known, Mine: acc.known && acc.key == n.account}
		if acc.known {
			if prof, err := r.profile(ctx, acc.key); err != nil {
				return nil, 0, err
			} else if prof != nil {
				it.AuthorName = prof.Name
			}
		}
		out = append(out, it)
	}
	return out, next, nil
}
