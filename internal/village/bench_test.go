package village

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// benchVillage is a village of 7 locals (two founders, five invited by
// every local and joined) and n strangers with votes by 1-3 locals and a
// note on every 5th; bench/village builds the same shape at 100,000.
func benchVillage(b *testing.B, n int) *world {
	var ks [7]identity.PrivateKey
	for i := range ks {
		ks[i] = key(b, byte(i))
	}
	w := founded(b, Majority, Majority, ks[0], ks[1])
	for inv := 2; inv < 7; inv++ {
		for l := range inv {
			w.post(ks[l], &Invite{Village: w.village, Invitee: accOf(ks[inv])})
		}
		w.post(ks[inv], &Join{Village: w.village})
	}
	for i := range n {
		var id StrangerID
		a := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("i"), uint64(i)))
		u := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("u"), uint64(i)))
		copy(id[:32], a[:])
		copy(id[32:], u[:])
		for v := range 1 + i%3 {
			vote := &Vote{Village: w.village, Stranger: id, Vote: VoteAccept, Proof: a}
			if i%10 == 0 && v == 0 {
				vote.Vote, vote.Proof = VoteVeto, [32]byte{}
			}
			w.post(ks[(i+v)%7], vote)
		}
		if i%5 == 0 {
			w.post(ks[(i+3)%7], &Strangerspec{Village: w.village, Stranger: id, Text: "met at the market"})
		}
	}
	return w
}

// BenchmarkReduce reduces a village of 7 locals and 2,000 strangers
// (about 4,600 entries); go run ./bench/village measures 100,000.
func BenchmarkReduce(b *testing.B) {
	w := benchVillage(b, 2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Reduce(w.village, w.all); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(w.all)), "entries")
}

// BenchmarkCompare compares two strangers lists of 2,000 strangers that
// differ by 10, at two levels.
func BenchmarkCompare(b *testing.B) {
	w := benchVillage(b, 2000)
	s := w.reduce()
	a := StrangersList(s, s.Members()[0])
	var drop []StrangerID
	for i := range 10 {
		id, _ := a.Member(i * 150)
		drop = append(drop, id)
	}
	l := a.Without(drop...)
	var bytes int
	for b.Loop() {
		x, err := Compare(a, l, 2)
		if err != nil || x.A.Len() != 10 {
			b.Fatal(err)
		}
		bytes = x.BytesAtoB + x.BytesBtoA
	}
	b.ReportMetric(float64(bytes), "wire-bytes")
}
