package blobsync

import (
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// lookups paces the blob look-ups peers ask of the responder (an id in a
// QUERY or a GET is one look-up: a stat of the blob store, known blob or
// not) with a token bucket per peer (doc/protocol/blobsync.md, "Sharing
// the responder"). A peer within its budget is answered at once; one
// beyond it waits for tokens, or gets ERROR 4 if the wait would exceed
// maxLookupWait. Buckets outlive streams, so closing and reopening streams
// does not refill one; a full bucket is forgotten, which loses nothing.
type lookups struct {
	rate, burst float64 // tokens a second, bucket size

	mu      sync.Mutex
	buckets map[identity.PublicKey]*bucket
}

// maxLookupWait bounds the wait for look-up tokens, well under the idle
// timeout of the requester.
const maxLookupWait = 5 * time.Second

// bucket holds tokens, or a debt (negative tokens) that later requests
// wait out.
type bucket struct {
	tokens float64
	at     time.Time
}

func newLookups(rate, burst int) *lookups {
	return &lookups{rate: float64(rate), burst: float64(burst), buckets: map[identity.PublicKey]*bucket{}}
}

// reserve takes n tokens from peer's bucket and returns how long to wait
// before answering. ok is false, and nothing is taken, when the wait would
// exceed maxLookupWait.
func (l *lookups) reserve(peer identity.PublicKey, n int, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[peer]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		if len(l.buckets) >= maxBuckets {
			l.forgetFullLocked(now)
		}
		l.buckets[peer] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	left := b.tokens - float64(n)
	if left >= 0 {
		b.tokens = left
		return 0, true
	}
	wait = time.Duration(-left / l.rate * float64(time.Second))
	if wait > maxLookupWait {
		return wait, false
	}
	b.tokens = left
	return wait, true
}

// maxBuckets is the number of buckets above which full ones are swept.
const maxBuckets = 1024

// forgetFullLocked drops the buckets that have refilled. l.mu must be held.
func (l *lookups) forgetFullLocked(now time.Time) {
	for p, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, p)
		}
	}
}
