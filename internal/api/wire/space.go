package wire

// Spaces (doc/api.md, "Spaces"). Space and entry ids are ent_… (the space
// id is the id of its space.create entry), members acc_…, devices dev_….

// SpaceCreate is the body of POST /api/v1/spaces: a space among chosen
// accounts, or from a village (its current locals are the members).
type SpaceCreate struct {
	Name    string   `json:"name"`
	Village string   `json:"village,omitempty"` // ent_…; then admins and members must be empty
	Admins  []string `json:"admins,omitempty"`  // acc_…, besides this node's account (always an admin)
	Members []string `json:"members,omitempty"` // acc_…
	// History: members added later also read what was sealed before they
	// joined (doc/protocol/spaces.md §3); fixed at creation. Default no.
	History bool `json:"history,omitempty"`
}

// SpaceEntry answers the endpoints that append an entry to a space.
type SpaceEntry struct {
	ID    string `json:"id"`    // the entry appended
	Space string `json:"space"` // the space id
}

// SpaceSummary is one space of GET /api/v1/spaces.
type SpaceSummary struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"` // admin, member, or none (removed, left)
	Members int    `json:"members"`
}

// SpaceList answers GET /api/v1/spaces.
type SpaceList struct {
	Spaces []SpaceSummary `json:"spaces"`
}

// SpaceMember is one member of a space.
type SpaceMember struct {
	Account string `json:"account"` // acc_…
	Role    string `json:"role"`    // admin or member
	// Name is the name in the account's latest profile held here; left
	// out when none is held.
	Name string `json:"name,omitempty"`
	Me   bool   `json:"me"` // this node's account
}

// SpaceIgnored is a membership entry of the space that took no effect.
type SpaceIgnored struct {
	Entry  string `json:"entry"`
	Reason string `json:"reason"`
}

// Space answers GET /api/v1/spaces/{id}: the space as this node holds it.
type Space struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Village string `json:"village,omitempty"` // the village it was created from
	Me      string `json:"me"`                // this node's account
	Role    string `json:"role"`              // this account's: admin, member, none
	// CanWrite: this device may seal a message now. Otherwise Waiting
	// says why, for people.
	CanWrite bool   `json:"can_write"`
	Waiting  string `json:"waiting,omitempty"`
	// EpochsOpened: the key epochs of the space whose key this device
	// holds.
	EpochsOpened int `json:"epochs_opened"`
	// History: members added later also read what was sealed before.
	History bool `json:"history"`
	// Members are the accounts that can read what is sealed from now on
	// (their current devices get the keys): admins first, then by name.
	Members []SpaceMember  `json:"members"`
	Ignored []SpaceIgnored `json:"ignored"`
}

// SpaceMessage is one content entry of a space as this device reads it.
type SpaceMessage struct {
	ID      string `json:"id"`               // ent_…
	Account string `json:"account"`          // acc_… of the author; "" when its device speaks for no account known here
	Name    string `json:"name,omitempty"`   // the author's profile name held here
	Device  string `json:"device"`           // dev_… that sealed it
	Seq     uint64 `json:"seq"`              // in the device's content log of the space
	Status  string `json:"status"`           // readable, sealed, not-decrypted, not-member, outdated-epoch, malformed
	Detail  string `json:"detail,omitempty"` // why, when not readable
	// Text, Reply and Time are set when Status is readable; Time is the
	// author's time from inside the ciphertext, in milliseconds since
	// 1970.
	Text  string `json:"text,omitempty"`
	Reply string `json:"reply,omitempty"`
	Time  uint64 `json:"time,omitempty"`
	// Removed: the author's account is no longer a member.
	Removed bool `json:"removed"`
	Mine    bool `json:"mine"` // written by this node's account
}

// SpaceMessages answers GET /api/v1/spaces/{id}/messages: a page of the
// messages held (the latest, or those before ?before=), oldest first.
type SpaceMessages struct {
	Space    string         `json:"space"`
	Messages []SpaceMessage `json:"messages"`
	// Earlier counts the messages held before the first one given
	// (?limit= left them out).
	Earlier int `json:"earlier"`
	// Older is the ?before= of the page before this one: an opaque
	// cursor, "" when Earlier is 0.
	Older string `json:"older,omitempty"`
}

// Page selects a page of a listing that goes from the latest back:
// at most Limit items (0: the server's default) before the cursor Before
// (an Older of an earlier answer; "": from the latest).
type Page struct {
	Limit  int
	Before string
}

// SpacePost is the body of POST /api/v1/spaces/{id}/messages.
type SpacePost struct {
	Text  string `json:"text"`
	Reply string `json:"reply,omitempty"` // ent_… of the message it answers
}

// SpaceMemberAdd is the body of POST /api/v1/spaces/{id}/members.
type SpaceMemberAdd struct {
	Account string `json:"account"`        // acc_…
	Role    string `json:"role,omitempty"` // member (default) or admin
}

// SpaceRole is the body of PUT /api/v1/spaces/{id}/members/{account}/role.
type SpaceRole struct {
	Role string `json:"role"` // member or admin
}
