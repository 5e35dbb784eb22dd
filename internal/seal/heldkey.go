package seal

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hpke"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// DeviceDecryptionKey derives a device's seal.key private key of KEM kem
// and rotation rot from its Ed25519 seed (spaces.md §6):
// DeriveKeyPair(HKDF-SHA256(salt "kith-seal-device-v1", ikm seed, info
// kem ‖ rot)). It is never stored: whoever holds the device key gets it
// back. A node and a browser whose device key was made in its WebAssembly
// build (doc/browser.md) both derive theirs so.
func DeviceDecryptionKey(seed []byte, kem uint16, rot uint64) (*DecryptionKey, error) {
	info := binary.BigEndian.AppendUint16(nil, kem)
	info = binary.BigEndian.AppendUint64(info, rot)
	ikm, err := hkdf.Key(sha256.New, seed, []byte("kith-seal-device-v1"), string(info), 32)
	if err != nil {
		return nil, err
	}
	return DeriveDecryptionKey(kem, ikm)
}

// NewHeldDecryptionKey is an X25519 decryption key (KEM 0x0020) whose
// private half is held elsewhere and only asked for Diffie-Hellman values:
// in a browser, a non-extractable WebCrypto X25519 key (doc/browser.md).
// Opening a wrap calls kex.ECDH once per wrap of its size tried; nothing
// here sees the private key, and Bytes panics for such a key.
func NewHeldDecryptionKey(kex ecdh.KeyExchanger) (*DecryptionKey, error) {
	if kex == nil || kex.Curve() != ecdh.X25519() {
		return nil, errors.New("seal: a held decryption key must be an X25519 key")
	}
	if pub := kex.PublicKey(); pub == nil || len(pub.Bytes()) != x25519PublicKeySize {
		return nil, fmt.Errorf("%w: the held key's public key is not %d bytes", ErrMalformed, x25519PublicKeySize)
	}
	sk, err := hpke.NewDHKEMPrivateKey(kex)
	if err != nil {
		return nil, err
	}
	return &DecryptionKey{KEM: KEMX25519, key: sk}, nil
}
