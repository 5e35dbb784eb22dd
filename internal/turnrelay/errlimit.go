package turnrelay

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"sync"
	"time"
)

// errorLimit lets at most perSecond STUN error answers go to one IP in a
// second of the node's clock. It counts in a fixed table of buckets, an IP
// in the bucket a seeded hash of it names, so its memory is the same
// whatever a flood's sources are, and a flood from many forged sources
// only shares its bucket with one IP in errorBuckets (a map of the IPs
// answered, capped, would have shut every new client out once it was
// full).
type errorLimit struct {
	perSecond int
	now       func() time.Time
	seed      [16]byte // drawn at start: nobody outside knows which IPs share a bucket
	mu        sync.Mutex
	buckets   [errorBuckets]errorBucket
}

// errorBuckets is the size of errorLimit's table.
// (512 KiB).
const errorBuckets = 1 << 16

type errorBucket struct {
	second uint32 // the node's clock in whole seconds (mod 2³²) when n was counted
	n      uint32
}

func newErrorLimit(perSecond int, now func() time.Time) *errorLimit {
	l := &errorLimit{perSecond: perSecond, now: now}
	_, _ = rand.Read(l.seed[:])
	return l
}

// allow reports whether one more error answer may go to ip now, and
// counts it.
func (l *errorLimit) allow(ip netip.Addr) bool {
	sec := uint32(l.now().Unix())
	b16 := ip.As16()
	h := sha256.Sum256(append(l.seed[:], b16[:]...)) // only error answers get here
	i := binary.BigEndian.Uint32(h[:4]) % errorBuckets
	l.mu.Lock()
	defer l.mu.Unlock()
	b := &l.buckets[i]
	if b.second != sec {
		b.second, b.n = sec, 0
	}
	if int(b.n) >= l.perSecond {
		return false
	}
	b.n++
	return true
}

// stunMagicCookie is the fixed second word of every STUN message
// (RFC 8489 §5).
const stunMagicCookie = 0x2112A442

// isSTUNError reports whether p is a STUN message of the error response
// class (both class bits of its type set: RFC 8489 §5).
func isSTUNError(p []byte) bool {
	return len(p) >= 20 && p[0]&0xC0 == 0 &&
		binary.BigEndian.Uint32(p[4:8]) == stunMagicCookie &&
		binary.BigEndian.Uint16(p[0:2])&0x0110 == 0x0110
}
