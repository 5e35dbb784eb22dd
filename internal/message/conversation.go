package message

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/kithnet/kith/internal/seal"
)

// ID is a 32-byte identifier: a device key, a log id, a conversation id.
type ID = seal.ID

// Position is where an entry sits: its author device, log id and seq.
type Position = seal.Position

// Limits of messages.md §2 and §8.
const (
	// MaxRecipients is the most devices one announcement wraps to.
	MaxRecipients = 400
	// MaxParts is the most parts (entries) one announcement spans.
	MaxParts = 32
)

var (
	msgSpaceLabel = []byte("kith-msg-v1\x00")
	convIDLabel   = []byte("kith-msg-conversation-v1\x00")
	msgKeyLabel   = []byte("kith-msg-key-v1\x00")
	logKeyLabel   = []byte("kith-msg-log-key-v1\x00")
	logIDLabel    = []byte("kith-msg-log-v1\x00")
)

// MsgSpace is the space id every conversation's announcement uses in its
// epoch id and wrap info (messages.md §2): SHA-256("kith-msg-v1\0").
var MsgSpace = ID(sha256.Sum256(msgSpaceLabel))

// Conversation is what a participant device holds of a conversation: its
// secret and its creator device. Everything else derives from them.
type Conversation struct {
	Secret  [32]byte
	Creator ID // the device that started it

	id     ID
	msgKey [32]byte
	logKey [32]byte
}

func hmacSum(key, label []byte, more ...[]byte) (out [32]byte) {
	m := hmac.New(sha256.New, key)
	m.Write(label)
	for _, b := range more {
		m.Write(b)
	}
	m.Sum(out[:0])
	return out
}

// newConversation derives a conversation's ids and keys (messages.md §1).
func newConversation(secret [32]byte, creator ID) *Conversation {
	c := &Conversation{Secret: secret, Creator: creator}
	h := sha256.New()
	h.Write(convIDLabel)
	h.Write(creator[:])
	h.Write(secret[:])
	h.Sum(c.id[:0])
	c.msgKey = hmacSum(secret[:], msgKeyLabel, creator[:])
	c.logKey = hmacSum(secret[:], logKeyLabel, creator[:])
	return c
}

// ID is the conversation id: known only to participants, it names the
// conversation in the sealed messages' AAD and in a key store.
func (c *Conversation) ID() ID { return c.id }

// LogID is the log id of device's log of this conversation.
func (c *Conversation) LogID(device ID) ID {
	return hmacSum(c.logKey[:], logIDLabel, device[:])
}

// epoch is the keyring epoch an announcer announces for c: the 64 wrapped
// bytes are the secret and the creator device (messages.md §2).
func (c *Conversation) epoch(announcer ID) *seal.Epoch {
	return &seal.Epoch{
		ID:      seal.EpochID(MsgSpace, announcer, nil, c.Secret, c.Creator),
		Creator: announcer,
		Key:     c.Secret,
		LogKey:  c.Creator,
	}
}

// AnnouncedEpoch is the public epoch id of announcer's announcements of
// c (messages.md §2): a node that holds c skips parts of this epoch
// instead of trying their wraps again.
func (c *Conversation) AnnouncedEpoch(announcer ID) ID { return c.epoch(announcer).ID }

// Started is a new conversation as its creator writes it: the payloads of
// its log (log id LogID) from seq 1 on, the announcement's parts and then
// the start message.
type Started struct {
	Conv     *Conversation
	LogID    ID
	Payloads [][]byte
}

// Start begins a conversation: creator is the sending device, recipients
// the current seal.key of every other device that is to read it (every
// device of every participant account and the creator's own other
// devices; not the creator itself), start the first message (its
// Participants must be set), timeMs the sender's real time. The secret is
// drawn from crypto/rand.
func Start(creator ID, recipients []seal.Recipient, start *Message, timeMs uint64) (*Started, error) {
	if len(start.Participants) == 0 {
		return nil, fieldErr("participants", "the start message names the participants")
	}
	// Refuse a body that cannot be sealed before spending an encapsulation.
	body, err := EncodeBody(start)
	if err != nil {
		return nil, err
	}
	if BucketFor(len(body)) == 0 {
		return nil, fmt.Errorf("%w: a %d-byte start message, at most %d", ErrTooLarge, len(body), MaxBody)
	}
	var secret [32]byte
	rand.Read(secret[:])
	c := newConversation(secret, creator)
	parts, err := c.announce(creator, recipients)
	if err != nil {
		return nil, err
	}
	logID := c.LogID(creator)
	p, err := Seal(c, Position{Author: creator, LogID: logID, Seq: uint64(len(parts) + 1)}, timeMs, start)
	if err != nil {
		return nil, err
	}
	return &Started{Conv: c, LogID: logID, Payloads: append(parts, p)}, nil
}

