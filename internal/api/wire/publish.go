package wire

// PostRequest is the body of POST /api/v1/posts.
type PostRequest struct {
	Text string `json:"text"`
	// Images are blob ids (blob_…) already stored, e.g. by POST
	// /api/v1/blobs?publish=true.
	Images []string `json:"images,omitempty"`
	// ReplyTo is the entry (ent_…) this post answers; "" for none.
	ReplyTo string `json:"reply_to,omitempty"`
}

// Posted answers POST /api/v1/posts: the entry published.
type Posted struct {
	ID  string `json:"id"`
	Seq uint64 `json:"seq"`
}

// ProfileUpdate is the body of PUT /api/v1/profile. Absent (null) fields
// keep their current value; at least one must be given. Image "" removes the
// profile image.
type ProfileUpdate struct {
	Name  *string `json:"name,omitempty"`
	About *string `json:"about,omitempty"`
	Image *string `json:"image,omitempty"` // blob_…, stored already
}

// ProfileSet answers PUT /api/v1/profile: the profile entry published and
// the whole profile it holds.
type ProfileSet struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	About string `json:"about"`
	Image string `json:"image,omitempty"`
}

// Profile is an account's latest profile (GET /api/v1/profile/{account}).
type Profile struct {
	Account   string `json:"account"`
	Entry     string `json:"entry"`     // the profile entry
	Author    string `json:"author"`    // the device (or account) that wrote it
	Timestamp uint64 `json:"timestamp"` // the author's claim, ms since the epoch
	Name      string `json:"name"`
	About     string `json:"about"`
	Image     string `json:"image,omitempty"`
}

// Follow answers PUT and DELETE /api/v1/follows/{account}.
type Follow struct {
	ID        string `json:"id"` // the follow entry published
	Account   string `json:"account"`
	Following bool   `json:"following"`
}

// Block answers PUT and DELETE /api/v1/blocks/{account}.
type Block struct {
	ID       string `json:"id"` // the block entry published
	Account  string `json:"account"`
	Blocking bool   `json:"blocking"`
}

// BlobAdded answers POST /api/v1/blobs.
type BlobAdded struct {
	ID   string `json:"id"` // blob_…
	Size int64  `json:"size"`
	// LocationRemoved says that ?publish=true removed location metadata
	// from the image.
	LocationRemoved bool `json:"location_removed"`
}
