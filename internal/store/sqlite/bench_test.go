package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// benchData is a signed import: logs × perLog entries, kept as bytes so
// that every run parses fresh, unverified entries, as an import does.
type benchData struct {
	logs, perLog int
	raw, payload [][]byte // log-major: log i's entries at i*perLog …
}

var (
	benchMu    sync.Mutex
	benchCache = map[[2]int]*benchData{}
)

// signedImport signs (once per process, on all cores) logs × perLog posts:
// each log is the public log of its own device key.
func signedImport(b *testing.B, logs, perLog int) *benchData {
	benchMu.Lock()
	defer benchMu.Unlock()
	if d := benchCache[[2]int{logs, perLog}]; d != nil {
		return d
	}
	// KITH_BENCH_CACHE=dir keeps the signed import in a file there, to skip
	// signing on the next run.
	var cacheFile string
	if dir := os.Getenv("KITH_BENCH_CACHE"); dir != "" {
		cacheFile = filepath.Join(dir, fmt.Sprintf("kith-bench-import-v1-%dx%d.bin", logs, perLog))
		if d := readBenchFile(cacheFile, logs, perLog); d != nil {
			benchCache[[2]int{logs, perLog}] = d
			return d
		}
	}
	start := time.Now()
	d := &benchData{logs: logs, perLog: perLog, raw: make([][]byte, logs*perLog), payload: make([][]byte, logs*perLog)}
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range next {
				seed := make([]byte, 32)
				copy(seed, fmt.Sprintf("bench log %d", l))
				k, err := identity.KeyFromSeed(seed)
				if err != nil {
					panic(err)
				}
				var prev entry.ID
				for i := range perLog {
					p, err := content.Encode(&content.Post{Text: "benchmark post number " + strconv.Itoa(i) + " of log " + strconv.Itoa(l)})
					if err != nil {
						panic(err)
					}
					e, err := entry.Sign(k, entry.Draft{Seq: uint64(i + 1), Backlink: prev, Timestamp: 1_700_000_000_000 + uint64(i), Payload: p})
					if err != nil {
						panic(err)
					}
					prev = e.ID
					d.raw[l*perLog+i], d.payload[l*perLog+i] = e.Raw, e.Payload
				}
			}
		}()
	}
	for l := range logs {
		next <- l
	}
	close(next)
	wg.Wait()
	b.Logf("signed %d entries in %v", logs*perLog, time.Since(start).Round(time.Millisecond))
	benchCache[[2]int{logs, perLog}] = d
	if cacheFile != "" {
		writeBenchFile(b, cacheFile, d)
	}
	return d
}

// The cache file is a sequence of (u16 length, raw header, u16 length,
// payload) records, log-major.
func writeBenchFile(b *testing.B, path string, d *benchData) {
	var buf []byte
	for i := range d.raw {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(d.raw[i])))
		buf = append(buf, d.raw[i]...)
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(d.payload[i])))
		buf = append(buf, d.payload[i]...)
	}
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		b.Logf("bench cache: %v", err)
	}
}

func readBenchFile(path string, logs, perLog int) *benchData {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	d := &benchData{logs: logs, perLog: perLog, raw: make([][]byte, logs*perLog), payload: make([][]byte, logs*perLog)}
	next := func() []byte {
		if len(buf) < 2 {
			return nil
		}
		n := int(binary.BigEndian.Uint16(buf))
		if len(buf) < 2+n {
			return nil
		}
		b := buf[2 : 2+n : 2+n]
		buf = buf[2+n:]
		return b
	}
	for i := range d.raw {
		if d.raw[i], d.payload[i] = next(), next(); d.raw[i] == nil || d.payload[i] == nil {
			return nil
		}
	}
	if len(buf) != 0 {
		return nil
	}
	return d
}

// batches parses the import into fresh entries and splits it into batches
// of about size entries. Log-major: each log's entries in order, log after
// log (a bundle). Interleaved: every batch carries a slice of many logs (a
// replication of many feeds at once); each log stays in seq order.
func (d *benchData) batches(b *testing.B, size int, interleaved bool) [][]*entry.Entry {
	es := make([]*entry.Entry, 0, len(d.raw))
	add := func(i int) {
		e, err := entry.Parse(d.raw[i], d.payload[i])
		if err != nil {
			b.Fatal(err)
		}
		es = append(es, e)
	}
	if interleaved {
		const run = 10 // entries of one log in a row
		for start := 0; start < d.perLog; start += run {
			for l := range d.logs {
				for i := start; i < min(start+run, d.perLog); i++ {
					add(l*d.perLog + i)
				}
			}
		}
	} else {
		for i := range d.raw {
			add(i)
		}
	}
	var out [][]*entry.Entry
	for len(es) > 0 {
		n := min(size, len(es))
		out = append(out, es[:n])
		es = es[n:]
	}
	return out
}

func trustAll(es []*entry.Entry) []bool {
	ok := make([]bool, len(es))
	for i := range ok {
		ok[i] = true
	}
	return ok
}

