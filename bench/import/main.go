// Command import is the whole-system import benchmark: it creates entries in
// many logs in one home, exports them to a bundle, imports the bundle into
// an empty home in a separate process, and prints the import rate next to
// the bare signature-verification rates measured in the same run.
//
//	go run ./bench/import -entries 1000000 -logs 1000
//
// With -store postgres, the same bundle is imported twice, each time into
// an empty home in its own process: one whose store is SQLite, then one
// whose config puts its store in PostgreSQL (a fresh schema of the server
// -postgres names, or of a throwaway cluster); PostgreSQL's rate is
// printed as a ratio to SQLite's and to the batch-verification rate.
//
//	go run ./bench/import -entries 100000 -logs 100 -store postgres
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
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
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the import phase to FILE (with -store postgres, of the PostgreSQL import to FILE-pg)")
	storeName := flag.String("store", "sqlite", `the importing home's store: "sqlite", or "postgres" to import into SQLite and then into PostgreSQL in the same run`)
	pgConn := flag.String("postgres", "", "with -store postgres: the server's connection string (default: KITH_TEST_POSTGRES, else a throwaway cluster)")
	flag.Parse()
	if *phase == "import" {
		runImportPhase(*home, *bundlePath, *cpuProfile)
		return
	}
	if *storeName != "sqlite" && *storeName != "postgres" {
		fmt.Fprintf(os.Stderr, "bench/import: -store %q: give sqlite or postgres\n", *storeName)
		os.Exit(2)
	}
	if err := run(*entries, *logs, *dir, *jsonOut, *storeName == "postgres", *pgConn); err != nil {
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
	// The same against the library's batch verifier
	// (benchkit.LibraryBatchRates), the rate issue 18's goal was set
	// against before entry.VerifyBatch became faster.
	LibraryBatch1Core   float64 `json:"verify_library_batch_1core_per_s"`
	LibraryBatchAll     float64 `json:"verify_library_batch_all_cores_per_s"`
	RatioToLibraryBatch float64 `json:"import_over_library_batch_all_cores"`
	// Postgres is the same import into a home whose store is PostgreSQL
	// (-store postgres); the Import fields above are then SQLite's.
	Postgres *PostgresResult `json:"postgres,omitempty"`
}

// PostgresResult is the import into a home whose store is PostgreSQL,
// measured in the same run as the SQLite one.
type PostgresResult struct {
	Server          string  `json:"server"` // "throwaway cluster (fsync off)" or "given"
	ImportRate      float64 `json:"import_entries_per_s"`
	ImportSeconds   float64 `json:"import_seconds"`
	ImportPeakRSSMB float64 `json:"import_peak_rss_mb"`
	// ServerCPUSeconds is the throwaway cluster's CPU time during the
	// import phase; -1 for a server the benchmark did not start.
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	RatioToBatchAll  float64 `json:"import_over_batch_all_cores"`
	RatioToSQLite    float64 `json:"import_over_sqlite"`
}

type importReport struct {
	Seconds   float64 `json:"seconds"`
	New       int     `json:"new"`
	Rejected  int     `json:"rejected"`
	PeakRSSKB int64   `json:"peak_rss_kb"`
}

