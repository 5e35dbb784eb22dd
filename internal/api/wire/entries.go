package wire

// Entry is one entry as the API shows it (GET /api/v1/entries and
// /api/v1/entries/{id}); 'kith log --json' and 'kith show --json' print
// the same object.
type Entry struct {
	ID     string `json:"id"`     // ent_…
	Author string `json:"author"` // acc_… when an account key wrote it, else dev_…
	LogID  string `json:"log_id"` // log_…
	Seq    uint64 `json:"seq"`
	// Backlink is the id of the entry at Seq-1; null at seq 1.
	Backlink    *string `json:"backlink"`
	Timestamp   uint64  `json:"timestamp"` // the author's claim, ms since the epoch
	Flags       uint64  `json:"flags"`
	PayloadSize uint64  `json:"payload_size"`
	// Type is the payload's type; null when the payload is not held or
	// not a typed payload.
	Type *string `json:"type"`
	// Payload is the decoded payload (doc/protocol/payloads.md, with ids in
	// their text forms), {"opaque_hex": "…"} for bytes that are not a
	// payload, or null when not held.
	Payload  map[string]any `json:"payload"`
	Deleted  bool           `json:"deleted,omitempty"`  // the author deleted the payload
	Withheld bool           `json:"withheld,omitempty"` // the payload is not held
}

// EntriesQuery selects a page of GET /api/v1/entries: the entries of an
// account (all its devices' logs) or of one device, log by log in seq order.
type EntriesQuery struct {
	// Author is an account (acc_…) or device (dev_…) id; "" means this
	// node's account.
	Author string
	// Cursor is NextCursor of the previous page; "" starts at the beginning.
	Cursor string
	// Limit is the most entries a page holds: 1 to MaxEntriesLimit, 0 for
	// DefaultEntriesLimit.
	Limit int
}

// Page sizes of GET /api/v1/entries.
const (
	DefaultEntriesLimit = 100
	MaxEntriesLimit     = 1000
)

// EntryPage is one page of GET /api/v1/entries.
type EntryPage struct {
	Entries []Entry `json:"entries"`
	// NextCursor continues the listing; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// RawEntry is an entry's exact bytes (GET /api/v1/entries/{id}?raw=true).
type RawEntry struct {
	ID         string  `json:"id"`
	HeaderHex  string  `json:"header_hex"`  // the encoded signed header
	PayloadHex *string `json:"payload_hex"` // null when the payload is not held
}

// Deleted answers DELETE /api/v1/entries/{id}.
type Deleted struct {
	ID      string `json:"id"`      // the delete entry published
	Deleted string `json:"deleted"` // the entry whose payload is deleted
}