// BenchmarkIngest measures an import into a fresh database, in entries per
// second of wall time. Signing happens once, outside the timer; parsing
// into fresh (unverified) entries happens outside the timer for every run.
//
//   - verify=full: Ingest verifies every signature (ZIP-215, batched over
//     all cores), pipelined with its writing.
//   - verify=none: the store work alone (Plan's checks, payload decoding,
//     SQLite), with a verifier that trusts every signature.
//   - verify=caller: the caller verifies each batch with entry.VerifyBatch
//     on another goroutine, one batch ahead, as node.Import does; Ingest
//     then finds the entries already verified. This is store work while
//     verification runs beside it.
//   - callers=2: two goroutines ingest disjoint halves of the logs at once,
//     so one batch's verification runs while the other's is written.
//
// KITH_BENCH_DROP="index …" drops those indexes from each fresh database
// before the import: an experiment to price what each index costs at
// insert time (BENCHMARKS.md, issue 18), never a configuration.
//
// The default size is 200 logs × 1000 entries; set KITH_BENCH_LOGS=1000
// for the full 1,000,000-entry import. Run with -benchtime=1x: one run is
// a whole import.
func BenchmarkIngest(b *testing.B) {
	if v := os.Getenv("KITH_BENCH_PRAGMAS"); v != "" {
		extraPragmas = strings.Split(v, ";")
		defer func() { extraPragmas = nil }()
	}
	logs := 200
	if v, err := strconv.Atoi(os.Getenv("KITH_BENCH_LOGS")); err == nil && v > 0 {
		logs = v
	}
	const perLog = 1000
	const (
		full   = "full"   // Ingest verifies
		none   = "none"   // nobody verifies: the store work alone
		caller = "caller" // the caller verifies each batch (entry.VerifyBatch) one stage ahead, as node.Import does
	)
	for _, tc := range []struct {
		batch       int
		interleaved bool
		verify      string
		callers     int
	}{
		{2000, false, full, 1},
		{2000, false, none, 1},
		{2000, false, caller, 1},
		{2000, false, full, 2},
		{5000, true, full, 1},
		{5000, true, none, 1},
		{16000, true, none, 1},  // node.Import's batch
		{16000, false, none, 1}, // a sync's batch, entries log by log as a sync sends them
		{5000, true, caller, 1},
		{1000, true, full, 2},
	} {
		order := "log-major"
		if tc.interleaved {
			order = "interleaved"
		}
		verify := tc.verify
		name := fmt.Sprintf("entries=%d/%s/batch=%d/verify=%s/callers=%d", logs*perLog, order, tc.batch, verify, tc.callers)
		b.Run(name, func(b *testing.B) {
			d := signedImport(b, logs, perLog)
			var total, cpu time.Duration
			runs := 0
			for b.Loop() {
				b.StopTimer()
				s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
				if err != nil {
					b.Fatal(err)
				}
				if tc.verify == none {
					s.verify = trustAll
				}
				for _, ix := range strings.Fields(os.Getenv("KITH_BENCH_DROP")) {
					if _, err := s.w.Exec(`DROP INDEX ` + ix); err != nil {
						b.Fatal(err)
					}
				}
				var parts [][][]*entry.Entry
				if tc.callers == 1 {
					parts = [][][]*entry.Entry{d.batches(b, tc.batch, tc.interleaved)}
				} else {
					half := &benchData{logs: d.logs / 2, perLog: d.perLog, raw: d.raw[:d.logs/2*d.perLog], payload: d.payload[:d.logs/2*d.perLog]}
					rest := &benchData{logs: d.logs - d.logs/2, perLog: d.perLog, raw: d.raw[d.logs/2*d.perLog:], payload: d.payload[d.logs/2*d.perLog:]}
					parts = [][][]*entry.Entry{half.batches(b, tc.batch, tc.interleaved), rest.batches(b, tc.batch, tc.interleaved)}
				}
				runtime.GC()
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				var wg sync.WaitGroup
				errs := make(chan error, len(parts))
				for _, batches := range parts {
					wg.Add(1)
					in := make(chan []*entry.Entry, 2)
					go func() {
						defer close(in)
						for _, batch := range batches {
							if tc.verify == caller {
								entry.VerifyBatch(batch)
							}
							in <- batch
						}
					}()
					go func() {
						defer wg.Done()
						defer func() {
							for range in {
							}
						}()
						for batch := range in {
							rs, err := s.Ingest(context.Background(), batch)
							if err != nil {
								errs <- err
								return
							}
							for _, r := range rs {
								if r.Outcome != store.Added {
									errs <- fmt.Errorf("%v: %v", r.Outcome, r.Err)
									return
								}
							}
						}
					}()
				}
				wg.Wait()
				total += time.Since(start)
				cpu += cpuTime() - cpu0
				runs++
				b.StopTimer()
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			n := float64(logs * perLog * runs)
			b.ReportMetric(n/total.Seconds(), "entries/s")
			b.ReportMetric(float64(total.Nanoseconds())/n, "ns/entry")
			// CPU time of the whole process (all goroutines, GC, SQLite,
			// verification) per entry: what an import costs whatever else
			// runs on the machine.
			b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/entry")
		})
	}
}