func run(total, nlogs int, dir string, jsonOut, withPG bool, pgConn string) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "import")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Entries: total, Logs: nlogs}
	var pg *benchkit.Postgres
	if withPG {
		benchkit.Logf("starting PostgreSQL")
		if pg, err = benchkit.StartPostgres(pgConn); err != nil {
			return err
		}
		defer pg.Stop()
	}
	src, _, err := node.Init(filepath.Join(dir, "a"), node.Options{})
	if err != nil {
		return err
	}
	defer src.Close()

	// Create: sign entries for every log in parallel, store in batches.
	benchkit.Logf("creating %d entries in %d logs", total, nlogs)
	start := time.Now()
	perLog := total / nlogs
	sample, err := benchkit.Create(ctx, src.Store(), nlogs, perLog)
	if err != nil {
		return err
	}
	res.Entries = perLog * nlogs
	res.CreateRate = float64(res.Entries) / time.Since(start).Seconds()

	// Export.
	benchkit.Logf("exporting")
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
	benchkit.Logf("measuring bare signature verification")
	res.VerifyStdlib, res.VerifyZIP215, res.VerifyBatch1Core, res.VerifyBatchAll = benchkit.VerifyRates(sample)
	res.LibraryBatch1Core, res.LibraryBatchAll = benchkit.LibraryBatchRates(sample)

	// Import into an empty home, in a child process so its peak RSS is its own.
	benchkit.Logf("importing into an empty home (child process)")
	rep, err := importInto(filepath.Join(dir, "b"), bpath, est.Entries, cpuProfileFlag())
	if err != nil {
		return err
	}
	res.ImportSeconds = rep.Seconds
	res.ImportRate = float64(rep.New) / rep.Seconds
	res.ImportPeakRSSMB = float64(rep.PeakRSSKB) / 1024
	res.RatioToBatchAll = res.ImportRate / res.VerifyBatchAll
	res.RatioToBatch1Core = res.ImportRate / res.VerifyBatch1Core
	res.RatioToLibraryBatch = res.ImportRate / res.LibraryBatchAll
	if pg != nil {
		home := filepath.Join(dir, "b-pg")
		b, _, err := node.Init(home, node.Options{})
		if err != nil {
			return err
		}
		b.Close()
		benchkit.Logf("moving the empty home's store into PostgreSQL schema %s", pg.Schema)
		if err := pg.MoveHome(ctx, home, nil); err != nil {
			return err
		}
		benchkit.Logf("importing into an empty home whose store is PostgreSQL (child process)")
		prof := cpuProfileFlag()
		if prof != "" {
			prof += "-pg"
		}
		cpu0 := pg.ServerCPUSeconds()
		rep, err := importInto(home, bpath, est.Entries, prof)
		if err != nil {
			return err
		}
		serverCPU := -1.0
		if cpu0 >= 0 {
			serverCPU = pg.ServerCPUSeconds() - cpu0
		}
		server := "given"
		if pg.Throwaway {
			server = "throwaway cluster (fsync off)"
		}
		rate := float64(rep.New) / rep.Seconds
		res.Postgres = &PostgresResult{
			Server: server, ImportRate: rate, ImportSeconds: rep.Seconds, ImportPeakRSSMB: float64(rep.PeakRSSKB) / 1024,
			ServerCPUSeconds: serverCPU,
			RatioToBatchAll:  rate / res.VerifyBatchAll, RatioToSQLite: rate / res.ImportRate,
		}
	}

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
	fmt.Printf("library batch      %.0f /s (1 core), %.0f /s (all cores): ed25519consensus's batch verifier\n", res.LibraryBatch1Core, res.LibraryBatchAll)
	fmt.Printf("ratio              import / batch(all cores) = %.2f; import / batch(1 core) = %.2f; import / library batch(all cores) = %.2f\n", res.RatioToBatchAll, res.RatioToBatch1Core, res.RatioToLibraryBatch)
	if p := res.Postgres; p != nil {
		fmt.Printf("PostgreSQL import  %s: %.0f entries/s (%.1f s), peak RSS %.0f MB; PostgreSQL server CPU %.1f s (-1: not known)\n", p.Server, p.ImportRate, p.ImportSeconds, p.ImportPeakRSSMB, p.ServerCPUSeconds)
		fmt.Printf("  ratio            PostgreSQL / batch(all cores) = %.2f; PostgreSQL / SQLite = %.2f\n", p.RatioToBatchAll, p.RatioToSQLite)
	}
	return nil
}

// importInto imports the bundle into home in a child process, which
// initialises home if it is not yet, and checks that every one of the
// bundle's want entries was stored.
func importInto(home, bpath string, want int, cpuProfile string) (importReport, error) {
	var rep importReport
	exe, err := os.Executable()
	if err != nil {
		return rep, err
	}
	cmd := exec.Command(exe, "-phase", "import", "-home", home, "-bundle", bpath, "-cpuprofile", cpuProfile)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return rep, fmt.Errorf("import phase: %w", err)
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return rep, fmt.Errorf("import phase output %q: %w", out, err)
	}
	if rep.New != want || rep.Rejected != 0 {
		return rep, fmt.Errorf("import into %s stored %d new and rejected %d, want %d and 0", home, rep.New, rep.Rejected, want)
	}
	return rep, nil
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
	var n *node.Node
	var err error
	if node.Initialized(home) {
		n, err = node.Open(home, node.Options{})
	} else {
		n, _, err = node.Init(home, node.Options{})
	}
	if err != nil {
		fail(err)
	}
	defer n.Close()
	benchkit.Logf("  store: %s", n.StoreInfo())
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
			benchkit.Logf("  imported %d", s.EntriesNew)
		}
	})
	if err != nil {
		fail(err)
	}
	rep := importReport{Seconds: time.Since(start).Seconds(), New: st.EntriesNew, Rejected: st.EntriesRejected, PeakRSSKB: benchkit.PeakRSSKB()}
	b, _ := json.Marshal(rep)
	fmt.Println(string(b))
}
