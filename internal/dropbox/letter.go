package dropbox

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/hdevalence/ed25519consensus"
	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

// Bounds of a letter (services.md §8.2).
const (
	MaxLetter     = 32768 // bytes of one letter
	MaxText       = 4000  // bytes of a letter's text
	sealedPrefix  = 1 + 24
	sealedVersion = 1
)

var (
	letterSigLabel = []byte("kith-dropbox-letter-v1\x00")
	sealedAADLabel = []byte("kith-dropbox-sealed-v1\x00")
	// Space is dropbox_space, the space id of every letter's wraps.
	Space = seal.ID(sha256.Sum256([]byte("kith-dropbox-v1\x00")))
)

// Letter is a letter as the hub sees it: the key that signs it, the
// announcement part wrapping its key to the recipient's devices, the
// sealed box and the signature.
type Letter struct {
	Key    [32]byte
	Part   []byte
	Sealed []byte
	Sig    [64]byte
}

// ID is a letter's id: SHA-256 of its bytes.
func ID(letter []byte) [32]byte { return sha256.Sum256(letter) }

func letterSigInput(recipient, key [32]byte, part, sealed []byte) []byte {
	hp, hs := sha256.Sum256(part), sha256.Sum256(sealed)
	b := append([]byte{}, letterSigLabel...)
	b = append(b, recipient[:]...)
	b = append(b, key[:]...)
	b = append(b, hp[:]...)
	return append(b, hs[:]...)
}

// Encode returns the letter's bytes.
func (l *Letter) Encode() []byte {
	b := cborwire.AppendArray(nil, 5)
	b = cborwire.AppendUint(b, Version)
	b = cborwire.AppendBytes(b, l.Key[:])
	b = cborwire.AppendBytes(b, l.Part)
	b = cborwire.AppendBytes(b, l.Sealed)
	return cborwire.AppendBytes(b, l.Sig[:])
}

// DecodeLetter reads a letter addressed to recipient and makes the
// hub's checks (services.md §8.2): the encoding, the signature, the part
// (announced by the letter's key, part 0 of 1, no prev) and the sealed
// box's size and version. No decryption.
func DecodeLetter(recipient [32]byte, b []byte) (*Letter, error) {
	if len(b) < 1 || len(b) > MaxLetter {
		return nil, fmt.Errorf("%w: a letter of %d bytes, want 1…%d", ErrMalformed, len(b), MaxLetter)
	}
	c := newCursor(b)
	fail := func(err error) (*Letter, error) { return nil, fmt.Errorf("%w: letter: %v", ErrMalformed, err) }
	if _, err := c.r.Array("letter", 5, 5); err != nil {
		return fail(err)
	}
	if err := c.version(); err != nil {
		return nil, err
	}
	l := &Letter{}
	if err := c.r.Fixed("key", l.Key[:]); err != nil {
		return fail(err)
	}
	part, err := c.r.Bytes("part", 1, seal.MaxPayload)
	if err != nil {
		return fail(err)
	}
	sealed, err := c.r.Bytes("sealed", 1, seal.MaxPayload)
	if err != nil {
		return fail(err)
	}
	if err := c.r.Fixed("sig", l.Sig[:]); err != nil {
		return fail(err)
	}
	if err := c.r.End(); err != nil {
		return fail(err)
	}
	l.Part, l.Sealed = part, sealed
	if !ed25519consensus.Verify(ed25519.PublicKey(l.Key[:]), letterSigInput(recipient, l.Key, part, sealed), l.Sig[:]) {
		return fail(fmt.Errorf("the signature does not check with the letter's key for this recipient"))
	}
	a, err := seal.DecodeAnnouncement(part)
	if err != nil {
		return fail(err)
	}
	if a.Creator != l.Key || a.Parts != 1 || len(a.Prev) != 0 {
		return fail(fmt.Errorf("the part must be part 0 of 1, without prev, announced by the letter's key"))
	}
	if !seal.IsBucket(len(sealed)) || sealed[0] != sealedVersion {
		return fail(fmt.Errorf("the sealed box is %d bytes of version %d; want a bucket size of version 1", len(sealed), sealed[0]))
	}
	return l, nil
}

