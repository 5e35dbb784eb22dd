package scope

import (
	"math/rand/v2"
	"testing"

	"github.com/kithnet/kith/internal/store"
)

// TestLogSet: a set holds exactly the logs it was made of (given twice
// or not), none of 20,000 others, also in a set made with another seed;
// the empty set holds nothing.
func TestLogSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	randomLog := func() store.LogKey {
		var l store.LogKey
		for i := range l.Author {
			l.Author[i] = byte(rng.UintN(256))
		}
		l.LogID[0] = byte(rng.UintN(4)) // few log ids, as in a real home
		return l
	}
	in := make([]store.LogKey, 20000)
	for i := range in {
		in[i] = randomLog()
	}
	for _, s := range []logSet{newLogSet(append(in, in[:500]...)), newLogSet(in)} {
		if s.len() != len(in) {
			t.Fatalf("set of %d logs holds %d hashes", len(in), s.len())
		}
		for i, l := range in {
			if !s.has(l) {
				t.Fatalf("log %d of the set is not in it", i)
			}
		}
		for i := range 20000 {
			l := in[i%len(in)]
			l.LogID[31] ^= 1 // the next log of a listed author
			if s.has(l) {
				t.Fatalf("a log next to log %d is in the set", i)
			}
			if o := randomLog(); s.has(o) {
				t.Fatalf("random log %d is in the set", i)
			}
		}
	}
	if (logSet{}).has(in[0]) || newLogSet(nil).has(in[0]) {
		t.Fatal("the empty set holds a log")
	}
}
