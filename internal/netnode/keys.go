package netnode

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ErrNotEd25519 is returned (wrapped) when a peer's identity is not an
// Ed25519 key: kith speaks only to kith devices, whose keys are Ed25519.
var ErrNotEd25519 = errors.New("the peer's key is not an Ed25519 key (kith speaks only to kith devices)")

// PeerIDOf returns the libp2p peer id, in its text form ("12D3KooW…"), of the
// device whose public key is key.
func PeerIDOf(key identity.PublicKey) (string, error) {
	id, err := peerIDOf(key)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// peerIDOf returns the libp2p peer id of key: the identity multihash of the
// protobuf-encoded Ed25519 public key.
func peerIDOf(key identity.PublicKey) (peer.ID, error) {
	pub, err := crypto.UnmarshalEd25519PublicKey(key[:])
	if err != nil {
		return "", fmt.Errorf("netnode: public key %s as a libp2p key: %w", key.Device(), err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("netnode: peer id of %s: %w", key.Device(), err)
	}
	return id, nil
}

// keyOf returns the Ed25519 public key inside the peer id id. It fails for
// ids that do not embed their key (hashed keys such as RSA) and for keys of
// any other type.
func keyOf(id peer.ID) (identity.PublicKey, error) {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return identity.PublicKey{}, fmt.Errorf("peer %s: %w: %v", shortID(id), ErrNotEd25519, err)
	}
	if pub.Type() != crypto.Ed25519 {
		return identity.PublicKey{}, fmt.Errorf("peer %s has a %s key: %w", shortID(id), pub.Type(), ErrNotEd25519)
	}
	raw, err := pub.Raw()
	if err != nil {
		return identity.PublicKey{}, fmt.Errorf("peer %s: reading its key: %w", shortID(id), err)
	}
	var key identity.PublicKey
	if len(raw) != len(key) {
		return identity.PublicKey{}, fmt.Errorf("peer %s has an Ed25519 key of %d bytes, want %d", shortID(id), len(raw), len(key))
	}
	copy(key[:], raw)
	return key, nil
}

// shortID is a peer id for error messages: its text form (base58 of any
// bytes, so even a malformed id prints), or a note for an empty one.
func shortID(id peer.ID) string {
	if id == "" {
		return "(empty peer id)"
	}
	return id.String()
}

// libp2pKey converts the device's private key into libp2p's form.
func libp2pKey(key identity.PrivateKey) (crypto.PrivKey, error) {
	if key.IsZero() {
		return nil, errors.New("netnode: the device key is unset")
	}
	seed := key.Seed()
	defer clear(seed)
	// The libp2p key keeps priv (it does not copy a 64-byte key), so priv
	// is not cleared here: it lives as long as the host.
	sk, err := crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		return nil, fmt.Errorf("netnode: the device key as a libp2p key: %w", err)
	}
	return sk, nil
}