// Recipient is one device of the recipient's account a letter is
// wrapped to.
type Recipient = seal.Recipient

// SealLetter signs in with the sending device's key sender, seals it for
// recipient's devices, signs the letter with key (a throwaway key, or the
// sender's device key when the recipient follows it) and returns the
// letter's bytes. timeMs is the sender's time, seen only by the
// recipient.
func SealLetter(recipient [32]byte, key, sender identity.PrivateKey, devices []Recipient, timeMs uint64, in *Inner) ([]byte, error) {
	in.Device = [32]byte(sender.Public())
	in.Sign(sender, recipient, [32]byte(key.Public()))
	body, err := in.encode()
	if err != nil {
		return nil, err
	}
	if len(devices) == 0 {
		return nil, fmt.Errorf("dropbox: no device of the recipient to seal the letter to")
	}
	kp := [32]byte(key.Public())
	e, parts, err := seal.NewEpoch(Space, kp, nil, [32]byte{}, devices)
	if err != nil {
		return nil, err
	}
	if len(parts) != 1 {
		return nil, fmt.Errorf("dropbox: the recipient's %d devices need %d parts; a letter holds one (at most 8 hybrid keys)", len(devices), len(parts))
	}
	size := seal.BoxSize(sealedPrefix, len(body))
	if size == 0 {
		return nil, fmt.Errorf("dropbox: a letter's body of %d bytes is too large", len(body))
	}
	prefix := make([]byte, sealedPrefix)
	prefix[0] = sealedVersion
	sealed, err := seal.SealBox(&e.Key, prefix, size, func(p []byte) []byte { return sealedAAD(recipient, e.ID, p) }, timeMs, body)
	if err != nil {
		return nil, err
	}
	l := &Letter{Key: kp, Part: parts[0], Sealed: sealed}
	l.Sig = key.Sign(letterSigInput(recipient, kp, l.Part, l.Sealed))
	out := l.Encode()
	if len(out) > MaxLetter {
		return nil, fmt.Errorf("dropbox: a letter of %d bytes, at most %d", len(out), MaxLetter)
	}
	return out, nil
}

func sealedAAD(recipient, epoch [32]byte, prefix []byte) []byte {
	b := append([]byte{}, sealedAADLabel...)
	b = append(b, recipient[:]...)
	b = append(b, epoch[:]...)
	return append(b, prefix[:sealedPrefix]...)
}

// Opened is a letter as its recipient reads it.
type Opened struct {
	Key    [32]byte // the letter's key
	TimeMs uint64   // the sender's claim, shown only
	Inner  *Inner
}

// OpenLetter opens letter b for device (a device of recipient's account
// with decryption key dk), in services.md §8.2's order, and checks the
// inner body's signature. Checking the certificate against the account is
// the caller's (it knows certificates).
func OpenLetter(recipient, device [32]byte, dk *seal.DecryptionKey, b []byte) (*Opened, error) {
	l, err := DecodeLetter(recipient, b)
	if err != nil {
		return nil, err
	}
	a, err := seal.DecodeAnnouncement(l.Part)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	e, err := seal.OpenEpoch(Space, device, dk, a)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotForMe, err)
	}
	timeMs, body, err := seal.OpenBox(&e.Key, l.Sealed, sealedPrefix, sealedAAD(recipient, e.ID, l.Sealed))
	if err != nil {
		if err == seal.ErrNotDecrypted {
			return nil, ErrNotDecrypted
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	in, err := decodeInner(body)
	if err != nil {
		return nil, err
	}
	if !in.verify(recipient, l.Key) {
		return nil, fmt.Errorf("%w: the sender's signature inside the letter does not check", ErrMalformed)
	}
	return &Opened{Key: l.Key, TimeMs: timeMs, Inner: in}, nil
}
