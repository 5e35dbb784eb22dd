package message

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/seal"
)

// Limits of messages.md §11.
const (
	// MaxGeneration is the highest generation number.
	MaxGeneration = 16
	// CoveredSize is the length of a generation's digest of the revoked
	// devices it leaves out.
	CoveredSize = 14
	genTagSize  = 16
)

var (
	coveredLabel = []byte("kith-msg-covered-v1\x00")
	genTagLabel  = []byte("kith-msg-generation-v1\x00")
	genIDLabel   = []byte("kith-msg-generation-id-v1\x00")
	genKeyLabel  = []byte("kith-msg-generation-key-v1\x00")
)

// Covered is the digest of a set of revoked devices (messages.md §11).
type Covered [CoveredSize]byte

// CoveredOf is the digest of the revoked devices revoked, in any order,
// duplicates ignored: SHA-256 of the label and the sorted distinct keys,
// its first 14 bytes.
func CoveredOf(revoked []ID) Covered {
	s := slices.Clone(revoked)
	slices.SortFunc(s, func(a, b ID) int { return bytes.Compare(a[:], b[:]) })
	s = slices.Compact(s)
	h := sha256.New()
	h.Write(coveredLabel)
	for _, d := range s {
		h.Write(d[:])
	}
	var c Covered
	copy(c[:], h.Sum(nil))
	return c
}

// Generation is a renewed message key of a conversation (messages.md
// §11): its maker device, number, the digest of the revoked devices it
// leaves out, and its key.
type Generation struct {
	Maker   ID
	Number  uint16
	Covered Covered
	Key     [32]byte

	id     ID
	msgKey [32]byte
}

// ID is the generation's id, known only to holders of the conversation's
// secret and the generation's key.
func (g *Generation) ID() ID { return g.id }

// material is the 64 bytes a renewal wraps: k ‖ n ‖ covered ‖ tag.
func (g *Generation) material(c *Conversation) (k, rest [32]byte) {
	rest = [32]byte{}
	binary.BigEndian.PutUint16(rest[:2], g.Number)
	copy(rest[2:2+CoveredSize], g.Covered[:])
	tag := genTag(c, g.Maker, g.Key, rest[:2+CoveredSize])
	copy(rest[2+CoveredSize:], tag[:genTagSize])
	return g.Key, rest
}

func genTag(c *Conversation, maker ID, k [32]byte, nCovered []byte) [32]byte {
	return hmacSum(c.Secret[:], genTagLabel, c.Creator[:], maker[:], k[:], nCovered)
}

// newGeneration derives a generation's id and key.
func newGeneration(c *Conversation, maker ID, n uint16, covered Covered, k [32]byte) *Generation {
	g := &Generation{Maker: maker, Number: n, Covered: covered, Key: k}
	var nb [2]byte
	binary.BigEndian.PutUint16(nb[:], n)
	h := sha256.New()
	h.Write(genIDLabel)
	h.Write(c.id[:])
	h.Write(maker[:])
	h.Write(k[:])
	h.Write(nb[:])
	h.Write(covered[:])
	h.Sum(g.id[:0])
	g.msgKey = hmacSum(k[:], genKeyLabel, c.id[:])
	return g
}

// NewGeneration makes a generation of c by maker with number n (1 +
// the highest held) leaving out the revoked devices whose digest is
// covered. The key is drawn from crypto/rand.
func (c *Conversation) NewGeneration(maker ID, n uint16, covered Covered) (*Generation, error) {
	if n < 1 || n > MaxGeneration {
		return nil, fmt.Errorf("%w: generation number %d, a conversation's key is renewed at most %d times", ErrTooLarge, n, MaxGeneration)
	}
	var k [32]byte
	rand.Read(k[:])
	return newGeneration(c, maker, n, covered, k), nil
}

// renewalEpoch is the keyring epoch announcer announces for generation g
// of c.
func (c *Conversation) renewalEpoch(announcer ID, g *Generation) *seal.Epoch {
	k, rest := g.material(c)
	return &seal.Epoch{ID: seal.EpochID(MsgSpace, announcer, nil, k, rest), Creator: announcer, Key: k, LogKey: rest}
}

