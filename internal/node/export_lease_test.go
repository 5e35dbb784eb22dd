package node

import "time"

// SetLeaseTimers sets how often the holder looks at its leases, the least
// time between two sweeps of ended leases' blobs and the age a blob must
// have to be swept, for a test; the returned func restores them.
func SetLeaseTimers(tick, sweepGap, grace time.Duration) func() {
	t, g, b := leaseTick, leaseSweepGap, leaseBlobGrace
	leaseTick, leaseSweepGap, leaseBlobGrace = tick, sweepGap, grace
	return func() { leaseTick, leaseSweepGap, leaseBlobGrace = t, g, b }
}
