package entry

import (
	"crypto/ed25519"
	"runtime"
	"sync"

	"github.com/hdevalence/ed25519consensus"
)

// Signature validity is ZIP-215 (https://zips.z.cash/zip-0215) everywhere:
// single verification and batch verification accept exactly the same
// signatures, so every node decides the same way.

// Verify reports whether the entry's signature is valid for its author.
func (e *Entry) Verify() bool {
	return ed25519consensus.Verify(ed25519.PublicKey(e.Header.Author[:]), e.Header.SigningInput(), e.Header.Signature[:])
}

// batchMin is the batch size below which single verification is as fast.
const batchMin = 4

// VerifyBatch checks the signatures of all entries and returns, for each, if
// it is valid. It verifies in batches spread over the available cores and
// falls back to single verification only for a batch that fails, so one
// forged entry costs its batch a second pass and nothing else.
func VerifyBatch(entries []*Entry) []bool {
	ok := make([]bool, len(entries))
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(entries) + workers - 1) / workers
	if chunk < 64 {
		chunk = 64
	}
	var wg sync.WaitGroup
	for start := 0; start < len(entries); start += chunk {
		end := min(start+chunk, len(entries))
		wg.Add(1)
		go func(es []*Entry, out []bool) {
			defer wg.Done()
			verifyChunk(es, out)
		}(entries[start:end], ok[start:end])
	}
	wg.Wait()
	return ok
}

func verifyChunk(es []*Entry, out []bool) {
	if len(es) < batchMin {
		for i, e := range es {
			out[i] = e.Verify()
		}
		return
	}
	bv := ed25519consensus.NewPreallocatedBatchVerifier(len(es))
	for _, e := range es {
		bv.Add(ed25519.PublicKey(e.Header.Author[:]), e.Header.SigningInput(), e.Header.Signature[:])
	}
	if bv.Verify() {
		for i := range out {
			out[i] = true
		}
		return
	}
	// Some signature is bad: split and retry, so a few forgeries in a large
	// batch cost a few small batches rather than len(es) single checks.
	mid := len(es) / 2
	verifyChunk(es[:mid], out[:mid])
	verifyChunk(es[mid:], out[mid:])
}
