package replicate

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"

	"github.com/kithnet/kith/internal/store"
)

// Domain separation string of the fingerprint (doc/protocol/sync.md,
// "Items and fingerprints"; the item hash's is store.HeadItemHash's).
const (
	fingerprintContext = "kith-sync-fp-v1\x00"
)

// FingerprintSize is the size of a range fingerprint.
const FingerprintSize = 16

// Fingerprint summarises the items of a key range:
// SHA-256(fingerprintContext ‖ sum ‖ count)[:16], where sum is the sum
// modulo 2^256 of the item hashes (as big-endian integers) and count the
// number of items as 8 bytes big-endian.
type Fingerprint [FingerprintSize]byte

// ItemHash returns SHA-256(itemHashContext ‖ author ‖ log_id ‖ seq ‖ head),
// seq as 8 bytes big-endian: store.HeadItemHash, which a store that keeps
// the digest of its heads (store.HeadsDigester) sums as it writes.
func ItemHash(it Item) [32]byte { return store.HeadItemHash(it.Log, it.Seq, it.Head) }

// sum256 is an unsigned 256-bit integer, most significant limb first.
type sum256 [4]uint64

func sumOf(h [32]byte) sum256 {
	var s sum256
	for i := range s {
		s[i] = binary.BigEndian.Uint64(h[8*i:])
	}
	return s
}

// add returns a+b modulo 2^256.
func (a sum256) add(b sum256) sum256 {
	var r sum256
	var carry uint64
	for i := 3; i >= 0; i-- {
		r[i], carry = bits.Add64(a[i], b[i], carry)
	}
	return r
}

// sub returns a−b modulo 2^256.
func (a sum256) sub(b sum256) sum256 {
	var r sum256
	var borrow uint64
	for i := 3; i >= 0; i-- {
		r[i], borrow = bits.Sub64(a[i], b[i], borrow)
	}
	return r
}

func (a sum256) bytes() [32]byte {
	var b [32]byte
	for i, l := range a {
		binary.BigEndian.PutUint64(b[8*i:], l)
	}
	return b
}

// fingerprintOf returns the fingerprint of count items whose hashes sum to s.
func fingerprintOf(s sum256, count int) Fingerprint {
	var buf [len(fingerprintContext) + 32 + 8]byte
	n := copy(buf[:], fingerprintContext)
	sb := s.bytes()
	n += copy(buf[n:], sb[:])
	binary.BigEndian.PutUint64(buf[n:], uint64(count))
	h := sha256.Sum256(buf[:])
	var f Fingerprint
	copy(f[:], h[:FingerprintSize])
	return f
}

// FingerprintOf returns the fingerprint of a set of items (in any order).
func FingerprintOf(items []Item) Fingerprint {
	var s sum256
	for _, it := range items {
		s = s.add(sumOf(ItemHash(it)))
	}
	return fingerprintOf(s, len(items))
}
