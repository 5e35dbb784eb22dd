package hostile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/kithnet/kith/internal/cborwire"
)

// The frame limits of doc/protocol: sync.md, blobsync.md, invite.md (also
// the village request protocol's).
const (
	maxSyncBody   = 2_097_152
	maxBlobBody   = 70_000
	maxInviteBody = 8192
)

// The sync messages' kinds (sync.md, "Messages").
const (
	kindHello     = 0
	kindReconcile = 1
	kindWant      = 2
	kindEntries   = 3
	kindCredit    = 4
	kindBye       = 8
	kindWantsDone = 9
)

// frame prefixes body with its 4-byte big-endian length.
func frame(body []byte) []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	return append(out, body...)
}

// readFrame reads one length-prefixed frame; a length above max is an
// error (the peer is not one of kith's nodes, or this tool has a bug).
func readFrame(r io.Reader, max int) ([]byte, error) {
	var p [4]byte
	if _, err := io.ReadFull(r, p[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(p[:])
	if n == 0 || int(n) > max {
		return nil, fmt.Errorf("a frame of %d bytes", n)
	}
	body := make([]byte, n)
	_, err := io.ReadFull(r, body)
	return body, err
}

// kindOf is a message body's kind: the unsigned integer after the array
// head (kinds are below 24, one byte).
func kindOf(body []byte) int {
	if len(body) < 2 || body[1] >= 24 {
		return -1
	}
	return int(body[1])
}

// byeCode is the code of a sync BYE or a blob ERROR body ([k, code, text]).
func byeCode(body []byte) int {
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("message", 3, 3); err != nil {
		return -1
	}
	if _, err := r.Uint("kind", 255); err != nil {
		return -1
	}
	c, err := r.Uint("code", 255)
	if err != nil {
		return -1
	}
	return int(c)
}

func syncHello() []byte {
	b := cborwire.AppendArray(nil, 3)
	b = cborwire.AppendUint(b, kindHello)
	b = cborwire.AppendUint(b, 1)
	return cborwire.AppendArray(b, 0)
}

func syncCredit(entries, bytes uint64) []byte {
	b := cborwire.AppendArray(nil, 3)
	b = cborwire.AppendUint(b, kindCredit)
	b = cborwire.AppendUint(b, entries)
	return cborwire.AppendUint(b, bytes)
}

// syncWant is a WANT of every key from seq from.
func syncWant(keys [][64]byte, from uint64) []byte {
	b := cborwire.AppendArray(nil, 2)
	b = cborwire.AppendUint(b, kindWant)
	b = cborwire.AppendArray(b, len(keys))
	for _, k := range keys {
		b = cborwire.AppendArray(b, 2)
		b = cborwire.AppendBytes(b, k[:])
		b = cborwire.AppendUint(b, from)
	}
	return b
}

// syncListAll is a RECONCILE with one empty list over the whole key space:
// the node answers with every item it offers.
func syncListAll() []byte {
	b := cborwire.AppendArray(nil, 2)
	b = cborwire.AppendUint(b, kindReconcile)
	b = cborwire.AppendArray(b, 1)
	b = cborwire.AppendArray(b, 3)
	b = append(b, cborwire.Null)
	b = cborwire.AppendUint(b, 2)
	return cborwire.AppendArray(b, 0)
}

// floodItems is the number of random items in one reconciliation-flood
// message: 290 list ranges of 64, just under the 2 MiB body limit.
const floodItems = 290 * 64

// syncFlood is a RECONCILE of floodItems random items in list ranges of
// 64 (keys below 0xf0), then one fingerprint, random so that it never
// matches, of [0xf0, end): the receiver must learn every item and answer,
// and the reconciliation goes on. Key i starts with a random 32-bit number
// in the i-th of floodItems equal steps below 0xf0000000, so the keys come
// out in order without sorting (the attack must outpace the node even in
// a race-detector build).
func syncFlood(src *rand.ChaCha8) []byte {
	const itemRandom = 64 + 32 + 8 // key, head, seq
	random := make([]byte, floodItems*itemRandom+16)
	_, _ = src.Read(random)
	step := uint32(0xf0000000 / floodItems)
	keys := make([][64]byte, floodItems)
	for i := range keys {
		r := random[i*itemRandom:]
		copy(keys[i][4:], r[4:64])
		binary.BigEndian.PutUint32(keys[i][:4], uint32(i)*step+binary.BigEndian.Uint32(r)%step)
	}
	ranges := floodItems / 64
	b := make([]byte, 0, maxSyncBody)
	b = cborwire.AppendArray(b, 2)
	b = cborwire.AppendUint(b, kindReconcile)
	b = cborwire.AppendArray(b, ranges+1)
	for r := range ranges {
		b = cborwire.AppendArray(b, 3)
		if r+1 < ranges {
			next := keys[(r+1)*64]
			b = cborwire.AppendBytes(b, next[:]) // the next range's first key
		} else {
			b = cborwire.AppendBytes(b, []byte{0xf0})
		}
		b = cborwire.AppendUint(b, 2) // list
		b = cborwire.AppendArray(b, 64)
		for i := r * 64; i < (r+1)*64; i++ {
			rnd := random[i*itemRandom:]
			b = cborwire.AppendArray(b, 3)
			b = cborwire.AppendBytes(b, keys[i][:])
			b = cborwire.AppendUint(b, 1+binary.BigEndian.Uint64(rnd[96:104])%(1<<20))
			b = cborwire.AppendBytes(b, rnd[64:96])
		}
	}
	b = cborwire.AppendArray(b, 3)
	b = append(b, cborwire.Null)
	b = cborwire.AppendUint(b, 1) // fingerprint
	return cborwire.AppendBytes(b, random[floodItems*itemRandom:])
}

// offeredKeys reads the keys of the items in a RECONCILE's ranges (list
// and reply): what the node offers this peer.
func offeredKeys(body []byte) ([][64]byte, error) {
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("message", 2, 2); err != nil {
		return nil, err
	}
	if k, err := r.Uint("kind", 255); err != nil || k != kindReconcile {
		return nil, errors.New("not a RECONCILE")
	}
	n, err := r.Array("ranges", 0, 1<<20)
	if err != nil {
		return nil, err
	}
	var keys [][64]byte
	for range n {
		if _, err := r.Array("range", 3, 3); err != nil {
			return nil, err
		}
		if !r.Null() {
			if _, err := r.Bytes("upper", 1, 64); err != nil {
				return nil, err
			}
		}
		mode, err := r.Uint("mode", 3)
		if err != nil {
			return nil, err
		}
		switch mode {
		case 0:
			if !r.Null() {
				return nil, errors.New("skip without null")
			}
		case 1:
			if _, err := r.Bytes("fingerprint", 16, 16); err != nil {
				return nil, err
			}
		default:
			m, err := r.Array("items", 0, 64)
			if err != nil {
				return nil, err
			}
			for range m {
				if _, err := r.Array("item", 3, 3); err != nil {
					return nil, err
				}
				var k [64]byte
				if err := r.Fixed("key", k[:]); err != nil {
					return nil, err
				}
				if _, err := r.Uint("seq", 1<<63); err != nil {
					return nil, err
				}
				if _, err := r.Bytes("head", 32, 32); err != nil {
					return nil, err
				}
				keys = append(keys, k)
			}
		}
	}
	return keys, nil
}

// entriesCount is the number of entries in an ENTRIES body.
func entriesCount(body []byte) uint64 {
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("message", 2, 2); err != nil {
		return 0
	}
	if _, err := r.Uint("kind", 255); err != nil {
		return 0
	}
	n, _ := r.Array("entries", 0, 256)
	return uint64(n)
}

// blobQuery is a QUERY of ids (blobsync.md).
func blobQuery(ids [][32]byte) []byte {
	b := cborwire.AppendArray(nil, 2)
	b = cborwire.AppendUint(b, 0)
	b = cborwire.AppendArray(b, len(ids))
	for _, id := range ids {
		b = cborwire.AppendBytes(b, id[:])
	}
	return b
}

// blobGet is a GET of id from offset.
func blobGet(id [32]byte, offset uint64) []byte {
	b := cborwire.AppendArray(nil, 3)
	b = cborwire.AppendUint(b, 2)
	b = cborwire.AppendBytes(b, id[:])
	return cborwire.AppendUint(b, offset)
}

// randomKeys returns n random 64-byte log keys.
func randomKeys(rng *rand.Rand, n int) [][64]byte {
	out := make([][64]byte, n)
	for i := range out {
		for j := 0; j < 64; j += 8 {
			binary.LittleEndian.PutUint64(out[i][j:], rng.Uint64())
		}
	}
	return out
}

// newRand is a fast generator seeded at random.
func newRand() *rand.Rand { return rand.New(newChaCha()) }

// newChaCha is a fast source of random bytes, seeded at random.
func newChaCha() *rand.ChaCha8 {
	var seed [32]byte
	for i := 0; i < 32; i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], rand.Uint64())
	}
	return rand.NewChaCha8(seed)
}
