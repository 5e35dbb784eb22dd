package api

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
)

// collectionErr gives a tree that breaks the rules of payloads.md §10.6
// the code bad_request.
func collectionErr(err error) error {
	if errors.Is(err, content.ErrTree) {
		return withCode(wire.CodeBadRequest, err)
	}
	return err
}

// PublishCollection publishes a stored tree as a collection.
func (s *Service) PublishCollection(ctx context.Context, req wire.CollectionRequest) (wire.CollectionPublished, error) {
	root, err := parseBlobID("root", req.Root)
	if err != nil {
		return wire.CollectionPublished{}, err
	}
	if err := s.requireBlob("root tree node", root); err != nil {
		return wire.CollectionPublished{}, err
	}
	e, c, err := s.n.PublishCollection(ctx, req.Name, root)
	if err != nil {
		return wire.CollectionPublished{}, collectionErr(err)
	}
	return wire.CollectionPublished{ID: e.ID.String(), Seq: e.Header.Seq, Files: c.Files, Size: c.Size}, nil
}

func (s *Service) treeEntry(e content.TreeEntry) wire.TreeEntry {
	kind := "file"
	if e.Kind == content.TreeDir {
		kind = "dir"
	}
	held, _, _ := s.n.Blobs().Has(e.ID)
	return wire.TreeEntry{Name: e.Name, Kind: kind, Size: e.Size, Blob: e.ID.String(), Held: held}
}

// ListCollection lists the directory (or names the file) path names in a
// collection, fetching the tree nodes on the way from peers.
func (s *Service) ListCollection(ctx context.Context, id, path string) (wire.CollectionListing, error) {
	eid, err := parseEntryID(id)
	if err != nil {
		return wire.CollectionListing{}, err
	}
	l, err := s.n.ListCollection(ctx, eid, path)
	if err != nil {
		return wire.CollectionListing{}, collectionErr(err)
	}
	c := l.Collection
	out := wire.CollectionListing{ID: eid.String(), Name: c.Name, Root: c.Root.String(), Files: c.Files, Size: c.Size, Path: path, Entry: s.treeEntry(l.Entry), Entries: make([]wire.TreeEntry, len(l.Entries))}
	for i, e := range l.Entries {
		out.Entries[i] = s.treeEntry(e)
	}
	return out, nil
}

// CollectionFiles lists every file below path in a collection.
func (s *Service) CollectionFiles(ctx context.Context, id, path string) (wire.CollectionFiles, error) {
	eid, err := parseEntryID(id)
	if err != nil {
		return wire.CollectionFiles{}, err
	}
	fs, err := s.n.CollectionFiles(ctx, eid, path)
	if err != nil {
		return wire.CollectionFiles{}, collectionErr(err)
	}
	out := wire.CollectionFiles{Files: make([]wire.CollectionFile, len(fs))}
	for i, f := range fs {
		out.Files[i] = wire.CollectionFile{Path: f.Path, Size: f.Size, Blob: f.Blob.String(), Held: f.Held}
	}
	return out, nil
}

// FetchBlob makes sure a blob is stored here, fetching it from peers.
func (s *Service) FetchBlob(ctx context.Context, id string) (wire.BlobFetched, error) {
	bid, err := parseBlobID("blob", id)
	if err != nil {
		return wire.BlobFetched{}, err
	}
	size, err := s.n.FetchBlob(ctx, bid)
	if err != nil {
		return wire.BlobFetched{}, err
	}
	return wire.BlobFetched{ID: bid.String(), Size: size}, nil
}

// Collections returns a page of the collections of the timeline's
// accounts.
func (s *Service) Collections(ctx context.Context, q wire.FeedQuery) (wire.CollectionPage, error) {
	before, err := parseSpaceCursor(q.Cursor)
	if err != nil {
		return wire.CollectionPage{}, err
	}
	limit, err := pageLimit(q.Limit, wire.DefaultFeedLimit, wire.MaxFeedLimit)
	if err != nil {
		return wire.CollectionPage{}, err
	}
	items, next, err := s.n.Collections(ctx, before, limit)
	if err != nil {
		return wire.CollectionPage{}, err
	}
	out := wire.CollectionPage{Collections: make([]wire.CollectionSummary, len(items))}
	for i, it := range items {
		acc := it.Account.Device().String()
		if it.AccountKnown {
			acc = it.Account.Account().String()
		}
		c := it.Collection
		out.Collections[i] = wire.CollectionSummary{ID: it.Entry.ID.String(), Account: acc, AuthorName: it.AuthorName, Timestamp: it.Entry.Header.Timestamp, Name: c.Name, Files: c.Files, Size: c.Size, Mine: it.Mine}
	}
	if next > 0 {
		out.NextCursor = spaceCursorText(next)
	}
	return out, nil
}
