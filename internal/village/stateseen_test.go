package village

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func seenOf(n int) []Seen {
	out := make([]Seen, n)
	for i := range out {
		var a identity.PublicKey
		a[0], a[1], a[2] = byte(i>>16)+1, byte(i>>8), byte(i)
		out[i] = Seen{a, uint64(i%7 + 1), entry.ID(pk(byte(i%200 + 1)))}
	}
	return out
}

// TestSeenList: a seen list of any length round-trips; its content
// address is SHA-256 of its encoding; what is not a canonical, valid list
// is refused with the reason.
func TestSeenList(t *testing.T) {
	for _, n := range []int{0, 1, 128, 129, 20000} {
		seen := seenOf(n)
		b, err := EncodeSeen(seen)
		if err != nil {
			t.Fatalf("%d logs: %v", n, err)
		}
		got, err := DecodeSeen(b)
		if err != nil || len(got) != n || (n > 0 && got[n-1] != seen[n-1]) {
			t.Fatalf("%d logs: decoded %d, %v", n, len(got), err)
		}
		if id, _ := SeenID(seen); id != sha256.Sum256(b) {
			t.Fatalf("%d logs: SeenID is not the hash of the encoding", n)
		}
	}
	good, _ := EncodeSeen(seenOf(3))
	unsorted := seenOf(3)
	unsorted[0], unsorted[1] = unsorted[1], unsorted[0]
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"trailing", append(bytes.Clone(good), 0), "trailing"},
		{"truncated", good[:len(good)-1], "seen"},
		{"not an array", []byte{0x01}, "seen"},
		{"unsorted", encodeSeenRaw(unsorted), "sorted by author without repeats"},
		{"seq 0", encodeSeenRaw([]Seen{{pk(1), 0, entry.ID(pk(2))}}), "out of range"},
		{"zero head", encodeSeenRaw([]Seen{{pk(1), 1, entry.ID{}}}), "all-zero"},
		{"huge count", []byte{0x9a, 0xff, 0xff, 0xff, 0xff}, "seen"},
	} {
		if _, err := DecodeSeen(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if _, err := EncodeSeen(unsorted); err == nil {
		t.Error("EncodeSeen took an unsorted list")
	}
}

// encodeSeenRaw encodes a list without checking it.
func encodeSeenRaw(seen []Seen) []byte {
	b := []byte{0x80 | byte(len(seen))}
	for _, s := range seen {
		b = append(b, 0x83, 0x58, 32)
		b = append(b, s.Author[:]...)
		b = append(b, byte(s.Seq))
		b = append(b, 0x58, 32)
		b = append(b, s.Head[:]...)
	}
	return b
}

func FuzzDecodeSeen(f *testing.F) {
	for _, n := range []int{0, 1, 3} {
		b, _ := EncodeSeen(seenOf(n))
		f.Add(b)
	}
	f.Add(encodeSeenRaw([]Seen{{pk(1), 0, entry.ID(pk(2))}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		seen, err := DecodeSeen(b)
		if err != nil {
			return
		}
		again, err := EncodeSeen(seen)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("decoded %d logs that encode to %x (%v), not the input", len(seen), again, err)
		}
	})
}
