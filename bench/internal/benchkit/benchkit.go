// Package benchkit holds what kith's whole-system benchmarks share: signing
// many entries fast, measuring bare signature verification in the same
// run, reading a process's peak memory, and naming the machine.
package benchkit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hdevalence/ed25519consensus"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Logf prints a time-stamped progress line on stderr.
func Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// Create writes perLog entries into each of nlogs device logs and returns a
// sample of freshly parsed entries for the verification measurement.
func Create(ctx context.Context, st store.Store, nlogs, perLog int) ([]*entry.Entry, error) {
	const batchLogs = 4 // logs signed per store batch
	jobs := make(chan []int)
	batches := make(chan []*entry.Entry, 4)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ls := range jobs {
				var out []*entry.Entry
				for _, l := range ls {
					out = append(out, SignLog(l, perLog)...)
				}
				batches <- out
			}
		}()
	}
	go func() {
		for l := 0; l < nlogs; l += batchLogs {
			var ls []int
			for i := l; i < min(l+batchLogs, nlogs); i++ {
				ls = append(ls, i)
			}
			jobs <- ls
		}
		close(jobs)
		wg.Wait()
		close(batches)
	}()
	var sample []*entry.Entry
	done := 0
	for b := range batches {
		res, err := st.Ingest(ctx, b)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			if r.Err != nil {
				return nil, r.Err
			}
		}
		if len(sample) < SampleSize {
			for _, e := range b[:min(len(b), SampleSize-len(sample))] {
				p, err := entry.Parse(e.Raw, e.Payload) // unverified copy
				if err != nil {
					return nil, err
				}
				sample = append(sample, p)
			}
		}
		done += len(b)
		if done%100000 < len(b) {
			Logf("  %d entries", done)
		}
	}
	return sample, nil
}

func SignLog(l, perLog int) []*entry.Entry {
	key := DeviceKey(l)
	out := make([]*entry.Entry, 0, perLog)
	var prev entry.ID
	for s := 1; s <= perLog; s++ {
		payload, err := content.Encode(&content.Post{Text: fmt.Sprintf("post %d in log %d: a short message of ordinary length for a benchmark", s, l)})
		if err != nil {
			panic(err)
		}
		e, err := entry.Sign(key, entry.Draft{Seq: uint64(s), Backlink: prev, Timestamp: 1_700_000_000_000 + uint64(s), Payload: payload})
		if err != nil {
			panic(err)
		}
		prev = e.ID
		out = append(out, e)
	}
	return out
}

// SampleSize is how many entries the verification rates are measured on.
const SampleSize = 50000

// VerifyRates measures signatures per second: stdlib single, ZIP-215
// single, ZIP-215 batch on one core, ZIP-215 batch on all cores. Each is
// the best of three runs, so a noisy moment on the machine lowers no rate
// and the import ratios are, if anything, understated.
func VerifyRates(sample []*entry.Entry) (stdlib, zip215, batch1, batchAll float64) {
	for range 3 {
		s, z, b1, ba := verifyRatesOnce(sample)
		stdlib, zip215, batch1, batchAll = max(stdlib, s), max(zip215, z), max(batch1, b1), max(batchAll, ba)
	}
	return
}

func verifyRatesOnce(sample []*entry.Entry) (stdlib, zip215, batch1, batchAll float64) {
	reset := func() []*entry.Entry {
		fresh := make([]*entry.Entry, len(sample))
		for i, e := range sample {
			fresh[i], _ = entry.Parse(e.Raw, nil)
		}
		return fresh
	}
	es := reset()
	t := time.Now()
	for _, e := range es {
		if !ed25519.Verify(e.Header.Author[:], e.Header.SigningInput(), e.Header.Signature[:]) {
			panic("stdlib rejects a valid entry")
		}
	}
	stdlib = float64(len(es)) / time.Since(t).Seconds()
	es = reset()
	t = time.Now()
	for _, e := range es {
		if !e.Verify() {
			panic("invalid entry")
		}
	}
	zip215 = float64(len(es)) / time.Since(t).Seconds()
	es = reset()
	prev := runtime.GOMAXPROCS(1)
	t = time.Now()
	entry.VerifyBatch(es)
	batch1 = float64(len(es)) / time.Since(t).Seconds()
	runtime.GOMAXPROCS(prev)
	es = reset()
	t = time.Now()
	entry.VerifyBatch(es)
	batchAll = float64(len(es)) / time.Since(t).Seconds()
	return
}

