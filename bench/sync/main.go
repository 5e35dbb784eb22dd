// Command sync is the whole-system replication benchmark: two real kith
// node processes on loopback, one holding many entries in many logs, the
// other starting empty and replicating them all. It prints the time to full
// sync, entries/s, bytes on the wire, each node's peak RSS, and the ratio of
// entries/s to the bare batch signature-verification rate measured in the
// same run.
//
//	go run ./bench/sync -entries 1000000 -logs 1000
//
// With -store postgres, the same run syncs A's entries twice: into a B
// whose store is SQLite, then into a B whose home's config puts its store
// in PostgreSQL (a fresh schema of the server -postgres names, or of a
// throwaway cluster), and prints PostgreSQL's rate as a ratio to SQLite's
// and to the batch-verification rate.
//
//	go run ./bench/sync -entries 100000 -logs 100 -store postgres
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/node"
)

// Result is what the benchmark reports.
type Result struct {
	Date             string  `json:"date"`
	Machine          string  `json:"machine"`
	Cores            int     `json:"cores"`
	Entries          int     `json:"entries"`
	Logs             int     `json:"logs"`
	SyncSeconds      float64 `json:"sync_seconds"`         // B's process start to every entry stored on B
	SessionSeconds   float64 `json:"session_seconds"`      // sync session start (connection) to every entry stored
	SyncRate         float64 `json:"sync_entries_per_s"`   // Entries / SessionSeconds
	BytesAtoB        int64   `json:"bytes_a_to_b"`         // framed sync bytes, as B counts them
	BytesBtoA        int64   `json:"bytes_b_to_a"`         //
	BytesPerEntry    float64 `json:"wire_bytes_per_entry"` // (AtoB+BtoA) / Entries
	PeakRSSAMB       float64 `json:"peak_rss_a_mb"`
	PeakRSSBMB       float64 `json:"peak_rss_b_mb"`
	VerifyBatch1Core float64 `json:"verify_batch_1core_per_s"`
	VerifyBatchAll   float64 `json:"verify_batch_all_cores_per_s"`
	RatioToBatchAll  float64 `json:"ratio_sync_to_batch_all_cores"`
	// The same against the library's batch verifier
	// (benchkit.LibraryBatchRates), the rate issue 18's goal was set
	// against before entry.VerifyBatch became faster.
	LibraryBatch1Core   float64 `json:"verify_library_batch_1core_per_s"`
	LibraryBatchAll     float64 `json:"verify_library_batch_all_cores_per_s"`
	RatioToLibraryBatch float64 `json:"ratio_sync_to_library_batch_all_cores"`
	// CPU time of each node process during the sync (user + system, from
	// B's start to the last entry stored), and the share of it that bare
	// verification would take: entries ÷ the one-core batch rate, over
	// the CPU-seconds of both nodes. Unlike the rates, CPU time hardly
	// depends on what else the machine runs.
	CPUSecondsA    float64 `json:"cpu_seconds_a"`
	CPUSecondsB    float64 `json:"cpu_seconds_b"`
	VerifyCPUShare float64 `json:"bare_verify_cpu_share"`
	// Postgres is the same sync into a B whose store is PostgreSQL
	// (-store postgres); the fields above are then the SQLite B's.
	Postgres *PostgresResult `json:"postgres,omitempty"`
}

// PostgresResult is the sync into a B whose store is PostgreSQL, measured
// in the same run as the SQLite one.
type PostgresResult struct {
	Server         string  `json:"server"` // "throwaway cluster (fsync off)" or "given"
	SyncSeconds    float64 `json:"sync_seconds"`
	SessionSeconds float64 `json:"session_seconds"`
	SyncRate       float64 `json:"sync_entries_per_s"`
	PeakRSSBMB     float64 `json:"peak_rss_b_mb"`
	CPUSecondsA    float64 `json:"cpu_seconds_a"`
	CPUSecondsB    float64 `json:"cpu_seconds_b"`
	// ServerCPUSeconds is the throwaway cluster's CPU time during this
	// sync; -1 for a server the benchmark did not start.
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	RatioToBatchAll  float64 `json:"ratio_sync_to_batch_all_cores"`
	RatioToSQLite    float64 `json:"ratio_to_sqlite"`
}

// phase is one sync of A's entries into one B.
type phase struct {
	syncSeconds, sessionSeconds, rate float64
	bytesAtoB, bytesBtoA              int64
	peakRSSB                          float64
	peakRSSA                          float64
	cpuA, cpuB                        float64
}

