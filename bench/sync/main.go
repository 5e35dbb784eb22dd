// Command sync is the whole-system replication benchmark: two real kith
// node processes on loopback, one holding many entries in many logs, the
// other starting empty and replicating them all. It prints the time to full
// sync, entries/s, bytes on the wire, each node's peak RSS, and the ratio of
// entries/s to the bare batch signature-verification rate measured in the
// same run.
//
//	go run ./bench/sync -entries 1000000 -logs 1000
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
	// CPU time of each node process during the sync (user + system, from
	// B's start to the last entry stored), and the share of it that bare
	// verification would take: entries ÷ the one-core batch rate, over
	// the CPU-seconds of both nodes. Unlike the rates, CPU time hardly
	// depends on what else the machine runs.
	CPUSecondsA    float64 `json:"cpu_seconds_a"`
	CPUSecondsB    float64 `json:"cpu_seconds_b"`
	VerifyCPUShare float64 `json:"bare_verify_cpu_share"`
}

func main() {
	entries := flag.Int("entries", 1_000_000, "entries in total")
	logs := flag.Int("logs", 1000, "logs (one device each)")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	profile := flag.String("cpuprofile", "", "write CPU profiles of both nodes to PREFIX-a.prof and PREFIX-b.prof")
	flag.Parse()
	if err := run(*entries, *logs, *dir, *jsonOut, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sync:", err)
		os.Exit(1)
	}
}

func run(total, nlogs int, dir string, jsonOut bool, profile string) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "sync")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	perLog := total / nlogs
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Entries: perLog * nlogs, Logs: nlogs}

	bin, err := benchkit.BuildKith(dir)
	if err != nil {
		return err
	}
	homeA, homeB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
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
	b, _, err := node.Init(homeB, node.Options{})
	if err != nil {
		return err
	}
	b.Close()
	var wanted []string
	for l := 0; l < nlogs; l++ {
		wanted = append(wanted, benchkit.LogKey(l).String())
	}
	if err := benchkit.WriteLogsConfig(homeB, wanted); err != nil {
		return err
	}

	benchkit.Logf("measuring bare signature verification")
	_, _, res.VerifyBatch1Core, res.VerifyBatchAll = benchkit.VerifyRates(sample)
	sample = nil
	runtime.GC()

	var profA, profB []string
	if profile != "" {
		profA, profB = []string{"--cpuprofile", profile + "-a.prof"}, []string{"--cpuprofile", profile + "-b.prof"}
	}
	pa, err := benchkit.Serve(bin, homeA, profA...)
	if err != nil {
		return err
	}
	defer pa.Stop()
	benchkit.Logf("starting B, which dials A and replicates")
	cpuA0 := benchkit.CPUSecondsOf(pa.PID)
	start := time.Now()
	pb, err := benchkit.Serve(bin, homeB, append([]string{"--peer", pa.Addr()}, profB...)...)
	if err != nil {
		return err
	}
	defer pb.Stop()
	target := uint64(res.Entries) + 1 // and B's own device certificate
	done, err := pb.WaitEntries(ctx, target, 100*time.Millisecond)
	if err != nil {
		return err
	}
	res.CPUSecondsA = benchkit.CPUSecondsOf(pa.PID) - cpuA0
	res.CPUSecondsB = benchkit.CPUSecondsOf(pb.PID)
	res.VerifyCPUShare = float64(res.Entries) / res.VerifyBatch1Core / (res.CPUSecondsA + res.CPUSecondsB)
	res.SyncSeconds = done.Sub(start).Seconds()
	p, err := pb.SyncPeer(ctx)
	if err != nil {
		return err
	}
	res.SessionSeconds = done.Sub(p.Since).Seconds()
	res.SyncRate = float64(res.Entries) / res.SessionSeconds
	res.BytesAtoB, res.BytesBtoA = p.Sync.BytesIn, p.Sync.BytesOut
	res.BytesPerEntry = float64(res.BytesAtoB+res.BytesBtoA) / float64(res.Entries)
	res.PeakRSSAMB = float64(pa.PeakRSSKB()) / 1024
	res.PeakRSSBMB = float64(pb.PeakRSSKB()) / 1024
	res.RatioToBatchAll = res.SyncRate / res.VerifyBatchAll

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
	fmt.Printf("ratio          sync / batch(all cores) = %.2f\n", res.RatioToBatchAll)
	fmt.Printf("CPU            A %.1f s, B %.1f s; bare verification would be %.0f %% of it\n", res.CPUSecondsA, res.CPUSecondsB, 100*res.VerifyCPUShare)
	return nil
}
