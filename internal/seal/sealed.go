package seal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Sealed payload layout (keyring.md §4): a box (box.go) whose prefix is
// the version, the epoch id and the nonce.
const (
	sealedVersion = 1
	sealedPrefix  = 1 + 32 + nonceSize // version, epoch id, nonce
	// MaxBody is the largest plaintext that can be sealed.
	MaxBody = MaxPayload - sealedPrefix - BoxOverhead
)

// Buckets are the only sizes a sealed payload may have.
var Buckets = []int{256, 512, 1024, 2048, 4096, 8192, 16384}

var (
	payloadAADLabel = []byte("kith-seal-payload-v1\x00")
	logIDLabel      = []byte("kith-space-log-v1\x00")
)

// Position is where a sealed payload sits: the entry's author, log id and seq.
type Position struct {
	Author ID
	LogID  ID
	Seq    uint64
}

func payloadAAD(space ID, pos Position, prefix []byte) []byte {
	b := make([]byte, 0, len(payloadAADLabel)+32*3+8+sealedPrefix)
	b = append(b, payloadAADLabel...)
	b = append(b, space[:]...)
	b = append(b, pos.Author[:]...)
	b = append(b, pos.LogID[:]...)
	b = binary.BigEndian.AppendUint64(b, pos.Seq)
	return append(b, prefix...)
}

// BucketFor is the sealed size of a body of n bytes, or 0 when it is too large.
func BucketFor(n int) int { return BoxSize(sealedPrefix, n) }

// Seal encrypts body under epoch e of space for the entry at pos, with the
// author's real time timeMs inside, padded to a bucket.
func Seal(space ID, e *Epoch, pos Position, timeMs uint64, body []byte) ([]byte, error) {
	size := BucketFor(len(body))
	if size == 0 {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(body), MaxBody)
	}
	prefix := make([]byte, sealedPrefix)
	prefix[0] = sealedVersion
	copy(prefix[1:33], e.ID[:])
	aad := func(prefix []byte) []byte { return payloadAAD(space, pos, prefix) }
	return SealBox(&e.Key, prefix, size, aad, timeMs, body)
}

// SealedEpoch reads the epoch id a sealed payload names, checking only its
// size and version: what any node may learn from it.
func SealedEpoch(p []byte) (ID, error) {
	var id ID
	if !IsBucket(len(p)) {
		return id, fmt.Errorf("%w: sealed payload is %d bytes, not one of the bucket sizes %v", ErrMalformed, len(p), Buckets)
	}
	if p[0] != sealedVersion {
		return id, fmt.Errorf("%w: sealed payload version %d, want %d", ErrMalformed, p[0], sealedVersion)
	}
	copy(id[:], p[1:33])
	return id, nil
}

// Opened is a decrypted sealed payload.
type Opened struct {
	Epoch  ID
	TimeMs uint64
	Body   []byte
}

// Open decrypts a sealed payload of space found at pos, with the epoch
// keys in k. Outcomes (keyring.md §4): ErrMalformed, ErrUnknownEpoch,
// ErrNotDecrypted.
func Open(space ID, k *Keyring, pos Position, p []byte) (*Opened, error) {
	id, err := SealedEpoch(p)
	if err != nil {
		return nil, err
	}
	e := k.Get(id)
	if e == nil {
		return nil, fmt.Errorf("%w: epoch %x", ErrUnknownEpoch, id[:8])
	}
	timeMs, body, err := OpenBox(&e.Key, p, sealedPrefix, payloadAAD(space, pos, p[:sealedPrefix]))
	if err == ErrNotDecrypted {
		return nil, fmt.Errorf("%w (epoch %x, seq %d)", ErrNotDecrypted, id[:8], pos.Seq)
	} else if err != nil {
		return nil, err
	}
	return &Opened{Epoch: id, TimeMs: timeMs, Body: body}, nil
}

// LogID is the log id of author's log in the space whose log key is logKey
// (keyring.md §5): unlinkable to the space and to the author's other
// space logs for anyone without the log key.
func LogID(logKey [32]byte, author ID) ID {
	m := hmac.New(sha256.New, logKey[:])
	m.Write(logIDLabel)
	m.Write(author[:])
	var id ID
	m.Sum(id[:0])
	return id
}
