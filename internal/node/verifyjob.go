package node

import (
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/entry"
)

// verifyChunk is how many signatures one claim of a verifyJob checks: the
// batch size at which batch verification is fastest per signature.
const verifyChunk = 128

// verifyJob is one import batch whose signatures two stages verify
// together. The verify stage works through it chunk by chunk; the store
// stage, when it reaches the batch before the verifier is done, claims the
// remaining chunks itself instead of waiting. Neither stage idles while
// there is verification left, so on two cores the import keeps both busy
// whichever stage is the slower one at the moment.
type verifyJob struct {
	es   []*entry.Entry
	n    int64        // number of chunks
	next atomic.Int64 // next chunk to claim
	wg   sync.WaitGroup
}

func newVerifyJob(es []*entry.Entry) *verifyJob {
	j := &verifyJob{es: es, n: int64((len(es) + verifyChunk - 1) / verifyChunk)}
	j.wg.Add(int(j.n))
	return j
}

// work verifies chunks until none is left to claim. Entries with a valid
// signature are marked verified (entry.Entry.SignatureVerified), so the
// store does not check them again; invalid ones are left for the store to
// reject.
func (j *verifyJob) work() {
	for {
		c := j.next.Add(1) - 1
		if c >= j.n {
			return
		}
		lo := int(c) * verifyChunk
		hi := min(lo+verifyChunk, len(j.es))
		entry.VerifyBatchWorkers(j.es[lo:hi], 1)
		j.wg.Done()
	}
}

// finish helps with what is left and returns when every chunk is verified.
func (j *verifyJob) finish() {
	j.work()
	j.wg.Wait()
}
