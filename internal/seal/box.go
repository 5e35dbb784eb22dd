package seal

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"

	"golang.org/x/crypto/chacha20poly1305"
)

// A box is the layout that sealed payloads (keyring.md §4) and sealed
// messages (messages.md §4) share: a prefix that ends in a 24-byte
// XChaCha20-Poly1305 nonce, then the ciphertext of the inner plaintext
// — the author's time in milliseconds (8 bytes, big-endian), the body's
// length (2 bytes), the body, zeros up to the bucket size — with its
// 16-byte tag. Its size is the smallest bucket that holds it.
const (
	nonceSize = chacha20poly1305.NonceSizeX // 24
	tagSize   = 16
	innerHead = 8 + 2 // time ms, body length
	// BoxOverhead is what a box adds to its prefix and body: the tag,
	// the time and the body's length.
	BoxOverhead = tagSize + innerHead
)

// BoxSize is the size of a box whose prefix is prefixLen bytes (nonce
// included) holding a body of n bytes: a bucket, or 0 when none holds it.
func BoxSize(prefixLen, n int) int {
	need := prefixLen + BoxOverhead + n
	for _, b := range Buckets {
		if need <= b {
			return b
		}
	}
	return 0
}

// IsBucket reports whether n is one of the bucket sizes.
func IsBucket(n int) bool { return slices.Contains(Buckets, n) }

// SealBox fills the nonce, the last 24 bytes of prefix, with random bytes
// and returns prefix followed by the sealed inner plaintext of timeMs and
// body, size bytes in all (size: BoxSize of prefix and body). aad makes
// the additional data from the prefix as filled.
func SealBox(key *[32]byte, prefix []byte, size int, aad func(prefix []byte) []byte, timeMs uint64, body []byte) ([]byte, error) {
	out := make([]byte, len(prefix), size)
	copy(out, prefix)
	nonce := out[len(prefix)-nonceSize:]
	rand.Read(nonce)
	inner := make([]byte, size-len(prefix)-tagSize)
	binary.BigEndian.PutUint64(inner, timeMs)
	binary.BigEndian.PutUint16(inner[8:], uint16(len(body)))
	copy(inner[innerHead:], body)
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, err
	}
	return aead.Seal(out, nonce, inner, aad(out)), nil
}

// OpenBox opens the box p, whose prefix (nonce included) is prefixLen
// bytes and whose size the caller has checked is a bucket, with the
// additional data aad. It returns the author's time and the body, or
// ErrNotDecrypted itself (for the caller to say where), or ErrMalformed
// wrapped with what is wrong with the inner plaintext.
func OpenBox(key *[32]byte, p []byte, prefixLen int, aad []byte) (timeMs uint64, body []byte, err error) {
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return 0, nil, err
	}
	inner, err := aead.Open(nil, p[prefixLen-nonceSize:prefixLen], p[prefixLen:], aad)
	if err != nil {
		return 0, nil, ErrNotDecrypted
	}
	n := int(binary.BigEndian.Uint16(inner[8:]))
	if n > len(inner)-innerHead {
		return 0, nil, fmt.Errorf("%w: body length %d beyond the %d bytes sealed", ErrMalformed, n, len(inner)-innerHead)
	}
	if BoxSize(prefixLen, n) != len(p) {
		return 0, nil, fmt.Errorf("%w: a %d-byte body belongs in a %d-byte bucket, not %d", ErrMalformed, n, BoxSize(prefixLen, n), len(p))
	}
	var or byte
	for _, c := range inner[innerHead+n:] {
		or |= c
	}
	if or != 0 {
		return 0, nil, fmt.Errorf("%w: padding is not all zero", ErrMalformed)
	}
	return binary.BigEndian.Uint64(inner), inner[innerHead : innerHead+n], nil
}
