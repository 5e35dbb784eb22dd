package wire

// FeedItem is one post as feeds show it (GET /api/v1/timeline,
// /api/v1/accounts/{account}/posts, /api/v1/threads/{id}).
type FeedItem struct {
	ID string `json:"id"` // ent_…
	// Account is the author's account (acc_…), or the author itself
	// (dev_…) while its certificate is not held.
	Account string `json:"account"`
	Author  string `json:"author"` // the device (dev_…, or acc_…) that signed it
	// AuthorName is the name in the account's latest profile; "" when
	// none is held.
	AuthorName string `json:"author_name"`
	// AuthorImage is the image of that profile (blob_…); absent when none.
	AuthorImage string `json:"author_image,omitempty"`
	Seq         uint64 `json:"seq"`
	Timestamp   uint64 `json:"timestamp"` // the author's claim, ms since the epoch
	// Time is where feeds show and order the post, ms since the epoch:
	// the author's claim when plausible, else Arrived, never before the
	// post before it in its log (doc/api.md, "Feeds and accounts").
	Time int64 `json:"time"`
	// Arrived is when the post arrived at this node, ms since the epoch
	// by its clock.
	Arrived int64 `json:"arrived"`
	// Received is the post's arrival cursor on this node (a number local
	// to it): posts of one time are ordered by it.
	Received int64    `json:"received"`
	Text     string   `json:"text"`
	Images   []string `json:"images"`             // blob_…; [] when none
	ReplyTo  string   `json:"reply_to,omitempty"` // ent_…; absent when not a reply
	Root     string   `json:"root,omitempty"`     // the thread root, ent_…; absent when not a reply
	Mine     bool     `json:"mine"`               // written by this node's account
	// Replies is, on a feed's post that starts a thread, the number of
	// replies its thread shows (at most 1,000 counted); absent on a reply
	// and in a thread's answer.
	Replies *int `json:"replies,omitempty"`
}

// FeedQuery selects a page of a feed.
type FeedQuery struct {
	// Cursor is NextCursor of the previous page; "" starts at the newest.
	Cursor string
	// Limit is the most posts a page holds: 1 to MaxFeedLimit, 0 for
	// DefaultFeedLimit.
	Limit int
}

// Page sizes of the feeds.
const (
	DefaultFeedLimit = 50
	MaxFeedLimit     = 200
)

// FeedPage is one page of a feed, newest first in time order.
type FeedPage struct {
	Items []FeedItem `json:"items"`
	// NextCursor continues the feed; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// Thread answers GET /api/v1/threads/{id}.
type Thread struct {
	RootID string `json:"root_id"` // ent_…
	// Root is null when the root is not held as a post with its payload.
	Root    *FeedItem  `json:"root"`
	Replies []FeedItem `json:"replies"` // oldest first in time order
}

// Account answers GET /api/v1/accounts/{account}: how this node's account
// and another stand.
type Account struct {
	Account   string   `json:"account"` // acc_…
	Self      bool     `json:"self"`    // it is this node's account
	Following bool     `json:"following"`
	Blocked   bool     `json:"blocked"`
	FollowsMe bool     `json:"follows_me"`
	Profile   *Profile `json:"profile"` // null when no profile is held
}

// Follows answers GET /api/v1/follows.
type Follows struct {
	Following []Account `json:"following"`
	Blocked   []Account `json:"blocked"`
}

// Followers answers GET /api/v1/followers: the accounts that follow this
// node's account, as far as it knows, ordered by account key.
type Followers struct {
	Followers []Account `json:"followers"`
}
