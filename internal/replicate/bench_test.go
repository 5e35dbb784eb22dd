package replicate

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/store/sqlite"
)

const (
	benchLogs    = 50
	benchPerLog  = 1000
	benchEntries = benchLogs * benchPerLog
)

var (
	benchOnce   sync.Once
	benchSigned []*entry.Entry // in log order; ~100-byte payloads
)

// benchEntriesSigned signs the benchmark's entries once per process.
func benchEntriesSigned(b *testing.B) []*entry.Entry {
	benchOnce.Do(func() {
		payload := bytes.Repeat([]byte("p"), 100)
		for l := range benchLogs {
			k := testKey(b, 9000+l)
			var back entry.ID
			for seq := uint64(1); seq <= benchPerLog; seq++ {
				e, err := entry.Sign(k, entry.Draft{Seq: seq, Backlink: back, Timestamp: 1_700_000_000_000 + seq, Payload: payload})
				if err != nil {
					b.Fatal(err)
				}
				benchSigned = append(benchSigned, e)
				back = e.ID
			}
		}
	})
	return benchSigned
}

// unverified returns fresh copies of es, as they arrive from a network.
func unverified(b *testing.B, es []*entry.Entry) []*entry.Entry {
	out := make([]*entry.Entry, len(es))
	for i, e := range es {
		f, err := entry.Parse(e.Raw, e.Payload)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = f
	}
	return out
}

// bareVerifyRate measures entry.VerifyBatchWorkers on all cores over the
// benchmark's entries: entries per second, best of three.
func bareVerifyRate(b *testing.B, es []*entry.Entry) float64 {
	best := 0.0
	for range 3 {
		in := unverified(b, es)
		start := time.Now()
		entry.VerifyBatchWorkers(in, runtime.GOMAXPROCS(0))
		best = max(best, float64(len(in))/time.Since(start).Seconds())
	}
	return best
}

// BenchmarkSync syncs 50,000 entries in 50 logs from one store to an empty
// one over net.Pipe (both sides in this process, so they share the cores),
// and reports entries/s (of the fastest iteration) together with the bare
// batch verification rate on all cores measured in the same run (best of
// three), and their ratio: on a shared machine the best runs are the ones
// least disturbed.
func BenchmarkSync(b *testing.B) {
	signed := benchEntriesSigned(b)
	for _, backend := range []string{"mem", "sqlite"} {
		b.Run(backend, func(b *testing.B) {
			src := mem.New()
			if _, err := src.Ingest(context.Background(), signed); err != nil {
				b.Fatal(err)
			}
			best := time.Duration(1 << 62)
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var dst store.Store = mem.New()
				if backend == "sqlite" {
					s, err := sqlite.Open(fmt.Sprintf("%s/dst%d.db", b.TempDir(), i))
					if err != nil {
						b.Fatal(err)
					}
					dst = s
				}
				a, c := newNode(b, 1, Limits{}), newNode(b, 2, Limits{})
				a.st, a.eng.cfg.Store = src, src
				c.st, c.eng.cfg.Store = dst, dst
				ca, cc := net.Pipe()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{}, 2)
				b.StartTimer()
				start := time.Now()
				go func() { a.eng.Run(ctx, c.pub(), ca, true); done <- struct{}{} }()
				go func() { c.eng.Run(ctx, a.pub(), cc, false); done <- struct{}{} }()
				st, err := c.eng.WaitLive(context.Background(), a.pub())
				best = min(best, time.Since(start))
				b.StopTimer()
				if err != nil || st.EntriesReceived != benchEntries {
					b.Fatalf("sync: %v, %d entries received", err, st.EntriesReceived)
				}
				cancel()
				<-done
				<-done
				dst.Close()
				b.StartTimer()
			}
			b.StopTimer()
			rate := float64(benchEntries) / best.Seconds()
			bare := bareVerifyRate(b, signed)
			b.ReportMetric(rate, "entries/s")
			b.ReportMetric(bare, "verify-entries/s")
			b.ReportMetric(rate/bare, "ratio")
		})
	}
}
