package cli

import (
	"context"
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// peakHeapProfile writes a heap profile to path.PID, and the process's
// anonymous resident memory with the Go runtime's memory classes to
// path.PID.metrics, whenever that memory reaches a new high (checked every
// 50 ms, by at least 2 %), until ctx ends: what is left is taken at the
// largest, which an end-of-run profile would not show (`kith serve
// --memprofile`, for memory work under attack). The profile's alloc_space
// view shows where all the garbage came from; anonymous memory beyond the
// runtime's total is not Go's (SQLite's, for one). Where
// /proc/self/status cannot be read, the runtime's total is followed
// instead.
func peakHeapProfile(ctx context.Context, path string) error {
	path = fmt.Sprintf("%s.%d", path, os.Getpid())
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	f.Close()
	names := []string{"/memory/classes/total:bytes", "/memory/classes/heap/released:bytes",
		"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes",
		"/memory/classes/heap/free:bytes", "/memory/classes/heap/stacks:bytes",
		"/memory/classes/other:bytes", "/memory/classes/metadata/other:bytes",
		"/gc/heap/goal:bytes", "/sched/goroutines:goroutines"}
	sample := make([]metrics.Sample, len(names))
	for i, n := range names {
		sample[i].Name = n
	}
	go func() {
		var peak uint64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(sample)
			v := anonResidentBytes()
			if v == 0 {
				v = sample[0].Value.Uint64() - sample[1].Value.Uint64()
			}
			if v <= peak+peak/50 {
				continue
			}
			peak = v
			b := fmt.Appendf(nil, "anonymous resident memory %d bytes\n", v)
			for _, s := range sample {
				b = fmt.Appendf(b, "%s %d\n", s.Name, s.Value.Uint64())
			}
			_ = os.WriteFile(path+".metrics", b, 0o644)
			if f, err := os.Create(path); err == nil {
				_ = pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
	}()
	return nil
}

// anonResidentBytes is RssAnon of /proc/self/status, 0 where it cannot be
// read.
func anonResidentBytes() uint64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "RssAnon:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
