package entry

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// libraryBatch is ed25519consensus's own batch verifier on es: the
// oracle batchVerify must agree with.
func libraryBatch(es []*Entry) bool {
	bv := ed25519consensus.NewPreallocatedBatchVerifier(len(es))
	for _, e := range es {
		bv.Add(ed25519.PublicKey(e.Header.Author[:]), e.Header.SigningInput(), e.Header.Signature[:])
	}
	return bv.Verify()
}

// backlink is some backlink for seq (the signatures do not care which).
func backlink(seq uint64) ID {
	if seq == 1 {
		return ID{}
	}
	return ID{1, byte(seq), byte(seq >> 8)}
}

// smallOrderEntry is an entry whose author is a point of order 2 and whose
// signature is R of order 2 and s = 0: valid under ZIP-215 for any message
// ([8][0]B = [8]R + [8][k]A = 0), refused by RFC 8032's cofactorless check.
func smallOrderEntry(t *testing.T, seq uint64) *Entry {
	e := mustSign(t, testKey(t, 40), Draft{Seq: seq, Backlink: backlink(seq), Timestamp: seq, Payload: []byte{byte(seq)}})
	c := *e
	order2 := [32]byte{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f} // (0, −1)
	copy(c.Header.Author[:], order2[:])
	c.Header.Signature = [64]byte{}
	copy(c.Header.Signature[:32], order2[:])
	c.sigOK = false
	return &c
}

// TestBatchVerifyAgreesWithLibrary checks that the batch check that sums
// one key's terms decides every batch as ed25519consensus's batch verifier
// and as single verification do: batches of one to five authors
// interleaved, of batchMin to batchMax+3 entries, with no forgery or with
// one to three of several kinds (a flipped bit in S or in R, a non-canonical
// S, another key's signature, a signature over another entry), and with
// ZIP-215's small-order entries among them.
func TestBatchVerifyAgreesWithLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 4))
	keys := []int{}
	for i := range 5 {
		keys = append(keys, 10+i)
	}
	forge := []func(e *Entry, other *Entry){
		func(e, _ *Entry) { e.Header.Signature[40] ^= 0x01 },
		func(e, _ *Entry) { e.Header.Signature[3] ^= 0x10 },
		func(e, _ *Entry) { e.Header.Signature[63] |= 0xe0 }, // S ≥ ℓ
		func(e, o *Entry) { e.Header.Signature = o.Header.Signature },
		func(e, o *Entry) { e.Header.Author = o.Header.Author },
	}
	accepted, refused := 0, 0
	for round := range 60 {
		authors := 1 + round%5
		n := batchMin + r.IntN(batchMax)
		es := make([]*Entry, n)
		for i := range es {
			seq := uint64(round*1000 + i + 1)
			if round%4 == 3 && r.IntN(8) == 0 {
				es[i] = smallOrderEntry(t, seq)
				continue
			}
			k := testKey(t, byte(keys[r.IntN(authors)]))
			es[i] = mustSign(t, k, Draft{Seq: seq, Backlink: backlink(seq), Timestamp: seq, Payload: []byte(fmt.Sprint(round, i))})
		}
		forged := 0
		if round%3 != 0 {
			forged = 1 + r.IntN(3)
		}
		for range forged {
			i, o := r.IntN(n), r.IntN(n)
			c := *es[i]
			forge[r.IntN(len(forge))](&c, es[o])
			c.sigOK = false
			es[i] = &c
		}
		all := true
		for _, e := range es {
			c := *e
			all = all && c.Verify()
		}
		got, lib := batchVerify(es), libraryBatch(es)
		if got != lib || got != all {
			t.Fatalf("round %d (%d entries, %d authors, %d forged): batchVerify %v, the library's batch %v, single checks all valid %v", round, n, authors, forged, got, lib, all)
		}
		if got {
			accepted++
		} else {
			refused++
		}
		// VerifyBatch, which splits a failed batch, names exactly the
		// entries single verification refuses.
		for i, ok := range VerifyBatch(es) {
			c := *es[i]
			c.sigOK = false
			if ok != c.Verify() {
				t.Fatalf("round %d: entry %d: VerifyBatch %v, Verify %v", round, i, ok, !ok)
			}
		}
	}
	if accepted < 15 || refused < 15 {
		t.Fatalf("the rounds tried %d valid and %d forged batches: too few of one kind to mean anything", accepted, refused)
	}
	if !batchVerify([]*Entry{smallOrderEntry(t, 1), smallOrderEntry(t, 2), smallOrderEntry(t, 3), smallOrderEntry(t, 4)}) {
		t.Fatal("a batch of ZIP-215 small-order entries is refused")
	}
	if batchVerify(nil) {
		t.Fatal("an empty batch is accepted")
	}
}

// BenchmarkBatchVerify compares, in one run, ed25519consensus's batch
// verifier with batchVerify on a chunk of batchMax entries of one author
// (a sync's usual chunk) and of batchMax authors (the worst case for
// batchVerify: nothing to sum). ns/op is per chunk.
func BenchmarkBatchVerify(b *testing.B) {
	for _, authors := range []int{1, batchMax} {
		es := make([]*Entry, batchMax)
		for i := range es {
			seq := uint64(i + 1)
			es[i] = mustSign(b, testKey(b, byte(i%authors)), Draft{Seq: seq, Backlink: backlink(seq), Timestamp: seq, Payload: make([]byte, 100)})
		}
		b.Run(fmt.Sprintf("authors=%d/library", authors), func(b *testing.B) {
			for b.Loop() {
				if !libraryBatch(es) {
					b.Fatal("invalid")
				}
			}
		})
		b.Run(fmt.Sprintf("authors=%d/kith", authors), func(b *testing.B) {
			for b.Loop() {
				if !batchVerify(es) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
