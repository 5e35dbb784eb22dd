package village

import (
	"crypto/sha256"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
)

// A state names the logs it has seen through its seen list (village.md
// §4): the canonical CBOR array of [author bstr 32, seq uint ≥ 1, head
// bstr 32], sorted by author without repeats, of any length. The state
// payload carries its content address (SHA-256 of the encoding, which is
// also its blob id): the list itself travels as a blob, so a state commits
// to a village however many logs it has.

// MaxSeenLogs bounds a seen list's length: 72-byte members fill a 64 MiB
// blob at about 930,000.
const MaxSeenLogs = 1 << 20

// seenMemberSize is the encoded size of one member: array head, 34-byte
// author, seq (at most 9 bytes), 34-byte head.
const seenMemberMin = 1 + 34 + 1 + 34

// EncodeSeen checks a seen list and returns its canonical encoding.
func EncodeSeen(seen []Seen) ([]byte, error) {
	if err := checkSeen(seen); err != nil {
		return nil, err
	}
	b := cborwire.AppendArray(make([]byte, 0, 9+len(seen)*(seenMemberMin+8)), len(seen))
	for _, s := range seen {
		b = cborwire.AppendArray(b, 3)
		b = cborwire.AppendBytes(b, s.Author[:])
		b = cborwire.AppendUint(b, s.Seq)
		b = cborwire.AppendBytes(b, s.Head[:])
	}
	return b, nil
}

// SeenID is the content address of a seen list: SHA-256 of its encoding.
func SeenID(seen []Seen) ([32]byte, error) {
	b, err := EncodeSeen(seen)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// DecodeSeen reads a seen list; it accepts only the canonical encoding of
// a valid list (sorted by author, no repeats, no zero ids, seqs 1..MaxSeq,
// no trailing bytes).
func DecodeSeen(b []byte) ([]Seen, error) {
	d := &decoder{typ: "seen list", r: cborwire.NewReader(b, cborwire.PayloadWording)}
	n, err := d.r.Array("seen", 0, min(MaxSeenLogs, len(b)/seenMemberMin))
	if err != nil {
		return nil, d.wrap("seen", err)
	}
	out := make([]Seen, n)
	for i := range out {
		what := fmt.Sprintf("seen[%d]", i)
		if _, err := d.r.Array(what, 3, 3); err != nil {
			return nil, d.wrap("seen", err)
		}
		if err := d.id(what+".author", (*[32]byte)(&out[i].Author)); err != nil {
			return nil, err
		}
		seq, err := d.r.Uint(what+".seq", entry.MaxSeq)
		if err != nil {
			return nil, d.wrap("seen", err)
		}
		out[i].Seq = seq
		if err := d.id(what+".head", (*[32]byte)(&out[i].Head)); err != nil {
			return nil, err
		}
	}
	if err := d.r.End(); err != nil {
		return nil, d.wrap("seen", err)
	}
	if err := checkSeen(out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkSeen checks the rules of a seen list.
func checkSeen(seen []Seen) error {
	const t = "seen list"
	if len(seen) > MaxSeenLogs {
		return fieldErr(t, "seen", "%d logs, want at most %d", len(seen), MaxSeenLogs)
	}
	for i, s := range seen {
		if err := checkID(t, fmt.Sprintf("seen[%d].author", i), s.Author); err != nil {
			return err
		}
		if err := checkID(t, fmt.Sprintf("seen[%d].head", i), s.Head); err != nil {
			return err
		}
		if s.Seq == 0 || s.Seq > entry.MaxSeq {
			return fieldErr(t, "seen", "seen[%d].seq %d out of range 1..%d", i, s.Seq, uint64(entry.MaxSeq))
		}
		if i > 0 && bytesCmp(seen[i-1].Author[:], s.Author[:]) >= 0 {
			return fieldErr(t, "seen", "seen[%d] is not after seen[%d]: sorted by author without repeats", i, i-1)
		}
	}
	return nil
}

// SeenLists finds a seen list by its content address (a blob store, for
// the node); ok is false when the list is not held.
type SeenLists func(id [32]byte) (seen []Seen, ok bool)

// MapSeenLists is a SeenLists over encoded lists in memory, keyed by
// content address (tests, and callers that hold a few).
func MapSeenLists(lists map[[32]byte][]byte) SeenLists {
	return func(id [32]byte) ([]Seen, bool) {
		b, ok := lists[id]
		if !ok || sha256.Sum256(b) != id {
			return nil, false
		}
		s, err := DecodeSeen(b)
		return s, err == nil
	}
}
