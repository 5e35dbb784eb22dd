package turnrelay

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"time"
)

// errorLimit lets at most perSecond STUN error answers go to one IP in a
// second of the node's clock. Its state is one count per IP answered in
// the current second, dropped when the second ends, and at most
// maxErrorIPs of them: over that, no error answer goes to a new IP until
// the second ends (a flood with forged sources from many addresses is
// answered by a bounded number of errors a second, not one each).
type errorLimit struct {
	perSecond int
	now       func() time.Time
	mu        sync.Mutex
	second    int64 // the node's clock in whole seconds
	sent      map[netip.Addr]int
}

// maxErrorIPs bounds the addresses errorLimit counts in one second.
const maxErrorIPs = 4096

func newErrorLimit(perSecond int, now func() time.Time) *errorLimit {
	return &errorLimit{perSecond: perSecond, now: now, sent: map[netip.Addr]int{}}
}

// allow reports whether one more error answer may go to ip now, and
// counts it.
func (l *errorLimit) allow(ip netip.Addr) bool {
	sec := l.now().Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec != l.second {
		l.second = sec
		clear(l.sent)
	}
	n, seen := l.sent[ip]
	if n >= l.perSecond || (!seen && len(l.sent) >= maxErrorIPs) {
		return false
	}
	l.sent[ip] = n + 1
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
