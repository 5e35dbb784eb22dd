package message

import (
	"encoding/binary"
	"fmt"

	"github.com/kithnet/kith/internal/seal"
	"golang.org/x/crypto/chacha20poly1305"
)

// Sealed message layout (messages.md §4): a box (seal.SealBox) whose
// prefix is the version and the nonce.
const (
	sealedVersion = 1
	sealedPrefix  = 1 + chacha20poly1305.NonceSizeX // version, nonce
	// MaxBody is the largest body that can be sealed.
	MaxBody = seal.MaxPayload - sealedPrefix - seal.BoxOverhead
)

var payloadAADLabel = []byte("kith-msg-payload-v1\x00")

// BucketFor is the sealed size of a body of n bytes, or 0 when it is too
// large. The buckets are the keyring's (seal.Buckets).
func BucketFor(n int) int { return seal.BoxSize(sealedPrefix, n) }

func payloadAAD(c *Conversation, pos Position, prefix []byte) []byte {
	b := make([]byte, 0, len(payloadAADLabel)+32*3+8+sealedPrefix)
	b = append(b, payloadAADLabel...)
	b = append(b, c.id[:]...)
	b = append(b, pos.Author[:]...)
	b = append(b, pos.LogID[:]...)
	b = binary.BigEndian.AppendUint64(b, pos.Seq)
	return append(b, prefix...)
}

// checkAuthor applies §3's rule that only the creator writes a start.
func checkAuthor(c *Conversation, author ID, m *Message) error {
	if m.IsStart() && author != c.Creator {
		return fieldErr("participants", "a start message by device %x, but only the conversation's creator %x writes one", author[:8], c.Creator[:8])
	}
	return nil
}

// Seal encrypts m for the entry at pos of conversation c under
// generation 0, with the author's real time timeMs inside, padded to a
// bucket. pos.LogID must be c.LogID(pos.Author).
func Seal(c *Conversation, pos Position, timeMs uint64, m *Message) ([]byte, error) {
	return SealIn(c, nil, pos, timeMs, m)
}

// keyOf is the AEAD key of generation g of c (nil: generation 0).
func keyOf(c *Conversation, g *Generation) *[32]byte {
	if g == nil {
		return &c.msgKey
	}
	return &g.msgKey
}

// SealIn is Seal under generation g (nil: generation 0, messages.md §11).
func SealIn(c *Conversation, g *Generation, pos Position, timeMs uint64, m *Message) ([]byte, error) {
	if want := c.LogID(pos.Author); pos.LogID != want {
		return nil, fmt.Errorf("%w: sealing for log %x, the author's log of the conversation is %x", ErrWrongLog, pos.LogID[:8], want[:8])
	}
	if err := checkAuthor(c, pos.Author, m); err != nil {
		return nil, err
	}
	body, err := EncodeBody(m)
	if err != nil {
		return nil, err
	}
	size := BucketFor(len(body))
	if size == 0 {
		return nil, fmt.Errorf("%w: a %d-byte body, at most %d", ErrTooLarge, len(body), MaxBody)
	}
	prefix := make([]byte, sealedPrefix)
	prefix[0] = sealedVersion
	aad := func(prefix []byte) []byte { return payloadAAD(c, pos, prefix) }
	return seal.SealBox(keyOf(c, g), prefix, size, aad, timeMs, body)
}

// Opened is a decrypted message.
type Opened struct {
	TimeMs uint64 // the author's real time, as it claims it
	Msg    *Message
	Gen    *Generation // the generation it opened under; nil: generation 0
}

// Open decrypts a sealed message of conversation c found at pos under
// generation 0. Outcomes, in this order (messages.md §4): ErrMalformed,
// ErrWrongLog, ErrNotDecrypted, ErrMalformed (padding, body, start
// rules).
func Open(c *Conversation, pos Position, p []byte) (*Opened, error) {
	return OpenIn(c, nil, pos, p)
}

// OpenIn is Open under the generations gens (their trial order,
// Generations.Trial; generation 0 is tried last): the first that opens
// is the message's (messages.md §11).
func OpenIn(c *Conversation, gens []*Generation, pos Position, p []byte) (*Opened, error) {
	if !seal.IsBucket(len(p)) {
		return nil, fmt.Errorf("%w: sealed message is %d bytes, not one of the bucket sizes %v", ErrMalformed, len(p), seal.Buckets)
	}
	if p[0] != sealedVersion {
		return nil, fmt.Errorf("%w: sealed message version %d, want %d", ErrMalformed, p[0], sealedVersion)
	}
	if want := c.LogID(pos.Author); pos.LogID != want {
		return nil, fmt.Errorf("%w: message in log %x, the author's log of the conversation is %x", ErrWrongLog, pos.LogID[:8], want[:8])
	}
	aad := payloadAAD(c, pos, p[:sealedPrefix])
	var (
		timeMs uint64
		body   []byte
		err    error
		gen    *Generation
	)
	for i := 0; i <= len(gens); i++ {
		gen = nil
		if i < len(gens) {
			gen = gens[i]
		}
		timeMs, body, err = seal.OpenBox(keyOf(c, gen), p, sealedPrefix, aad)
		if err != ErrNotDecrypted {
			break
		}
	}
	if err == ErrNotDecrypted && len(gens) == 0 {
		return nil, fmt.Errorf("%w (seq %d)", ErrNotDecrypted, pos.Seq)
	} else if err == ErrNotDecrypted {
		return nil, fmt.Errorf("%w (seq %d, under none of the %d key generations held)", ErrNotDecrypted, pos.Seq, len(gens)+1)
	} else if err != nil {
		return nil, err
	}
	m, err := DecodeBody(body)
	if err != nil {
		return nil, err
	}
	if err := checkAuthor(c, pos.Author, m); err != nil {
		return nil, err
	}
	return &Opened{TimeMs: timeMs, Msg: m, Gen: gen}, nil
}

// Kind is what a payload of a conversation log is (messages.md §4).
type Kind int

// The kinds of payload a conversation log holds.
const (
	KindOther        Kind = iota // neither: malformed in a conversation log
	KindAnnouncement             // first byte 0x87: an announcement part
	KindMessage                  // first byte 0x01: a sealed message
)

// KindOf tells an announcement part from a sealed message by its first
// byte, without decoding it.
func KindOf(p []byte) Kind {
	switch {
	case len(p) == 0:
		return KindOther
	case p[0] == 0x87:
		return KindAnnouncement
	case p[0] == sealedVersion:
		return KindMessage
	}
	return KindOther
}
