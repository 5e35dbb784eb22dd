package wire

// Private messages (doc/api.md, "Messages"). A conversation id is 64
// lowercase hexadecimal digits (it is known only to its participants and
// has no text kind); message ids are ent_…, accounts acc_…, devices dev_….

// EventMessage is the event of GET /api/v1/events sent when a message of
// a conversation this device holds arrives or is written here. Data: a
// MessageEvent.
const EventMessage = "message"

// MessageEvent is the data of a message event: ids only; read the
// conversation for the rest.
type MessageEvent struct {
	Conversation string `json:"conversation"`
	ID           string `json:"id"` // ent_…
}

// MessagePerson is a participant or an author: its account and the name
// its profile gives ("" when no profile is held).
type MessagePerson struct {
	Account string `json:"account"` // acc_…; "" when the author device's certificate is not held
	Name    string `json:"name"`
}

// Message is one entry of a conversation as this device reads it.
type Message struct {
	ID     string        `json:"id"`     // ent_…
	Device string        `json:"device"` // dev_… of its author
	Author MessagePerson `json:"author"`
	// Status: readable, not-decrypted (kept as ciphertext: tampered,
	// moved, another key), malformed, refused (the threading left it out;
	// detail says why).
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
	Text   string `json:"text"`
	Start  bool   `json:"start"`           // the conversation's first message
	Reply  string `json:"reply,omitempty"` // ent_… of the message it answers
	// Parent is its place in the tree: its reply when held, else the
	// start; "" for the start itself, or when the start is not held.
	Parent       string `json:"parent,omitempty"`
	ReplyMissing bool   `json:"reply_missing,omitempty"`
	// Time is the author's time (RFC 3339, UTC), from inside the
	// ciphertext: as the author claims it, never used for order.
	Time string `json:"time,omitempty"`
	Mine bool   `json:"mine"` // written by this account
}

// ConversationSummary is one conversation of GET /api/v1/conversations.
type ConversationSummary struct {
	ID string `json:"id"`
	// Verified: the start is held and opened, so the participants are
	// known and every message was checked against them. An unverified
	// conversation lists no participants.
	Verified bool `json:"verified"`
	// Participants are who can read it: every current device of these
	// accounts (as the creator claims, doc/protocol/messages.md §9).
	Participants []MessagePerson `json:"participants"`
	Messages     int             `json:"messages"` // readable messages
	Last         *Message        `json:"last"`     // the last in causal order; null when none
	// Renewals: the conversation's key was renewed after a device of a
	// participant was revoked (doc/protocol/messages.md §11); absent
	// when it never was.
	Renewals []KeyRenewal `json:"renewals,omitempty"`
}

// KeyRenewal is one renewal of a conversation's key as this device knows
// it.
type KeyRenewal struct {
	By     MessagePerson `json:"by"`     // who renewed it
	Device string        `json:"device"` // the name of the device that did
	// Revoked names the revoked devices it leaves out; absent when this
	// device cannot tell.
	Revoked []string `json:"revoked,omitempty"`
	// Given: this device holds the new key; false: it cannot read what
	// is sealed under it (e.g. it is the revoked device).
	Given   bool `json:"given"`
	Current bool `json:"current"` // this device seals under it
}

// ConversationList answers GET /api/v1/conversations: the latest activity
// first.
type ConversationList struct {
	Conversations []ConversationSummary `json:"conversations"`
}

// Conversation answers GET /api/v1/conversations/{id}: the readable
// messages in causal order, then the entries that are not.
type Conversation struct {
	ConversationSummary
	Thread []Message `json:"thread"`
	// Earlier counts the messages of the thread before the first one
	// given (?limit= left them out).
	Earlier int `json:"earlier"`
	// Older is the ?before= of the page before this one: an opaque
	// cursor, "" when Earlier is 0.
	Older string `json:"older,omitempty"`
}

// MessageSend is the body of POST /api/v1/conversations: start a
// conversation with these people.
type MessageSend struct {
	// To names the recipients: account ids (acc_…), or names of people
	// this account follows (their profile's name, matched as 'kith' lists
	// names alike).
	To   []string `json:"to"`
	Text string   `json:"text"`
}

// MessageReply is the body of POST /api/v1/conversations/{id}/messages.
type MessageReply struct {
	Text    string `json:"text"`
	ReplyTo string `json:"reply_to,omitempty"` // ent_… of the message it answers
}

// MessageSent answers both.
type MessageSent struct {
	Conversation string `json:"conversation"`
	ID           string `json:"id"` // ent_… of the message
}
