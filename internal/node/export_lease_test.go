package node

import (
	"testing"
	"time"
)

// SetLeaseTimers sets how often the holder looks at its leases, the least
// time between two sweeps of ended leases' blobs and the age a blob must
// have to be swept, for a test, until its cleanups run (call it before
// starting the nodes, whose networks stop first) or the network is
// stopped and it is called again.
func SetLeaseTimers(t testing.TB, tick, sweepGap, grace time.Duration) {
	old := [3]time.Duration{leaseTick, leaseSweepGap, leaseBlobGrace}
	leaseTick, leaseSweepGap, leaseBlobGrace = tick, sweepGap, grace
	t.Cleanup(func() { leaseTick, leaseSweepGap, leaseBlobGrace = old[0], old[1], old[2] })
}

// SetLeaseTick sets only how often the holder looks at its leases (and
// renews those it holds at others), for a test, as SetLeaseTimers does:
// the sweeps of ended leases' blobs keep their times.
func SetLeaseTick(t testing.TB, tick time.Duration) {
	SetLeaseTimers(t, tick, leaseSweepGap, leaseBlobGrace)
}
