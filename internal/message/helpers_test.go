package message

import (
	"bytes"
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"golang.org/x/crypto/chacha20poly1305"
)

// The inner layout of a sealed message, as messages.md §4 writes it, for
// tests that seal by hand.
const (
	tagSize   = 16    // Poly1305
	innerHead = 8 + 2 // time ms, body length
)

func id(b byte) ID                   { var x ID; x[0], x[31] = b, 0x5a; return x }
func eid(b byte) entry.ID            { return entry.ID(id(b)) }
func acct(b byte) identity.PublicKey { return identity.PublicKey(id(b)) }
func pos(a ID, c *Conversation, s uint64) Position {
	return Position{Author: a, LogID: c.LogID(a), Seq: s}
}

// device is a test device: its Ed25519 key (any 32 bytes here) and its
// encryption key.
type device struct {
	id ID
	dk *seal.DecryptionKey
}

func (d device) recipient() seal.Recipient { return seal.Recipient{Device: d.id, Key: d.dk.Public()} }

// mkDevice derives a device's key from its number, so tests are
// repeatable.
func mkDevice(t testing.TB, n int, kem uint16) device {
	t.Helper()
	ikm := bytes.Repeat([]byte{byte(n), byte(n >> 8), 0x77}, 11)
	dk, err := seal.DeriveDecryptionKey(kem, ikm)
	if err != nil {
		t.Fatal(err)
	}
	return device{id: ID{byte(n), byte(n >> 8), 0xde, 0x71}, dk: dk}
}

func mkDevices(t testing.TB, from, n int, kem uint16) []device {
	var ds []device
	for i := range n {
		ds = append(ds, mkDevice(t, from+i, kem))
	}
	return ds
}

func recipients(ds []device) []seal.Recipient {
	var rs []seal.Recipient
	for _, d := range ds {
		rs = append(rs, d.recipient())
	}
	return rs
}

// openAny tries every announcement part of st (at seq 1..) for d, as a
// recipient's node does, and returns the first conversation that opens.
func openAny(d device, author ID, logID ID, parts [][]byte) (*Conversation, error) {
	var last error
	for i, p := range parts {
		c, err := OpenAnnouncement(d.id, d.dk, Position{Author: author, LogID: logID, Seq: uint64(i + 1)}, p)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, ErrNotForMe) {
			return nil, err
		}
		last = err
	}
	return nil, last
}

// sealRaw seals inner (time, length, body, padding) as given, for tests of
// what an honest sealer never writes.
func sealRaw(t testing.TB, c *Conversation, p Position, inner []byte) []byte {
	out := make([]byte, sealedPrefix)
	out[0] = sealedVersion
	aead, err := chacha20poly1305.NewX(c.msgKey[:])
	if err != nil {
		t.Fatal(err)
	}
	return aead.Seal(out, out[1:sealedPrefix], inner, payloadAAD(c, p, out[:sealedPrefix]))
}

func start(parts ...identity.PublicKey) *Message {
	return &Message{Text: "hello", Subject: "plans", Participants: parts}
}
