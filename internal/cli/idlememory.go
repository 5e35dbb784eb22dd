package cli

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Idle memory (BENCHMARKS.md, "Scale", item 7, ninth session): after a
// burst of work (a first reconciliation of a million logs, a large
// import), the Go runtime keeps the burst's heap resident until its next
// collection, which for an idle node is the periodic one every two
// minutes, and after it the scavenger returns only what exceeds the goal
// of the collection before: a node holding 100,000 logs idled with 42 MB
// of free heap kept for 10 MB live. releaseIdleMemory returns it once the
// burst is over, and once more when the node has been quiet for a while
// (what caches let go of when unused, such as the store's heads, is
// garbage no figure shows until a collection).
const (
	// idleCheck is how often the runtime's figures are read (a few
	// microseconds).
	idleCheck = 2 * time.Second
	// idleAllocs is the most a quiet node allocates between two checks.
	idleAllocs = 16 << 20
	// idleSlack is how much more heap than twice what the last collection
	// found live (the runtime's pacing at the default GOGC) is worth a
	// collection to return.
	idleSlack = 16 << 20
	// idleGap is the least time between two releases.
	idleGap = 10 * time.Second
	// idleSettle is how long a node is quiet before the release that
	// catches what caches let go of (sqlite's heads cache: 5 s unread).
	idleSettle = 8 * time.Second
)

// idleTrim decides when to release (releaseIdleMemory); pure, for tests.
type idleTrim struct {
	released    time.Time // the last release
	quietSince  time.Time // the first quiet check after a busy one
	burst       bool      // a busy check since the last release
	settled     bool      // released once since quietSince+idleSettle
	initialized bool
}

// check takes the figures of one check at now: allocs allocated since the
// check before, heap resident (objects, unused and free spans, not those
// returned), live at the last collection; it says whether to release.
// A node that keeps allocating never releases; a quiet one releases after
// a burst, when its heap is well over what the runtime's pacing keeps,
// and once idleSettle into a quiet spell; never twice within idleGap.
func (t *idleTrim) check(now time.Time, allocs, heap, live uint64) bool {
	if !t.initialized {
		t.initialized, t.quietSince = true, now
	}
	if allocs > idleAllocs {
		t.burst, t.settled, t.quietSince = true, false, time.Time{}
		return false
	}
	if t.quietSince.IsZero() {
		t.quietSince = now
	}
	if now.Sub(t.released) < idleGap {
		return false
	}
	settle := !t.settled && now.Sub(t.quietSince) >= idleSettle
	if !t.burst && !settle && heap <= 2*live+idleSlack {
		return false
	}
	t.released, t.burst = now, false
	if settle {
		t.settled = true
	}
	return true
}

// idleFigures are the runtime's figures releaseIdleMemory reads.
var idleFigures = []string{"/gc/heap/allocs:bytes", "/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes"}

// releaseIdleMemory checks every idleCheck until ctx ends and, when
// idleTrim says so, collects and returns the garbage to the system
// (debug.FreeOSMemory: one collection, a few milliseconds per 10 MB live).
func releaseIdleMemory(ctx context.Context) {
	s := make([]metrics.Sample, len(idleFigures))
	for i, n := range idleFigures {
		s[i].Name = n
	}
	read := func() (allocs, live, heap uint64) {
		metrics.Read(s)
		v := func(i int) uint64 {
			if s[i].Value.Kind() != metrics.KindUint64 {
				return 0 // unknown to this runtime
			}
			return s[i].Value.Uint64()
		}
		return v(0), v(1), v(2) + v(3) + v(4)
	}
	tick := time.NewTicker(idleCheck)
	defer tick.Stop()
	last, _, _ := read()
	var trim idleTrim
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		allocs, live, heap := read()
		if trim.check(time.Now(), allocs-last, heap, live) {
			debug.FreeOSMemory()
			allocs, _, _ = read()
		}
		last = allocs
	}
}