// Reannounce wraps c's secret to recipients (a participant's new devices)
// as announcer, the device that writes the parts in its own log of c
// (messages.md §2, re-announcement).
func (c *Conversation) Reannounce(announcer ID, recipients []seal.Recipient) ([][]byte, error) {
	return c.announce(announcer, recipients)
}

func (c *Conversation) announce(announcer ID, recipients []seal.Recipient) ([][]byte, error) {
	return announceEpoch(c.epoch(announcer), recipients)
}

// announceEpoch wraps e to recipients within §2's limits.
func announceEpoch(e *seal.Epoch, recipients []seal.Recipient) ([][]byte, error) {
	if len(recipients) == 0 {
		return nil, fmt.Errorf("%w: a conversation needs at least one recipient device", ErrMalformed)
	}
	if len(recipients) > MaxRecipients {
		return nil, fmt.Errorf("%w: %d recipient devices, at most %d per announcement", ErrTooLarge, len(recipients), MaxRecipients)
	}
	parts, err := seal.Wrap(MsgSpace, e, recipients)
	if err != nil {
		return nil, err
	}
	if len(parts) > MaxParts {
		return nil, fmt.Errorf("%w: %d recipient devices need %d parts, at most %d", ErrTooLarge, len(recipients), len(parts), MaxParts)
	}
	return parts, nil
}

// CheckAnnouncement decodes an announcement part found at pos and applies
// the checks of messages.md §2 step 1, which cost no decapsulation.
func CheckAnnouncement(pos Position, payload []byte) (*seal.Announcement, error) {
	a, err := seal.DecodeAnnouncement(payload)
	if err != nil {
		return nil, err
	}
	switch {
	case len(a.Prev) != 0:
		return nil, fmt.Errorf("%w: a conversation's announcement names no previous epoch, this one %d", ErrMalformed, len(a.Prev))
	case a.Parts > MaxParts:
		return nil, fmt.Errorf("%w: announcement of %d parts, a conversation's has at most %d", ErrMalformed, a.Parts, MaxParts)
	case a.Creator != pos.Author:
		return nil, fmt.Errorf("%w: announcement by device %x names %x as its announcer", ErrMalformed, pos.Author[:8], a.Creator[:8])
	}
	return a, nil
}

// OpenAnnouncement opens an announcement part found at pos for device
// with private key dk (messages.md §2). Outcomes, in this order:
// ErrMalformed, ErrNotForMe, ErrEpochMismatch, ErrWrongLog. Whether the
// part's author is worth trying (its account is the device's own or one it
// accepts messages from) is the caller's to check first.
func OpenAnnouncement(device ID, dk *seal.DecryptionKey, pos Position, payload []byte) (*Conversation, error) {
	a, err := CheckAnnouncement(pos, payload)
	if err != nil {
		return nil, err
	}
	e, err := seal.OpenEpoch(MsgSpace, device, dk, a)
	if err != nil {
		return nil, err
	}
	c := newConversation(e.Key, e.LogKey)
	if want := c.LogID(pos.Author); want != pos.LogID {
		return nil, fmt.Errorf("%w: announcement part in log %x, its author's log of the conversation is %x", ErrWrongLog, pos.LogID[:8], want[:8])
	}
	return c, nil
}

// storedVersion is the first byte of a Conversation's stored form.
const storedVersion = 1

// StoredSize is the length of a Conversation's stored form.
const StoredSize = 1 + 32 + 32

// MarshalBinary is the conversation as a device's key store keeps it
// (messages.md §1): 0x01 ‖ creator ‖ secret. It is secret: the key store
// encrypts it.
func (c *Conversation) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, StoredSize)
	b = append(b, storedVersion)
	b = append(b, c.Creator[:]...)
	return append(b, c.Secret[:]...), nil
}

// ParseConversation reads what MarshalBinary wrote.
func ParseConversation(b []byte) (*Conversation, error) {
	if len(b) != StoredSize || b[0] != storedVersion {
		return nil, fmt.Errorf("%w: a stored conversation is %d bytes starting with %d", ErrMalformed, StoredSize, storedVersion)
	}
	return newConversation([32]byte(b[33:]), ID(b[1:33])), nil
}
