package wire

// CollectionRequest is the body of POST /api/v1/collections: the tree
// whose top node is Root (every node and file stored here already).
type CollectionRequest struct {
	Name string `json:"name"`
	Root string `json:"root"`
}

// CollectionPublished answers POST /api/v1/collections.
type CollectionPublished struct {
	ID    string `json:"id"`
	Seq   uint64 `json:"seq"`
	Files uint64 `json:"files"`
	Size  uint64 `json:"size"`
}

// TreeEntry is one entry of a collection directory.
type TreeEntry struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "file" or "dir"
	Size uint64 `json:"size"`
	Blob string `json:"blob"` // a file's blob, a directory's tree node
	Held bool   `json:"held"` // the blob is stored here
}

// CollectionListing answers GET /api/v1/collections/{id}.
type CollectionListing struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Root    string      `json:"root"`
	Files   uint64      `json:"files"` // as the author counted
	Size    uint64      `json:"size"`  // as the author counted
	Path    string      `json:"path"`
	Entry   TreeEntry   `json:"entry"`   // what path names
	Entries []TreeEntry `json:"entries"` // a directory's entries
}

// CollectionFile is one file below a path.
type CollectionFile struct {
	Path string `json:"path"`
	Size uint64 `json:"size"`
	Blob string `json:"blob"`
	Held bool   `json:"held"`
}

// CollectionFiles answers GET /api/v1/collections/{id}/files.
type CollectionFiles struct {
	Files []CollectionFile `json:"files"`
}

// BlobFetched answers POST /api/v1/blobs/{id}/fetch.
type BlobFetched struct {
	ID   string `json:"id"`
	Size int64  `json:"size"`
}

// CollectionSummary is a collection entry in a list.
type CollectionSummary struct {
	ID         string `json:"id"`
	Account    string `json:"account"`
	AuthorName string `json:"author_name"`
	Timestamp  uint64 `json:"timestamp"`
	Name       string `json:"name"`
	Files      uint64 `json:"files"` // as the author counted
	Size       uint64 `json:"size"`  // as the author counted
	Mine       bool   `json:"mine"`
}

// CollectionPage answers GET /api/v1/collections.
type CollectionPage struct {
	Collections []CollectionSummary `json:"collections"`
	NextCursor  string              `json:"next_cursor,omitempty"`
}
