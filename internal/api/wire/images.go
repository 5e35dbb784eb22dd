package wire

// ImageRequest is the body of POST /api/v1/images: a picture or an album.
// Images are blob ids of stored pictures (add them with POST
// /api/v1/blobs?publish=true); Captions, when given, has one per image.
type ImageRequest struct {
	Title    string   `json:"title,omitempty"`
	Images   []string `json:"images"`
	Captions []string `json:"captions,omitempty"`
}

// AlbumImage is one picture of an album.
type AlbumImage struct {
	Blob    string `json:"blob"`
	Caption string `json:"caption"`
}

// Album is an image entry.
type Album struct {
	ID         string       `json:"id"`
	Account    string       `json:"account"`
	AuthorName string       `json:"author_name"`
	Timestamp  uint64       `json:"timestamp"`
	Title      string       `json:"title"`
	Images     []AlbumImage `json:"images"`
	Mine       bool         `json:"mine"`
}

// AlbumPage answers GET /api/v1/images.
type AlbumPage struct {
	Albums     []Album `json:"albums"`
	NextCursor string  `json:"next_cursor,omitempty"`
}
