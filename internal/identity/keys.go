package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

// PublicKey is a 32-byte Ed25519 public key. It is comparable and printable;
// its text form depends on its role (see AccountID and DeviceID).
type PublicKey [32]byte

// Hex returns the lowercase hexadecimal form of the key.
func (p PublicKey) Hex() string { return fmt.Sprintf("%x", p[:]) }

// Account returns the key in its role as an account id.
func (p PublicKey) Account() AccountID { return AccountID(p) }

// Device returns the key in its role as a device id.
func (p PublicKey) Device() DeviceID { return DeviceID(p) }

// AccountID is the public key of an account (a person).
type AccountID PublicKey

// DeviceID is the public key of a device (one installation).
type DeviceID PublicKey

// String returns the checksummed text form "acc_…".
func (a AccountID) String() string { return Encode(KindAccount, a) }

// String returns the checksummed text form "dev_…".
func (d DeviceID) String() string { return Encode(KindDevice, d) }

// Key returns the underlying public key.
func (a AccountID) Key() PublicKey { return PublicKey(a) }

// Key returns the underlying public key.
func (d DeviceID) Key() PublicKey { return PublicKey(d) }

// PrivateKey is an Ed25519 signing key. It cannot be compared with == (it
// holds a func-typed field), and every formatting verb prints a redaction, so
// a key cannot leak into a log line or an error message by accident. Use
// Seed to get at the secret bytes on purpose.
//
// The secret is held by a closure: when a PrivateKey is an unexported field
// of some other struct, fmt cannot call its Format method and falls back to
// reflection, and reflection prints a func as an address whatever the verb
// (a pointer, by contrast, is followed by %s and other verbs it does not fit).
// As func values are never deeply equal, use Equal to compare keys.
type PrivateKey struct {
	_    [0]func() // makes the type incomparable
	priv func() ed25519.PrivateKey
}

func newPrivateKey(priv ed25519.PrivateKey) PrivateKey {
	return PrivateKey{priv: func() ed25519.PrivateKey { return priv }}
}

// ErrBadSeed is returned when a private key seed is not 32 bytes.
var ErrBadSeed = errors.New("identity: an Ed25519 seed must be 32 bytes")

// GenerateKey returns a fresh random key, reading randomness from r, or from
// crypto/rand when r is nil.
func GenerateKey(r io.Reader) (PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	_, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return PrivateKey{}, fmt.Errorf("identity: generate key: %w", err)
	}
	return newPrivateKey(priv), nil
}

// KeyFromSeed returns the key whose RFC 8032 seed (the 32-byte private key) is seed.
func KeyFromSeed(seed []byte) (PrivateKey, error) {
	if len(seed) != ed25519.SeedSize {
		return PrivateKey{}, ErrBadSeed
	}
	return newPrivateKey(ed25519.NewKeyFromSeed(seed)), nil
}

// IsZero reports whether the key is unset.
func (k PrivateKey) IsZero() bool { return k.priv == nil }

// Equal reports, in constant time, whether k and other are the same key. Two
// unset keys are equal.
func (k PrivateKey) Equal(other PrivateKey) bool {
	if k.IsZero() || other.IsZero() {
		return k.IsZero() == other.IsZero()
	}
	return subtle.ConstantTimeCompare(k.priv(), other.priv()) == 1
}

// Public returns the public half of the key, or the zero PublicKey for an
// unset key.
func (k PrivateKey) Public() PublicKey {
	var p PublicKey
	if !k.IsZero() {
		copy(p[:], k.priv()[32:])
	}
	return p
}

// Sign signs msg (pure Ed25519, RFC 8032). It panics on an unset key, which is
// a programming error.
func (k PrivateKey) Sign(msg []byte) [64]byte {
	if k.IsZero() {
		panic("identity: Sign with an unset private key")
	}
	var sig [64]byte
	copy(sig[:], ed25519.Sign(k.priv(), msg))
	return sig
}

// Seed returns a copy of the 32-byte RFC 8032 seed, or nil for an unset key.
// Callers that hold it must treat it as secret.
func (k PrivateKey) Seed() []byte {
	if k.IsZero() {
		return nil
	}
	return append([]byte(nil), k.priv().Seed()...)
}

// String implements fmt.Stringer with a redaction.
func (k PrivateKey) String() string { return "identity.PrivateKey(redacted)" }

// GoString implements fmt.GoStringer with a redaction.
func (k PrivateKey) GoString() string { return k.String() }

// Format makes every fmt verb print the redaction.
func (k PrivateKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// MarshalText refuses to serialise a private key (so encoding/json and
// friends fail loudly instead of leaking it).
func (k PrivateKey) MarshalText() ([]byte, error) {
	return nil, errors.New("identity: refusing to marshal a private key")
}
