package introduce

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/identity"
)

// Protocol is the stream protocol id.
const Protocol = "/kith/introduce/1"

// Version is the only version of the answer.
const Version = 1

// MaxPeers is the most device keys in one answer.
const MaxPeers = 64

// MaxSize is the largest answer in bytes.
const MaxSize = 2 + MaxPeers*32

// Encode returns the answer naming peers: the version, the count, and the
// keys in ascending order. More than MaxPeers or a key twice is an error.
func Encode(peers []identity.PublicKey) ([]byte, error) {
	if len(peers) > MaxPeers {
		return nil, fmt.Errorf("introduce: %d peers, at most %d in one answer", len(peers), MaxPeers)
	}
	sorted := append([]identity.PublicKey(nil), peers...)
	for i := 1; i < len(sorted); i++ { // insertion sort: at most 64 keys
		for j := i; j > 0 && bytes.Compare(sorted[j-1][:], sorted[j][:]) > 0; j-- {
			sorted[j-1], sorted[j] = sorted[j], sorted[j-1]
		}
	}
	b := make([]byte, 0, 2+32*len(sorted))
	b = append(b, Version, byte(len(sorted)))
	for i, k := range sorted {
		if i > 0 && k == sorted[i-1] {
			return nil, fmt.Errorf("introduce: the key %x is named twice", k[:6])
		}
		b = append(b, k[:]...)
	}
	return b, nil
}

// Decode parses an answer. It accepts exactly what Encode makes: the
// version 1, a count of at most MaxPeers, that many keys in strictly
// ascending order, and no byte more.
func Decode(b []byte) ([]identity.PublicKey, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("introduce: the answer is %d bytes, shorter than its 2-byte head", len(b))
	}
	if b[0] != Version {
		return nil, fmt.Errorf("introduce: version %d, want %d (the node runs another kith version: update the page or the node)", b[0], Version)
	}
	n := int(b[1])
	if n > MaxPeers {
		return nil, fmt.Errorf("introduce: the answer names %d peers, at most %d", n, MaxPeers)
	}
	if len(b) != 2+32*n {
		return nil, fmt.Errorf("introduce: the answer is %d bytes, want %d for %d peers", len(b), 2+32*n, n)
	}
	out := make([]identity.PublicKey, n)
	for i := range out {
		copy(out[i][:], b[2+32*i:])
		if i > 0 && bytes.Compare(out[i-1][:], out[i][:]) >= 0 {
			return nil, fmt.Errorf("introduce: key %d is not above key %d (keys are strictly ascending)", i+1, i)
		}
	}
	return out, nil
}

// Read reads an answer to its end (the node closes the stream after it)
// and decodes it; an answer longer than MaxSize is refused unread.
func Read(r io.Reader) ([]identity.PublicKey, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("introduce: reading the answer: %w", err)
	}
	if len(b) > MaxSize {
		return nil, errors.New("introduce: the answer is longer than its largest size (2,050 bytes)")
	}
	return Decode(b)
}
