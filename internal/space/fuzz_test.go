package space

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// FuzzDecode: Decode never panics, and what it accepts re-encodes to the
// same bytes (one encoding per value). Seeded from the table tests'
// payloads, valid and invalid, and the scenarios' entries.
func FuzzDecode(f *testing.F) {
	for _, c := range validPayloads() {
		f.Add(MustEncode(c.p))
	}
	for _, c := range rejectCases() {
		f.Add(c.raw)
	}
	for _, e := range vectorWorld(f).all {
		f.Add(e.Payload)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			if p != nil {
				t.Fatal("a payload with an error")
			}
			return
		}
		re, err := Encode(p)
		if err != nil {
			t.Fatalf("decoded but does not encode: %v", err)
		}
		if !bytes.Equal(re, b) {
			t.Fatalf("decoded %x re-encodes to %x", b, re)
		}
	})
}

// FuzzHistories: random concurrent histories drawn from the fuzzer's
// seeds never panic the reducer, and three delivery orders give the same
// state.
func FuzzHistories(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, i*7+1, uint8(10+i*3))
	}
	f.Fuzz(func(t *testing.T, a, b uint64, steps uint8) {
		rng := rand.New(rand.NewPCG(a, b))
		w := randomHistoryTB(t, rng, 1+int(steps)%48)
		sameOutcomeTB(t, w, rng, 3)
	})
}
