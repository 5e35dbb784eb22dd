package node

import (
	"crypto/subtle"
	"encoding/hex"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/pairing"
)

// Limits of the pairing device (doc/protocol/pairing.md, "The pairing
// device").
const (
	// MaxPendingPairings bounds the codes a node holds at once.
	MaxPendingPairings = 4
	// MaxPairAttempts is how many failed runs void a code.
	MaxPairAttempts = 3
	// DefaultPairTTL is how long a pairing code is valid unless told otherwise.
	DefaultPairTTL = 10 * time.Minute
	// MaxPairTTL bounds a pairing code's validity.
	MaxPairTTL = time.Hour
)

// PairState is what became of a pairing code.
type PairState string

// The states of a pairing code.
const (
	PairPending   PairState = "pending"   // waiting for the new device
	PairUsed      PairState = "used"      // a device was certified with it
	PairExpired   PairState = "expired"   // its time is over
	PairBurnt     PairState = "void"      // tried wrongly MaxPairAttempts times
	PairCancelled PairState = "cancelled" // the person gave up on it
)

// pairRecord is one code this node made. Its fields are guarded by the
// book's mutex.
type pairRecord struct {
	id       [pairing.IDSize]byte
	secret   [pairing.SecretSize]byte
	expires  time.Time // by this node's clock (monotonic reading kept)
	made     time.Time
	state    PairState
	inUse    bool // a run holds the code
	failures int
	device   identity.PublicKey // the device certified, once used
	name     string
	cert     string // the certificate entry's id, once used
	// key is the account key derived from the recovery phrase given for
	// this code, on a device that does not hold the key; zero otherwise,
	// and forgotten as soon as the code is no longer pending.
	key identity.PrivateKey
}

// forgetKey drops the account key held for this code alone.
func (r *pairRecord) forgetKey() { r.key = identity.PrivateKey{} }

// pairBook holds the pending codes of a serving node, in memory only: a
// restart voids them.
type pairBook struct {
	mu      sync.Mutex
	records []*pairRecord // pending and finished, newest last
	changed chan struct{} // closed and replaced on every change
}

func newPairBook() *pairBook { return &pairBook{changed: make(chan struct{})} }

func (b *pairBook) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// expire moves pending codes past their time to PairExpired.
func (b *pairBook) expire(now time.Time) {
	for _, r := range b.records {
		if r.state == PairPending && !r.inUse && !now.Before(r.expires) {
			r.state = PairExpired
			r.forgetKey()
			b.notify()
		}
	}
}

// add remembers a new code; it refuses when MaxPendingPairings are pending.
// Finished records beyond the newest 16 are forgotten.
func (b *pairBook) add(r *pairRecord, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	pending := 0
	for _, o := range b.records {
		if o.state == PairPending {
			pending++
		}
	}
	if pending >= MaxPendingPairings {
		return false
	}
	r.state = PairPending
	b.records = append(b.records, r)
	if len(b.records) > 16 {
		keep := b.records[:0]
		drop := len(b.records) - 16
		for _, o := range b.records {
			if drop > 0 && o.state != PairPending {
				drop--
				continue
			}
			keep = append(keep, o)
		}
		b.records = keep
	}
	b.notify()
	return true
}

// find returns the record with id, comparing every id in constant time.
func (b *pairBook) find(id [pairing.IDSize]byte) *pairRecord {
	var found *pairRecord
	for _, r := range b.records {
		if subtle.ConstantTimeCompare(r.id[:], id[:]) == 1 {
			found = r
		}
	}
	return found
}

// begin takes the code with id for one run. It returns the code's secret
// and pairing.OK, or the status to refuse the run with. known is false
// when no code has this id (a guess).
func (b *pairBook) begin(id [pairing.IDSize]byte, now time.Time) (rec *pairRecord, st pairing.Status, known bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	r := b.find(id)
	if r == nil {
		return nil, pairing.UnknownCode, false
	}
	switch {
	case r.state == PairUsed:
		return nil, pairing.UsedCode, true
	case r.state == PairExpired:
		return nil, pairing.ExpiredCode, true
	case r.state == PairBurnt:
		return nil, pairing.BurntCode, true
	case r.state == PairCancelled:
		return nil, pairing.UnknownCode, true
	case r.inUse:
		return nil, pairing.Busy, true
	}
	r.inUse = true
	b.notify()
	return r, pairing.OK, true
}

// fail ends a run that did not prove the secret: the third voids the code.
// It returns the attempts left.
func (b *pairBook) fail(r *pairRecord) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	r.inUse = false
	r.failures++
	if r.failures >= MaxPairAttempts && r.state == PairPending {
		r.state = PairBurnt
		r.forgetKey()
	}
	b.notify()
	return MaxPairAttempts - r.failures
}

// release ends a run without counting it (this node's own error).
func (b *pairBook) release(r *pairRecord) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r.inUse = false
	b.notify()
}

// used ends the run that certified device.
func (b *pairBook) used(r *pairRecord, device identity.PublicKey, name, cert string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r.inUse = false
	r.state = PairUsed
	r.device, r.name, r.cert = device, name, cert
	r.forgetKey()
	b.notify()
}

// cancel voids a pending code; it reports whether a code had id.
func (b *pairBook) cancel(id [pairing.IDSize]byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.find(id)
	if r == nil {
		return false
	}
	if r.state == PairPending {
		r.state = PairCancelled
		r.forgetKey()
		b.notify()
	}
	return true
}

// accountKey returns the account key held for r's code alone (zero when
// the home holds the key, or once the code is no longer pending).
func (b *pairBook) accountKey(r *pairRecord) identity.PrivateKey {
	b.mu.Lock()
	defer b.mu.Unlock()
	return r.key
}

// status returns a copy of the record with id and a channel closed at the
// next change of the book.
func (b *pairBook) status(id [pairing.IDSize]byte, now time.Time) (pairRecord, <-chan struct{}, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(now)
	r := b.find(id)
	if r == nil {
		return pairRecord{}, b.changed, false
	}
	return *r, b.changed, true
}

// pairID is how the API names a code: its id in hex.
func pairID(id [pairing.IDSize]byte) string { return hex.EncodeToString(id[:]) }

func parsePairID(s string) ([pairing.IDSize]byte, bool) {
	var id [pairing.IDSize]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != pairing.IDSize {
		return id, false
	}
	copy(id[:], b)
	return id, true
}