// RenewalEpoch is the public epoch id of announcer's announcement of g:
// a node that holds g skips parts of this epoch.
func (c *Conversation) RenewalEpoch(announcer ID, g *Generation) ID {
	return c.renewalEpoch(announcer, g).ID
}

// Renew wraps generation g of c to recipients, as announcer (its maker,
// or a device re-announcing it to a new device), for announcer's log of
// c (messages.md §11).
func (c *Conversation) Renew(announcer ID, g *Generation, recipients []seal.Recipient) ([][]byte, error) {
	return announceEpoch(c.renewalEpoch(announcer, g), recipients)
}

// OpenRenewal opens a renewal part of c found at pos for device with
// private key dk (messages.md §11). makers are the candidate makers
// besides the part's author (the current devices of the participant
// accounts). Outcomes, in this order: ErrMalformed, ErrWrongLog,
// ErrNotForMe, ErrEpochMismatch, ErrMalformed (number), ErrNotRenewal.
// Whether the author is a current participant device is the caller's to
// check first.
func (c *Conversation) OpenRenewal(device ID, dk *seal.DecryptionKey, pos Position, payload []byte, makers []ID) (*Generation, error) {
	a, err := CheckAnnouncement(pos, payload)
	if err != nil {
		return nil, err
	}
	if want := c.LogID(pos.Author); want != pos.LogID {
		return nil, fmt.Errorf("%w: renewal in log %x, its author's log of the conversation is %x", ErrWrongLog, pos.LogID[:8], want[:8])
	}
	e, err := seal.OpenEpoch(MsgSpace, device, dk, a)
	if err != nil {
		return nil, err
	}
	return c.generationFrom(e.Key, e.LogKey, append([]ID{pos.Author}, makers...))
}

// generationFrom reads the 64 bytes of a generation and finds its maker
// among candidates by the tag.
func (c *Conversation) generationFrom(k, rest [32]byte, candidates []ID) (*Generation, error) {
	n := binary.BigEndian.Uint16(rest[:2])
	if n < 1 || n > MaxGeneration {
		return nil, fmt.Errorf("%w: generation number %d, want 1..%d", ErrMalformed, n, MaxGeneration)
	}
	for _, m := range candidates {
		tag := genTag(c, m, k, rest[:2+CoveredSize])
		if hmac.Equal(tag[:genTagSize], rest[2+CoveredSize:]) {
			return newGeneration(c, m, n, Covered(rest[2:2+CoveredSize]), k), nil
		}
	}
	return nil, fmt.Errorf("%w: its tag does not check for this conversation and any of %d candidate makers", ErrNotRenewal, len(candidates))
}

// storedGenVersion is the first byte of a generation's stored form.
const storedGenVersion = 1

// StoredGenerationSize is the length of a generation's stored form.
const StoredGenerationSize = 1 + 32 + 64

// MarshalGeneration is g as a device's key store keeps it (messages.md
// §11): 0x01 ‖ maker ‖ the 64 bytes. It is secret.
func (c *Conversation) MarshalGeneration(g *Generation) []byte {
	k, rest := g.material(c)
	b := make([]byte, 0, StoredGenerationSize)
	b = append(b, storedGenVersion)
	b = append(b, g.Maker[:]...)
	b = append(b, k[:]...)
	return append(b, rest[:]...)
}

// ParseGeneration reads what MarshalGeneration wrote, checking the tag
// again.
func (c *Conversation) ParseGeneration(b []byte) (*Generation, error) {
	if len(b) != StoredGenerationSize || b[0] != storedGenVersion {
		return nil, fmt.Errorf("%w: a stored generation is %d bytes starting with %d", ErrMalformed, StoredGenerationSize, storedGenVersion)
	}
	return c.generationFrom([32]byte(b[33:65]), [32]byte(b[65:]), []ID{ID(b[1:33])})
}
