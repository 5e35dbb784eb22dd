package replicate

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// BenchmarkReconcileSession measures a whole reconciliation between two
// engines over net.Pipe, up to the moment the receiving side has sent its
// WANTs and WANTS_DONE: the offering side holds 100,000 logs (one entry
// each), the receiving side 50,000 of them. "all" wants every log of the
// other side; "half" wants half of them (the other half is offered and
// not wanted). Reported: seconds per reconciliation, the CPU seconds the
// process spent in it (steadier than the time on a shared machine), and
// the WANTs sent.
func BenchmarkReconcileSession(b *testing.B) {
	const total, held = 100_000, 50_000
	es := manyLogs(b, total)
	src := mem.New()
	if _, err := src.Ingest(context.Background(), es); err != nil {
		b.Fatal(err)
	}
	for _, variant := range []string{"all", "half"} {
		b.Run(variant, func(b *testing.B) {
			var wants []store.LogKey
			if variant == "half" {
				for i, e := range es {
					if i%2 == 0 {
						wants = append(wants, logKeyOf(e))
					}
				}
			}
			wanted := 0
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dst := mem.New()
				if _, err := dst.Ingest(context.Background(), es[:held]); err != nil {
					b.Fatal(err)
				}
				a, c := newNode(b, 1, Limits{}), newNode(b, 2, Limits{})
				a.st, a.eng.cfg.Store = src, src
				c.st, c.eng.cfg.Store = dst, dst
				if wants != nil {
					c.scope.setWants(wants...)
				}
				ca, cc := net.Pipe()
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{}, 2)
				b.StartTimer()
				cpu0 := cpuTime()
				go func() { a.eng.Run(ctx, c.pub(), ca, true); done <- struct{}{} }()
				go func() { c.eng.Run(ctx, a.pub(), cc, false); done <- struct{}{} }()
				st, err := c.eng.WaitFor(context.Background(), func(ss []SessionState) bool {
					return len(ss) == 1 && ss[0].Phase != PhaseHello && ss[0].Phase != PhaseReconciling
				})
				b.StopTimer()
				cpu += cpuTime() - cpu0
				if err != nil {
					b.Fatal(err)
				}
				wanted = st[0].LogsWanted
				cancel()
				<-done
				<-done
				b.StartTimer()
			}
			b.ReportMetric(float64(wanted), "wants")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
