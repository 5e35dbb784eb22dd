package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"syscall"
)

// heapDumpEnv names the environment variable that makes 'kith serve'
// write a heap profile each time it receives SIGUSR1 (for memory work on
// an idle node, BENCHMARKS.md "Scale", item 7): PATH.PID.N, after a
// collection, and beside it PATH.PID.N.metrics with the process's
// anonymous resident memory and the runtime's memory classes, which tell
// Go's heap from what is not Go's (SQLite's page cache, for one).
const heapDumpEnv = "KITH_HEAPDUMP"

// heapDumpOnSignal starts writing heap profiles on SIGUSR1 when
// KITH_HEAPDUMP names a path, until ctx ends.
func heapDumpOnSignal(ctx context.Context, path string) {
	if path == "" {
		return
	}
	path = fmt.Sprintf("%s.%d", path, os.Getpid())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		defer signal.Stop(sig)
		for n := 1; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-sig:
			}
			writeHeapDump(fmt.Sprintf("%s.%d", path, n))
		}
	}()
}

// writeHeapDump writes the heap profile and the memory figures to path
// and path.metrics; failures are ignored (a debugging aid).
func writeHeapDump(path string) {
	rss := anonResidentBytes() // before the collection changes it
	runtime.GC()
	if f, err := os.Create(path); err == nil {
		_ = pprof.WriteHeapProfile(f)
		f.Close()
	}
	descs := metrics.All()
	sample := make([]metrics.Sample, 0, len(descs))
	for _, d := range descs {
		if d.Kind == metrics.KindUint64 {
			sample = append(sample, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(sample)
	b := fmt.Appendf(nil, "anonymous resident memory before the collection %d bytes\nafter %d bytes\n", rss, anonResidentBytes())
	for _, s := range sample {
		if s.Value.Kind() == metrics.KindUint64 {
			b = fmt.Appendf(b, "%s %d\n", s.Name, s.Value.Uint64())
		}
	}
	_ = os.WriteFile(path+".metrics", b, 0o644)
}