// DeviceKey is the key of the device that writes log l.
func DeviceKey(l int) identity.PrivateKey {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("kith bench device "), uint64(l)))
	key, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		panic(err)
	}
	return key
}

// LogKey is the public log that SignLog(l, …) writes.
func LogKey(l int) store.LogKey {
	return store.LogKey{Author: DeviceKey(l).Public(), LogID: entry.PublicLog}
}

// PeakRSSKB reads this process's VmHWM from /proc/self/status (Linux).
func PeakRSSKB() int64 { return peakRSSKBOf("self") }

// PeakRSSKBOf reads another process's VmHWM; -1 when unknown.
func PeakRSSKBOf(pid int) int64 { return peakRSSKBOf(strconv.Itoa(pid)) }

func peakRSSKBOf(proc string) int64 {
	b, err := os.ReadFile("/proc/" + proc + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				return v
			}
		}
	}
	return -1
}

func Machine() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				if _, v, ok := strings.Cut(line, ":"); ok {
					return strings.TrimSpace(v)
				}
			}
		}
	}
	return runtime.GOOS + "/" + runtime.GOARCH
}

// CPUSecondsOf is the user plus system CPU time a process has used so far,
// from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s, the
// value of USER_HZ on Linux); -1 when unknown.
func CPUSecondsOf(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return float64(utime+stime) / 100
}

// RSSKBOf reads a process's current resident memory (VmRSS) in KiB; -1
// when unknown.
func RSSKBOf(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			if f := strings.Fields(line); len(f) >= 2 {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				return v
			}
		}
	}
	return -1
}

// LibraryBatchRates measures signatures per second of the ZIP-215 batch
// verifier of github.com/hdevalence/ed25519consensus, in chunks of 128 as
// entry.VerifyBatch cuts them, on one core and on all cores; each the best
// of three runs. It is the rate issue 18's ratios were set against: since
// entry.VerifyBatch sums the terms of one key (internal/entry/batch.go),
// it verifies chunks by one author about twice as fast as the library, so
// a ratio to its rate is a ratio to a moved denominator. The benchmarks
// report both.
func LibraryBatchRates(sample []*entry.Entry) (batch1, batchAll float64) {
	for range 3 {
		prev := runtime.GOMAXPROCS(1)
		b1 := libraryBatchRate(sample, 1)
		runtime.GOMAXPROCS(prev)
		ba := libraryBatchRate(sample, runtime.GOMAXPROCS(0))
		batch1, batchAll = max(batch1, b1), max(batchAll, ba)
	}
	return
}

func libraryBatchRate(sample []*entry.Entry, workers int) float64 {
	const chunk = 128
	next := make(chan int, len(sample)/chunk+1)
	for start := 0; start < len(sample); start += chunk {
		next <- start
	}
	close(next)
	var wg sync.WaitGroup
	t := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range next {
				end := min(start+chunk, len(sample))
				v := ed25519consensus.NewPreallocatedBatchVerifier(end - start)
				for _, e := range sample[start:end] {
					v.Add(e.Header.Author[:], e.Header.SigningInput(), e.Header.Signature[:])
				}
				if !v.Verify() {
					panic("the library's batch verifier rejects a valid chunk")
				}
			}
		}()
	}
	wg.Wait()
	return float64(len(sample)) / time.Since(t).Seconds()
}
