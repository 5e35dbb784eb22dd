package entry

import (
	"crypto/ed25519"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hdevalence/ed25519consensus"
)

// Signature validity is ZIP-215 (https://zips.z.cash/zip-0215) everywhere:
// single verification and batch verification accept exactly the same
// signatures, so every node decides the same way.

// Verify reports whether the entry's signature is valid for its author.
// It always checks, whatever SignatureVerified says, and marks the entry
// verified when the signature is valid.
func (e *Entry) Verify() bool {
	ok := ed25519consensus.Verify(ed25519.PublicKey(e.Header.Author[:]), e.Header.SigningInput(), e.Header.Signature[:])
	if ok {
		e.markVerified()
	}
	return ok
}

// batchMin is the batch size below which single verification is as fast;
// batchMax the size above which a batch gets slower per signature.
const (
	batchMin = 4
	batchMax = 128
)

// VerifyBatch checks the signatures of all entries and returns, for each, if
// it is valid. It verifies in batches spread over the available cores and
// falls back to single verification only for a batch that fails, so one
// forged entry costs its batch a second pass and nothing else. Entries whose
// SignatureVerified is already true are not checked again. Valid entries are
// marked verified.
func VerifyBatch(all []*Entry) []bool {
	return VerifyBatchWorkers(all, runtime.GOMAXPROCS(0))
}

// VerifyBatchWorkers is VerifyBatch on at most workers goroutines (at least
// one). A pipeline that verifies while another stage writes leaves that
// stage a core this way.
func VerifyBatchWorkers(all []*Entry, workers int) []bool {
	ok := make([]bool, len(all))
	entries := make([]*Entry, 0, len(all))
	index := make([]int, 0, len(all))
	for i, e := range all {
		if e.SignatureVerified() {
			ok[i] = true
			continue
		}
		entries = append(entries, e)
		index = append(index, i)
	}
	if len(entries) == 0 {
		return ok
	}
	res := make([]bool, len(entries))
	// Batches of batchMax: batch verification gets slower per signature
	// when a batch grows past a few hundred (the multiscalar tables fall
	// out of cache), so large inputs are cut up and spread over the cores.
	n := (len(entries) + batchMax - 1) / batchMax
	workers = max(1, min(workers, n))
	next := make(chan int, n)
	for b := range n {
		next <- b * batchMax
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range next {
				end := min(start+batchMax, len(entries))
				verifyChunk(entries[start:end], res[start:end])
			}
		}()
	}
	wg.Wait()
	for j, i := range index {
		ok[i] = res[j]
		if res[j] {
			entries[j].markVerified()
		}
	}
	return ok
}

func verifyChunk(es []*Entry, out []bool) {
	if len(es) < batchMin {
		for i, e := range es {
			out[i] = e.Verify()
		}
		return
	}
	if batchVerify(es) { // batch.go
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

// VerifyJob is a batch of entries whose signatures several goroutines
// verify together, chunk by chunk: typically a verify stage that works
// through batches ahead, and the stage that consumes them, which claims
// whatever chunks of its batch are still unclaimed instead of waiting.
// Neither idles while there is verification left, so on two cores both
// stay busy whichever is the slower one at the moment.
type VerifyJob struct {
	es   []*Entry
	n    int64        // number of chunks
	next atomic.Int64 // next chunk to claim
	wg   sync.WaitGroup
}

// NewVerifyJob returns a job verifying es, in chunks of the size at which
// batch verification is fastest per signature.
func NewVerifyJob(es []*Entry) *VerifyJob {
	j := &VerifyJob{es: es, n: int64((len(es) + batchMax - 1) / batchMax)}
	j.wg.Add(int(j.n))
	return j
}

// Entries are the entries the job verifies.
func (j *VerifyJob) Entries() []*Entry { return j.es }

// Work verifies chunks until none is left to claim; other goroutines may
// still be verifying the last ones. Entries with a valid signature are
// marked verified (SignatureVerified), so a store does not check them
// again; invalid ones are left for it to reject.
func (j *VerifyJob) Work() {
	for {
		c := j.next.Add(1) - 1
		if c >= j.n {
			return
		}
		lo := int(c) * batchMax
		hi := min(lo+batchMax, len(j.es))
		VerifyBatchWorkers(j.es[lo:hi], 1)
		j.wg.Done()
	}
}

// Finish helps with what is left and returns when every chunk is verified.
func (j *VerifyJob) Finish() {
	j.Work()
	j.wg.Wait()
}
