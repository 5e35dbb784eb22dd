package node

import (
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// The bounds of a hub's presence service (doc/protocol/services.md §7).
const (
	presenceMaxInbox     = 16               // messages not yet written to a node
	presenceMaxQueue     = 64               // frames of any kind not yet written to a node
	presenceWriteTimeout = 10 * time.Second // to write one frame
	presenceStateBurst   = 8                // states at once…
	presenceStateEvery   = time.Second      // …then one a second
	presenceSendBurst    = 20               // messages at once…
	presenceSendPerMin   = 20               // …then 20 a minute
)

// presenceService is the presence service with its limits as announced.
func presenceService() services.Service {
	return services.Service{Name: services.Presence, Limits: []services.Limit{
		{Key: services.LimitBytes, Value: services.MaxMessageText},
		{Key: services.LimitLogs, Value: services.MaxPresenceHeads},
		{Key: services.LimitAccounts, Value: services.MaxPresenceKeys},
		{Key: services.LimitMessages, Value: presenceSendPerMin},
	}}
}

// bucket paces a node by the hub's own monotonic clock: it orders
// nothing, it only spaces a node's states and messages.
type bucket struct {
	tokens float64
	burst  float64
	every  time.Duration // one token back per every
	last   time.Time
}

func newBucket(burst int, every time.Duration) bucket {
	return bucket{tokens: float64(burst), burst: float64(burst), every: every, last: time.Now()}
}

// take takes one token if there is one.
func (b *bucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+float64(now.Sub(b.last))/float64(b.every))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// key32 is k as the wire's key.
func key32(k identity.PublicKey) services.Key32 { return services.Key32(k) }

// presenceMaxSessions bounds the sessions a hub holds at once. A variable
// only so that tests can lower it.
var presenceMaxSessions = 1024
