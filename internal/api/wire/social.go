package wire

// Reactions, tags and mutes (doc/api.md, "Reactions, tags and mutes").

// ReactRequest is the body of PUT /api/v1/entries/{id}/reaction: one of
// Emoji (one of Reactions.Emoji) or Text (1–32 bytes).
type ReactRequest struct {
	Emoji string `json:"emoji,omitempty"`
	Text  string `json:"text,omitempty"`
}

// Reacted answers a reaction, or its withdrawal (Value "").
type Reacted struct {
	ID     string `json:"id"`     // the reaction entry
	Target string `json:"target"` // the entry reacted to
	Value  string `json:"value"`  // the emoji or text; "" when withdrawn
}

// ReactionCount is how many accounts reacted to an entry with one value.
type ReactionCount struct {
	Value string `json:"value"`
	Emoji bool   `json:"emoji"` // Value is one of Reactions.Emoji
	Count int    `json:"count"`
}

// EntryReactions are the counted reactions to one entry.
type EntryReactions struct {
	Entry  string          `json:"entry"`
	Counts []ReactionCount `json:"counts"`
	Mine   string          `json:"mine"` // this account's reaction, "" when none
}

// Reactions answers GET /api/v1/reactions.
type Reactions struct {
	Emoji   []string         `json:"emoji"` // the emoji a reaction may carry, in order
	Entries []EntryReactions `json:"entries"`
}

// TagRequest is the body of POST /api/v1/entries/{id}/tags.
type TagRequest struct {
	Label   string `json:"label"`
	Removed bool   `json:"removed,omitempty"` // take the label off
}

// Tagged answers a tag.
type Tagged struct {
	ID      string `json:"id"`
	Target  string `json:"target"`
	Label   string `json:"label"`
	Removed bool   `json:"removed"`
}

// TagCount is one label on an entry.
type TagCount struct {
	Label string `json:"label"`
	Count int    `json:"count"`
	Mine  bool   `json:"mine"`
}

// EntryTags are the labels on one entry.
type EntryTags struct {
	Entry  string     `json:"entry"`
	Labels []TagCount `json:"labels"`
}

// Tags answers GET /api/v1/tags.
type Tags struct {
	Entries []EntryTags `json:"entries"`
}

// MyTag is an entry this account labelled.
type MyTag struct {
	Entry string `json:"entry"`
	Label string `json:"label"`
}

// MyTags answers GET /api/v1/tags/mine.
type MyTags struct {
	Tags []MyTag `json:"tags"`
}

// MutedAccount is one muted account with its name.
type MutedAccount struct {
	Account string `json:"account"`
	Name    string `json:"name"` // "" when no profile is held
}

// Mutes answers GET /api/v1/mutes and a mute or unmute.
type Mutes struct {
	Accounts []MutedAccount `json:"accounts"`
}
