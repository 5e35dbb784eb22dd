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
// collection and the scavenger after it, which for an idle node is the
// periodic collection every two minutes, and after that collection the
// scavenger returns only what exceeds the goal of the collection before:
// a node holding 100,000 logs idled with 42 MB of free heap kept for 10 MB
// live. releaseIdleMemory returns it once the burst is over.
const (
	// idleCheck is how often the runtime's figures are read (a few
	// microseconds).
	idleCheck = 2 * time.Second
	// idleAllocs is the most a quiet node allocates between two checks.
	idleAllocs = 16 << 20
	// idleSlack is how much more heap than the last collection found live
	// is worth a collection to return.
	idleSlack = 16 << 20
	// idleGap is the least time between two releases.
	idleGap = 10 * time.Second
)

// idleFigures are the runtime's figures releaseIdleMemory reads.
var idleFigures = []string{"/gc/heap/allocs:bytes", "/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes"}

// shouldRelease says whether a node whose heap allocated allocs bytes
// since the last check, and holds heap bytes resident (objects, unused
// and free spans, not those returned) of which live were live at the
// last collection, should collect and return what it holds: when it is
// quiet and holds more than the runtime's own pacing would (twice the
// live heap, at the default GOGC) by idleSlack, which only a burst's
// garbage does; a node that keeps working never is.
func shouldRelease(allocs, heap, live uint64) bool {
	return allocs <= idleAllocs && heap > 2*live+idleSlack
}

// releaseIdleMemory checks every idleCheck until ctx ends, and when the
// process went quiet holding much more heap than it keeps, collects and
// returns the garbage to the system (debug.FreeOSMemory: one collection,
// a few milliseconds per 10 MB live), at most once every idleGap.
func releaseIdleMemory(ctx context.Context) {
	s := make([]metrics.Sample, len(idleFigures))
	for i, n := range idleFigures {
		s[i].Name = n
	}
	read := func() (allocs, live, heap uint64) {
		metrics.Read(s)
		v := func(i int) uint64 {
			if s[i].Value.Kind() != metrics.KindUint64 {
				return 0 // unknown to this runtime: never releases
			}
			return s[i].Value.Uint64()
		}
		return v(0), v(1), v(2) + v(3) + v(4)
	}
	t := time.NewTicker(idleCheck)
	defer t.Stop()
	last, _, _ := read()
	var released time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		allocs, live, heap := read()
		if shouldRelease(allocs-last, heap, live) && time.Since(released) >= idleGap {
			debug.FreeOSMemory()
			released = time.Now()
			allocs, _, _ = read()
		}
		last = allocs
	}
}
