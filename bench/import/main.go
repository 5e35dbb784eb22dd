// Command import is the whole-system import benchmark: it creates entries in
// many logs in one home, exports them to a bundle, imports the bundle into
// an empty home in a separate process, and prints the import rate next to
// the bare signature-verification rates measured in the same run.
//
//	go run ./bench/import -entries 1000000 -logs 1000
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

func main() {
	entries := flag.Int("entries", 1_000_000, "entries to create in total")
	logs := flag.Int("logs", 1000, "number of logs (one device each)")
	dir := flag.String("dir", "", "work directory (default: a new temporary directory, removed afterwards)")
	phase := flag.String("phase", "", "internal: run one phase in a child process")
	home := flag.String("home", "", "internal: home for -phase")
	bundlePath := flag.String("bundle", "", "internal: bundle for -phase")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the import phase to FILE")
	flag.Parse()
	if *phase == "import" {
		runImportPhase(*home, *bundlePath, *cpuProfile)
		return
	}
	if err := run(*entries, *logs, *dir, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench/import:", err)
		os.Exit(1)
	}
}

// Result is what the benchmark reports.
type Result struct {
	Date              string  `json:"date"`
	Machine           string  `json:"machine"`
	Cores             int     `json:"cores"`
	Entries           int     `json:"entries"`
	Logs              int     `json:"logs"`
	CreateRate        float64 `json:"create_entries_per_s"`
	ExportRate        float64 `json:"export_entries_per_s"`
	BundleBytes       int64   `json:"bundle_bytes"`
	ImportRate        float64 `json:"import_entries_per_s"`
	ImportSeconds     float64 `json:"import_seconds"`
	ImportPeakRSSMB   float64 `json:"import_peak_rss_mb"`
	VerifyStdlib      float64 `json:"verify_stdlib_per_s"`
	VerifyZIP215      float64 `json:"verify_zip215_single_per_s"`
	VerifyBatch1Core  float64 `json:"verify_batch_1core_per_s"`
	VerifyBatchAll    float64 `json:"verify_batch_all_cores_per_s"`
	RatioToBatchAll   float64 `json:"import_over_batch_all_cores"`
	RatioToBatch1Core float64 `json:"import_over_batch_1core"`
}

type importReport struct {
	Seconds   float64 `json:"seconds"`
	New       int     `json:"new"`
	Rejected  int     `json:"rejected"`
	PeakRSSKB int64   `json:"peak_rss_kb"`
}

