package replicate

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/store/sqlite"
)

// BenchmarkOfferSet measures what a session spends on its offer set before
// it sends its first fingerprint, with a SQLite store holding n logs of
// one entry each (BENCHMARKS.md, "Scale", item 7):
//
//   - idle: nothing was written since the last session (a peer that
//     reconnects to a node where nothing happened);
//   - written: one entry was stored since (one more log), so whatever was
//     kept of the heads is stale.
//
// Reported: CPU seconds per offer set and the bytes allocated.
func BenchmarkOfferSet(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		es := manyLogs(b, n+1)
		st, err := sqlite.Open(filepath.Join(b.TempDir(), "home.db"))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if _, err := st.Ingest(ctx, es[:n]); err != nil {
			b.Fatal(err)
		}
		nd := newNode(b, 1, Limits{})
		nd.st, nd.eng.cfg.Store = st, st
		peer := testKey(b, 2).Public()
		for _, mode := range []string{"idle", "written"} {
			b.Run(fmt.Sprintf("logs=%d/%s", n, mode), func(b *testing.B) {
				sess := newSession(nd.eng, peer, nil, true)
				if _, err := sess.offerSet(ctx); err != nil {
					b.Fatal(err)
				}
				var cpu time.Duration
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if mode == "written" {
						b.StopTimer()
						// Ingest again the n+1st log's entry: the first
						// time it adds it, later it is known; either way
						// a write transaction ended.
						if _, err := st.Ingest(ctx, es[n:]); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					c0 := cpuTime()
					set, err := sess.offerSet(ctx)
					cpu += cpuTime() - c0
					if err != nil || set.Len() < n {
						b.Fatalf("offer set of %d logs: %v", set.Len(), err)
					}
				}
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			})
		}
		st.Close()
	}
}
