package seal

import (
	"crypto/ecdh"
	"crypto/hpke"
	"fmt"
)

// KEM ids (RFC 9180 registry) a seal.key may name.
const (
	// KEMHybrid is ML-KEM-768 + X25519, the default.
	KEMHybrid uint16 = 0x647a
	// KEMX25519 is DHKEM(X25519, HKDF-SHA256), for comparison and small devices.
	KEMX25519 uint16 = 0x0020
)

// Sizes of the public keys and wraps of each KEM (keyring.md §1, §3).
const (
	hybridPublicKeySize = 1216
	x25519PublicKeySize = 32
	// WrapSizeHybrid is enc (1120) + 64 bytes of key material + 16 tag.
	WrapSizeHybrid = 1200
	// WrapSizeX25519 is enc (32) + 64 + 16.
	WrapSizeX25519 = 112
)

func kemByID(id uint16) (hpke.KEM, int, int, error) {
	switch id {
	case KEMHybrid:
		return hpke.MLKEM768X25519(), hybridPublicKeySize, WrapSizeHybrid, nil
	case KEMX25519:
		return hpke.DHKEM(ecdh.X25519()), x25519PublicKeySize, WrapSizeX25519, nil
	}
	return nil, 0, 0, fmt.Errorf("%w: unknown KEM 0x%04x (known: 0x647a ML-KEM-768+X25519, 0x0020 X25519)", ErrMalformed, id)
}

// The KDF and AEAD of every wrap.
func wrapKDF() hpke.KDF   { return hpke.HKDFSHA256() }
func wrapAEAD() hpke.AEAD { return hpke.ChaCha20Poly1305() }

// DecryptionKey is a device's private encryption key with the KEM it
// belongs to.
type DecryptionKey struct {
	KEM uint16
	key hpke.PrivateKey
}

// GenerateDecryptionKey makes a fresh key pair for kem from crypto/rand.
func GenerateDecryptionKey(kem uint16) (*DecryptionKey, error) {
	k, _, _, err := kemByID(kem)
	if err != nil {
		return nil, err
	}
	sk, err := k.GenerateKey()
	if err != nil {
		return nil, err
	}
	return &DecryptionKey{KEM: kem, key: sk}, nil
}

// DeriveDecryptionKey derives a key pair from 32 or more bytes of input
// keying material (RFC 9180 DeriveKeyPair); used for test vectors.
func DeriveDecryptionKey(kem uint16, ikm []byte) (*DecryptionKey, error) {
	k, _, _, err := kemByID(kem)
	if err != nil {
		return nil, err
	}
	sk, err := k.DeriveKeyPair(ikm)
	if err != nil {
		return nil, err
	}
	return &DecryptionKey{KEM: kem, key: sk}, nil
}

// ParseDecryptionKey reads a key that Bytes wrote.
func ParseDecryptionKey(kem uint16, b []byte) (*DecryptionKey, error) {
	k, _, _, err := kemByID(kem)
	if err != nil {
		return nil, err
	}
	sk, err := k.NewPrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %v", ErrMalformed, err)
	}
	return &DecryptionKey{KEM: kem, key: sk}, nil
}

// Bytes is the private key's RFC 9180 serialisation (32 bytes for both
// KEMs). It panics for a key held elsewhere (NewHeldDecryptionKey).
func (d *DecryptionKey) Bytes() []byte {
	b, err := d.key.Bytes()
	if err != nil {
		panic("seal: private key does not serialise: " + err.Error())
	}
	return b
}

// Public is the encryption public key a seal.key payload publishes.
func (d *DecryptionKey) Public() EncryptionKey {
	return EncryptionKey{KEM: d.KEM, Key: d.key.PublicKey().Bytes()}
}