// syncInto serves A's home and B's, B dialling A, until B holds every one
// of A's entries and its own device certificate; both processes are
// stopped before it returns.
func syncInto(ctx context.Context, bin, homeA, homeB string, entries int, profile, suffix string) (phase, error) {
	var ph phase
	var profA, profB []string
	if profile != "" {
		profA = []string{"--cpuprofile", profile + "-a" + suffix + ".prof"}
		profB = []string{"--cpuprofile", profile + "-b" + suffix + ".prof"}
	}
	pa, err := benchkit.Serve(bin, homeA, profA...)
	if err != nil {
		return ph, err
	}
	defer pa.Stop()
	benchkit.Logf("starting B (%s), which dials A and replicates", filepath.Base(homeB))
	cpuA0 := benchkit.CPUSecondsOf(pa.PID)
	start := time.Now()
	pb, err := benchkit.Serve(bin, homeB, append([]string{"--peer", pa.Addr()}, profB...)...)
	if err != nil {
		return ph, err
	}
	defer pb.Stop()
	target := uint64(entries) + 1 // and B's own device certificate
	done, err := pb.WaitEntries(ctx, target, 100*time.Millisecond)
	if err != nil {
		return ph, err
	}
	ph.cpuA = benchkit.CPUSecondsOf(pa.PID) - cpuA0
	ph.cpuB = benchkit.CPUSecondsOf(pb.PID)
	ph.syncSeconds = done.Sub(start).Seconds()
	p, err := pb.SyncPeer(ctx)
	if err != nil {
		return ph, err
	}
	ph.sessionSeconds = done.Sub(p.Since).Seconds()
	ph.rate = float64(entries) / ph.sessionSeconds
	ph.bytesAtoB, ph.bytesBtoA = p.Sync.BytesIn, p.Sync.BytesOut
	ph.peakRSSA = float64(pa.PeakRSSKB()) / 1024
	ph.peakRSSB = float64(pb.PeakRSSKB()) / 1024
	return ph, nil
}

func main() {
	entries := flag.Int("entries", 1_000_000, "entries in total")
	logs := flag.Int("logs", 1000, "logs (one device each)")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	profile := flag.String("cpuprofile", "", "write CPU profiles of both nodes to PREFIX-a.prof and PREFIX-b.prof (with -store postgres: PREFIX-a-pg.prof and PREFIX-b-pg.prof too)")
	storeName := flag.String("store", "sqlite", `B's store: "sqlite", or "postgres" to sync into SQLite and then into PostgreSQL in the same run`)
	pgConn := flag.String("postgres", "", "with -store postgres: the server's connection string (default: KITH_TEST_POSTGRES, else a throwaway cluster)")
	kithBin := flag.String("kith", "", "run this kith binary instead of building one from the tree (to compare two builds in one period)")
	flag.Parse()
	kithPath = *kithBin
	if *storeName != "sqlite" && *storeName != "postgres" {
		fmt.Fprintf(os.Stderr, "bench/sync: -store %q: give sqlite or postgres\n", *storeName)
		os.Exit(2)
	}
	if err := run(*entries, *logs, *dir, *jsonOut, *profile, *storeName == "postgres", *pgConn); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sync:", err)
		os.Exit(1)
	}
}

// kithPath is -kith: a kith binary to run instead of one built from the tree.
var kithPath string