func run(total, nlogs int, dir string, jsonOut bool) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "kith-bench-import-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	ctx := context.Background()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: machine(), Cores: runtime.NumCPU(), Entries: total, Logs: nlogs}
	src, _, err := node.Init(filepath.Join(dir, "a"), node.Options{})
	if err != nil {
		return err
	}
	defer src.Close()

	// Create: sign entries for every log in parallel, store in batches.
	logf("creating %d entries in %d logs", total, nlogs)
	start := time.Now()
	perLog := total / nlogs
	sample, err := create(ctx, src, nlogs, perLog)
	if err != nil {
		return err
	}
	res.Entries = perLog * nlogs
	res.CreateRate = float64(res.Entries) / time.Since(start).Seconds()

	// Export.
	logf("exporting")
	bpath := filepath.Join(dir, "all.kithbundle")
	f, err := os.Create(bpath)
	if err != nil {
		return err
	}
	start = time.Now()
	est, err := src.Export(ctx, f, nil, nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	res.ExportRate = float64(est.Entries) / time.Since(start).Seconds()
	res.BundleBytes = est.Bytes

	// Bare verification rates, same machine, same run. The sample of
	// sampleSize entries is spread over the first logs created.
	logf("measuring bare signature verification")
	res.VerifyStdlib, res.VerifyZIP215, res.VerifyBatch1Core, res.VerifyBatchAll = verifyRates(sample)

	// Import into an empty home, in a child process so its peak RSS is its own.
	logf("importing into an empty home (child process)")
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "-phase", "import", "-home", filepath.Join(dir, "b"), "-bundle", bpath, "-cpuprofile", cpuProfileFlag())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("import phase: %w", err)
	}
	var rep importReport
	if err := json.Unmarshal(out, &rep); err != nil {
		return fmt.Errorf("import phase output %q: %w", out, err)
	}
	if rep.New != est.Entries || rep.Rejected != 0 {
		return fmt.Errorf("import stored %d new and rejected %d, want %d and 0", rep.New, rep.Rejected, est.Entries)
	}
	res.ImportSeconds = rep.Seconds
	res.ImportRate = float64(rep.New) / rep.Seconds
	res.ImportPeakRSSMB = float64(rep.PeakRSSKB) / 1024
	res.RatioToBatchAll = res.ImportRate / res.VerifyBatchAll
	res.RatioToBatch1Core = res.ImportRate / res.VerifyBatch1Core

	if jsonOut {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(b))
		return nil
	}
	fmt.Printf("machine            %s (%d cores), %s\n", res.Machine, res.Cores, res.Date)
	fmt.Printf("entries            %d in %d logs\n", res.Entries, res.Logs)
	fmt.Printf("create (sign+store) %.0f entries/s\n", res.CreateRate)
	fmt.Printf("export             %.0f entries/s, bundle %.1f MB\n", res.ExportRate, float64(res.BundleBytes)/1e6)
	fmt.Printf("import             %.0f entries/s (%.1f s), peak RSS %.0f MB\n", res.ImportRate, res.ImportSeconds, res.ImportPeakRSSMB)
	fmt.Printf("verify stdlib      %.0f /s (crypto/ed25519, 1 core)\n", res.VerifyStdlib)
	fmt.Printf("verify ZIP-215     %.0f /s (single, 1 core)\n", res.VerifyZIP215)
	fmt.Printf("verify batch       %.0f /s (1 core), %.0f /s (all cores)\n", res.VerifyBatch1Core, res.VerifyBatchAll)
	fmt.Printf("ratio              import / batch(all cores) = %.2f; import / batch(1 core) = %.2f\n", res.RatioToBatchAll, res.RatioToBatch1Core)
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// create writes perLog entries into each of nlogs device logs and returns a
// sample of freshly parsed entries for the verification measurement.
func create(ctx context.Context, n *node.Node, nlogs, perLog int) ([]*entry.Entry, error) {
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
					out = append(out, signLog(l, perLog)...)
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
		res, err := n.Store().Ingest(ctx, b)
		if err != nil {
			return nil, err
		}
		for _, r := range res {
			if r.Err != nil {
				return nil, r.Err
			}
		}
		if len(sample) < sampleSize {
			for _, e := range b[:min(len(b), sampleSize-len(sample))] {
				p, err := entry.Parse(e.Raw, e.Payload) // unverified copy
				if err != nil {
					return nil, err
				}
				sample = append(sample, p)
			}
		}
		done += len(b)
		if done%100000 < len(b) {
			logf("  %d entries", done)
		}
	}
	return sample, nil
}

func signLog(l, perLog int) []*entry.Entry {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("kith bench device "), uint64(l)))
	key, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		panic(err)
	}
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

// sampleSize is how many entries the verification rates are measured on.
const sampleSize = 50000

// verifyRates measures signatures per second: stdlib single, ZIP-215
// single, ZIP-215 batch on one core, ZIP-215 batch on all cores. Each is
// the best of three runs, so a noisy moment on the machine lowers no rate
// and the import ratios are, if anything, understated.
func verifyRates(sample []*entry.Entry) (stdlib, zip215, batch1, batchAll float64) {
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

func cpuProfileFlag() string {
	if f := flag.Lookup("cpuprofile"); f != nil {
		return f.Value.String()
	}
	return ""
}

func runImportPhase(home, bundlePath, cpuProfile string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "import phase:", err)
		os.Exit(1)
	}
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		fail(err)
	}
	defer n.Close()
	f, err := os.Open(bundlePath)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	if cpuProfile != "" {
		pf, err := os.Create(cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	last := time.Now()
	st, err := n.Import(context.Background(), f, func(s node.ImportStats) {
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			logf("  imported %d", s.EntriesNew)
		}
	})
	if err != nil {
		fail(err)
	}
	rep := importReport{Seconds: time.Since(start).Seconds(), New: st.EntriesNew, Rejected: st.EntriesRejected, PeakRSSKB: peakRSSKB()}
	b, _ := json.Marshal(rep)
	fmt.Println(string(b))
}

// peakRSSKB reads VmHWM from /proc/self/status (Linux).
func peakRSSKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
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

func machine() string {
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
