package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// HeadsDigest is the digest of a set of heads: Sum is the sum modulo
// 2^256 of their item hashes (HeadItemHash) read as 256-bit big-endian
// integers, Count how many heads it sums. Only heads with Seq ≥ 1 are
// items. It is what the sync protocol's fingerprint of a set of items is
// made of (doc/protocol/sync.md, "Items and fingerprints"), and since a
// sum is additive, a store can keep the digest of all its heads up to date
// as it writes, a head at a time: the fingerprint of everything a node
// offers then needs no read of its heads (BENCHMARKS.md, "Scale", item 7).
type HeadsDigest struct {
	Sum   [32]byte
	Count uint64
}

// itemHashContext is the domain separation of the item hash
// (doc/protocol/sync.md, "Items and fingerprints").
const itemHashContext = "kith-sync-item-v1\x00"

// HeadItemHash returns the sync protocol's item hash of a log's head:
// SHA-256("kith-sync-item-v1" ‖ 0x00 ‖ author ‖ log_id ‖ seq ‖ head_id),
// seq as 8 bytes big-endian.
func HeadItemHash(log LogKey, seq uint64, id entry.ID) [32]byte {
	var buf [len(itemHashContext) + 32 + 32 + 8 + 32]byte
	n := copy(buf[:], itemHashContext)
	n += copy(buf[n:], log.Author[:])
	n += copy(buf[n:], log.LogID[:])
	binary.BigEndian.PutUint64(buf[n:], seq)
	n += 8
	copy(buf[n:], id[:])
	return sha256.Sum256(buf[:])
}

// Add returns the digest with h added (d itself when h.Seq is 0).
func (d HeadsDigest) Add(h Head) HeadsDigest {
	if h.Seq == 0 {
		return d
	}
	return HeadsDigest{Sum: AddSum(d.Sum, HeadItemHash(h.Log, h.Seq, h.ID)), Count: d.Count + 1}
}

// Sub returns the digest with h taken away (d itself when h.Seq is 0).
func (d HeadsDigest) Sub(h Head) HeadsDigest {
	if h.Seq == 0 {
		return d
	}
	return HeadsDigest{Sum: SubSum(d.Sum, HeadItemHash(h.Log, h.Seq, h.ID)), Count: d.Count - 1}
}

// Minus returns the digest of d's heads less those of e, which must be
// among them.
func (d HeadsDigest) Minus(e HeadsDigest) HeadsDigest {
	return HeadsDigest{Sum: SubSum(d.Sum, e.Sum), Count: d.Count - e.Count}
}

// DigestOf returns the digest of heads (those with Seq ≥ 1).
func DigestOf(heads []Head) HeadsDigest {
	var d HeadsDigest
	for _, h := range heads {
		d = d.Add(h)
	}
	return d
}

// AddSum returns a+b modulo 2^256, both big-endian.
func AddSum(a, b [32]byte) [32]byte {
	var r [32]byte
	var carry uint64
	for i := 24; i >= 0; i -= 8 {
		var s uint64
		s, carry = bits.Add64(binary.BigEndian.Uint64(a[i:]), binary.BigEndian.Uint64(b[i:]), carry)
		binary.BigEndian.PutUint64(r[i:], s)
	}
	return r
}

// SubSum returns a−b modulo 2^256, both big-endian.
func SubSum(a, b [32]byte) [32]byte {
	var r [32]byte
	var borrow uint64
	for i := 24; i >= 0; i -= 8 {
		var s uint64
		s, borrow = bits.Sub64(binary.BigEndian.Uint64(a[i:]), binary.BigEndian.Uint64(b[i:]), borrow)
		binary.BigEndian.PutUint64(r[i:], s)
	}
	return r
}

// HeadsDigester is implemented by stores that keep the digest of all their
// heads up to date with every write, in the write's own transaction, so
// that reading it costs the same whatever the store holds: a restarted
// node answers an in-sync peer without reading a head. storetest checks it
// against DigestOf(Heads) after every test of the suite.
type HeadsDigester interface {
	// HeadsDigest returns the digest of every head Heads would list.
	HeadsDigest(ctx context.Context) (HeadsDigest, error)
}

// Selection names logs: every log of some authors, every log of some log
// ids, and single logs. A log may be named more than once.
type Selection struct {
	Authors []identity.PublicKey
	LogIDs  []entry.LogID
	Logs    []LogKey
}

// Size returns how many names s holds.
func (s Selection) Size() int { return len(s.Authors) + len(s.LogIDs) + len(s.Logs) }

// HeadsIn returns the heads (Seq ≥ 1) of the logs s names, each once, in
// no particular order, reading only those (AuthorHeads, LogIDHeads, Head).
// ok is false, and nothing was read, when st cannot list a log id's logs
// without reading every head.
func HeadsIn(ctx context.Context, st Store, s Selection) (heads []Head, ok bool, err error) {
	lh, lok := st.(LogIDHeads)
	if len(s.LogIDs) > 0 && !lok {
		return nil, false, nil
	}
	seen := map[LogKey]bool{}
	keep := func(hs ...Head) {
		for _, h := range hs {
			if h.Seq > 0 && !seen[h.Log] {
				seen[h.Log] = true
				heads = append(heads, h)
			}
		}
	}
	for _, a := range s.Authors {
		hs, err := HeadsOf(ctx, st, a)
		if err != nil {
			return nil, false, fmt.Errorf("heads of author %s: %w", identity.Encode(identity.KindDevice, a), err)
		}
		keep(hs...)
	}
	for _, id := range s.LogIDs {
		hs, err := lh.HeadsWithLogID(ctx, id)
		if err != nil {
			return nil, false, fmt.Errorf("heads of log id %s: %w", id, err)
		}
		keep(hs...)
	}
	for _, l := range s.Logs {
		h, err := st.Head(ctx, l)
		switch {
		case err == nil:
			keep(h)
		case !errors.Is(err, ErrNotFound):
			return nil, false, fmt.Errorf("head of log %s: %w", l, err)
		}
	}
	return heads, true, nil
}