func run(total, nlogs int, dir string, jsonOut bool, profile string, withPG bool, pgConn string) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "sync")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	perLog := total / nlogs
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Entries: perLog * nlogs, Logs: nlogs}
	var pg *benchkit.Postgres
	if withPG {
		benchkit.Logf("starting PostgreSQL")
		if pg, err = benchkit.StartPostgres(pgConn); err != nil {
			return err
		}
		defer pg.Stop()
	}

	bin := kithPath
	if bin == "" {
		if bin, err = benchkit.BuildKith(dir); err != nil {
			return err
		}
	}
	homeA, homeB, homePG := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "b-pg")
	a, _, err := node.Init(homeA, node.Options{})
	if err != nil {
		return err
	}
	benchkit.Logf("creating %d entries in %d logs on A", res.Entries, nlogs)
	sample, err := benchkit.Create(ctx, a.Store(), nlogs, perLog)
	a.Close()
	if err != nil {
		return err
	}
	var wanted []string
	for l := 0; l < nlogs; l++ {
		wanted = append(wanted, benchkit.LogKey(l).String())
	}
	homes := []string{homeB}
	if pg != nil {
		homes = append(homes, homePG)
	}
	for _, h := range homes {
		b, _, err := node.Init(h, node.Options{})
		if err != nil {
			return err
		}
		b.Close()
		if err := benchkit.WriteLogsConfig(h, wanted); err != nil {
			return err
		}
	}
	if pg != nil {
		benchkit.Logf("moving B's store into PostgreSQL schema %s", pg.Schema)
		if err := pg.MoveHome(ctx, homePG, wanted); err != nil {
			return err
		}
	}

	benchkit.Logf("measuring bare signature verification")
	_, _, res.VerifyBatch1Core, res.VerifyBatchAll = benchkit.VerifyRates(sample)
	res.LibraryBatch1Core, res.LibraryBatchAll = benchkit.LibraryBatchRates(sample)
	sample = nil
	runtime.GC()

	ph, err := syncInto(ctx, bin, homeA, homeB, res.Entries, profile, "")
	if err != nil {
		return err
	}
	res.SyncSeconds, res.SessionSeconds, res.SyncRate = ph.syncSeconds, ph.sessionSeconds, ph.rate
	res.BytesAtoB, res.BytesBtoA = ph.bytesAtoB, ph.bytesBtoA
	res.BytesPerEntry = float64(res.BytesAtoB+res.BytesBtoA) / float64(res.Entries)
	res.PeakRSSBMB = ph.peakRSSB
	res.CPUSecondsA, res.CPUSecondsB = ph.cpuA, ph.cpuB
	res.VerifyCPUShare = float64(res.Entries) / res.VerifyBatch1Core / (res.CPUSecondsA + res.CPUSecondsB)
	res.RatioToBatchAll = res.SyncRate / res.VerifyBatchAll
	res.RatioToLibraryBatch = res.SyncRate / res.LibraryBatchAll
	res.PeakRSSAMB = ph.peakRSSA
	if pg != nil {
		benchkit.Logf("again, into a B whose store is PostgreSQL")
		cpu0 := pg.ServerCPUSeconds()
		pp, err := syncInto(ctx, bin, homeA, homePG, res.Entries, profile, "-pg")
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
		res.Postgres = &PostgresResult{
			Server: server, SyncSeconds: pp.syncSeconds, SessionSeconds: pp.sessionSeconds, SyncRate: pp.rate,
			PeakRSSBMB: pp.peakRSSB, CPUSecondsA: pp.cpuA, CPUSecondsB: pp.cpuB, ServerCPUSeconds: serverCPU,
			RatioToBatchAll: pp.rate / res.VerifyBatchAll, RatioToSQLite: pp.rate / res.SyncRate,
		}
	}

	if jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("machine        %s (%d cores), %s\n", res.Machine, res.Cores, res.Date)
	fmt.Printf("entries        %d in %d logs, A -> B over loopback TCP\n", res.Entries, res.Logs)
	fmt.Printf("full sync      %.1f s from B's start, %.1f s from connection: %.0f entries/s\n", res.SyncSeconds, res.SessionSeconds, res.SyncRate)
	fmt.Printf("on the wire    %.1f MB A->B, %.1f KB B->A, %.0f bytes/entry\n", float64(res.BytesAtoB)/1e6, float64(res.BytesBtoA)/1e3, res.BytesPerEntry)
	fmt.Printf("peak RSS       A %.0f MB, B %.0f MB\n", res.PeakRSSAMB, res.PeakRSSBMB)
	fmt.Printf("verify batch   %.0f /s (1 core), %.0f /s (all cores)\n", res.VerifyBatch1Core, res.VerifyBatchAll)
	fmt.Printf("library batch  %.0f /s (1 core), %.0f /s (all cores): ed25519consensus's batch verifier\n", res.LibraryBatch1Core, res.LibraryBatchAll)
	fmt.Printf("ratio          sync / batch(all cores) = %.2f; sync / library batch(all cores) = %.2f\n", res.RatioToBatchAll, res.RatioToLibraryBatch)
	fmt.Printf("CPU            A %.1f s, B %.1f s; bare verification would be %.0f %% of it\n", res.CPUSecondsA, res.CPUSecondsB, 100*res.VerifyCPUShare)
	if p := res.Postgres; p != nil {
		fmt.Printf("PostgreSQL B   %s: %.1f s from B's start, %.1f s from connection: %.0f entries/s\n", p.Server, p.SyncSeconds, p.SessionSeconds, p.SyncRate)
		fmt.Printf("  peak RSS B   %.0f MB; CPU A %.1f s, B %.1f s, PostgreSQL server %.1f s (-1: not known)\n", p.PeakRSSBMB, p.CPUSecondsA, p.CPUSecondsB, p.ServerCPUSeconds)
		fmt.Printf("  ratio        PostgreSQL / batch(all cores) = %.2f; PostgreSQL / SQLite = %.2f\n", p.RatioToBatchAll, p.RatioToSQLite)
	}
	return nil
}
