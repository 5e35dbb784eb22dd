package store

import (
	"slices"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// TestVerifyPipeline: a batch is cut into chunks of 128, then 512; the
// entries fresh names are verified ahead, once each, and a chunk's
// verifier answers from those and verifies the rest when asked, so every
// entry is verified exactly once and each answer is the verifier's.
func TestVerifyPipeline(t *testing.T) {
	es := make([]*entry.Entry, 700)
	for i := range es {
		es[i] = &entry.Entry{Header: entry.Header{Seq: uint64(i + 1)}}
	}
	good := func(e *entry.Entry) bool { return e.Header.Seq%7 != 0 }
	var mu sync.Mutex
	verified := map[uint64]int{}
	var calls []int
	verify := func(sub []*entry.Entry) []bool {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, len(sub))
		out := make([]bool, len(sub))
		for i, e := range sub {
			verified[e.Header.Seq]++
			out[i] = good(e)
		}
		return out
	}
	fresh := func(chunk []*entry.Entry) []*entry.Entry {
		var out []*entry.Entry
		for _, e := range chunk {
			if e.Header.Seq > 10 { // the first ten are "held"
				out = append(out, e)
			}
		}
		return out
	}
	p := StartVerify(es, verify, fresh)
	defer p.Stop()
	var sizes []int
	for _, c := range p.Chunks() {
		sizes = append(sizes, len(c))
	}
	if !slices.Equal(sizes, []int{FirstVerifyChunk, VerifyChunk, 700 - FirstVerifyChunk - VerifyChunk}) {
		t.Fatalf("chunks %v", sizes)
	}
	for i, c := range p.Chunks() {
		v, err := p.Verifier(i)
		if err != nil {
			t.Fatal(err)
		}
		for j, ok := range v(c) {
			if ok != good(c[j]) {
				t.Fatalf("chunk %d entry %d: %v", i, j, ok)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for seq := uint64(1); seq <= 700; seq++ {
		if verified[seq] != 1 {
			t.Fatalf("seq %d verified %d times", seq, verified[seq])
		}
	}
	// Ahead: 118, 512, 60; then the ten held ones, when Plan asked.
	if !slices.Equal(calls, []int{118, 512, 60, 10}) && !slices.Equal(calls, []int{118, 10, 512, 60}) && !slices.Equal(calls, []int{118, 512, 10, 60}) {
		t.Fatalf("verify calls %v", calls)
	}
}
