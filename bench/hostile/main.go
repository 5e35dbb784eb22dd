// Command hostile attacks kith nodes the way a hostile peer would
// (internal/netnode/hostile) and measures what holds.
//
// Against a running node, it runs the chosen attacks one after another and
// reports what each sent and how the node answered, including whether the
// node refuses the attackers afterwards:
//
//	go run ./bench/hostile -target /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW… \
//	    -attacks reconcile-flood,invite-guess -attackers 10 -duration 30s -json
//
// Without -target it is a benchmark: it builds kith, starts a node holding
// -entries entries in -logs logs (plus a post with a blob and a village),
// times an honest peer's full sync from it without an attack, then runs
// each attack with -attackers attackers at once while a fresh honest peer
// syncs, and reports the honest sync rate during the attack ÷ without it,
// the node's peak RSS and CPU, and whether the attackers were penalised
// (RELIABILITY.md):
//
//	go run ./bench/hostile -entries 200000 -logs 200 -attackers 10
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/netnode/hostile"
)

func main() {
	targetAddr := flag.String("target", "", "multiaddr with /p2p/ of a running node to attack (default: start one and benchmark)")
	attackList := flag.String("attacks", "all", "comma-separated attacks, or all: "+strings.Join(hostile.Names(), ", "))
	attackers := flag.Int("attackers", 10, "attacker identities at once, per attack")
	connAttackers := flag.Int("conn-attackers", 400, "benchmark: attacker identities at once for conn-flood (above the node's 384 inbound connections)")
	duration := flag.Duration("duration", 0, "with -target, how long each attack runs (default 30s); benchmark: the most an attack runs, until the honest peer is done (default 3m)")
	villageID := flag.String("village", "", "with -target: the village (ent_…) that village-request-spam asks")
	blobID := flag.String("blob", "", "with -target: a blob (blob_…) the target holds, for blob-slow-read")
	entries := flag.Int("entries", 200_000, "benchmark: entries the node holds")
	logs := flag.Int("logs", 200, "benchmark: logs they are in")
	blobMB := flag.Int("blob-mb", 8, "benchmark: size of the node's blob, in MiB")
	dir := flag.String("dir", "", "benchmark: work directory (default: a temporary one, removed afterwards)")
	kith := flag.String("kith", "", "benchmark: the kith binary to attack (default: build this checkout's), e.g. one built from an older commit")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	memLimit := flag.Int("memory-limit-mb", 0, "benchmark: run the node under attack with --memory-limit-mb N (doc/config.md; 0: none)")
	nodeFlags := flag.String("node-flags", "", "benchmark: more flags for the node's kith serve, space-separated (e.g. --memprofile /tmp/heap.pprof)")
	split := flag.Bool("split-cores", false, "benchmark: run the node under attack and the honest peer on CPU 0 and the attackers on the other CPUs, in every trial and the baselines (Linux, 2 CPUs or more)")
	selfProfile := flag.String("cpuprofile", "", "write a CPU profile of this process (the attackers) to FILE")
	flag.Parse()
	if *selfProfile != "" {
		f, err := os.Create(*selfProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/hostile: -cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	if *split {
		if err := splitCores(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/hostile:", err)
			os.Exit(2)
		}
	}
	targetFlags = append(targetFlags, strings.Fields(*nodeFlags)...)
	if *memLimit > 0 {
		targetFlags = append(targetFlags, "--memory-limit-mb", strconv.Itoa(*memLimit))
	}

	attacks, err := chosen(*attackList)
	if err == nil {
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
		defer cancel()
		if *targetAddr != "" {
			err = attackRunning(ctx, *targetAddr, attacks, *attackers, cmp.Or(*duration, 30*time.Second), *villageID, *blobID, *jsonOut)
		} else {
			err = benchmark(ctx, benchConfig{entries: *entries, logs: *logs, blobBytes: *blobMB << 20, dir: *dir, kith: *kith,
				attacks: attacks, attackers: *attackers, connAttackers: *connAttackers, duration: cmp.Or(*duration, 3*time.Minute), memLimit: *memLimit}, *jsonOut)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/hostile:", err)
		os.Exit(1)
	}
}

// chosen reads the -attacks list.
func chosen(list string) ([]hostile.Attack, error) {
	if list == "all" {
		return slices.Clone(hostile.Attacks), nil
	}
	var out []hostile.Attack
	for _, name := range strings.Split(list, ",") {
		a, err := hostile.Lookup(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// attackRunning runs the attacks against a running node and prints their
// reports.
func attackRunning(ctx context.Context, addr string, attacks []hostile.Attack, attackers int, d time.Duration, villageID, blobID string, jsonOut bool) error {
	t, err := hostile.ParseTarget(addr)
	if err != nil {
		return err
	}
	o := hostile.Options{Attackers: attackers, Duration: d}
	if villageID != "" {
		if o.Village, err = entry.ParseID(villageID); err != nil {
			return fmt.Errorf("-village: %w", err)
		}
	}
	if blobID != "" {
		id, err := blob.ParseID(blobID)
		if err != nil {
			return fmt.Errorf("-blob: %w", err)
		}
		o.Blob = id
	}
	var reports []hostile.Report
	for _, a := range attacks {
		benchkit.Logf("%s: %d attackers for %s", a.Name, attackers, d)
		rep := a.Run(ctx, t, o)
		reports = append(reports, rep)
		if !jsonOut {
			printReport(a, rep)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if jsonOut {
		out, _ := json.MarshalIndent(reports, "", "  ")
		fmt.Println(string(out))
	}
	return nil
}

func printReport(a hostile.Attack, r hostile.Report) {
	fmt.Printf("== %s (%.0f s): %s\n", r.Attack, r.Seconds, a.About)
	conns := ""
	if r.Connections > 0 {
		conns = fmt.Sprintf("%d connections, ", r.Connections)
	}
	fmt.Printf("   %d identities, %s%d streams, %d messages, %.1f MB sent\n",
		r.Identities, conns, r.Streams, r.Messages, float64(r.BytesSent)/1e6)
	if a.Penalised {
		fmt.Printf("   refused afterwards: %d of %d probed\n", r.Penalised, r.Probed)
	}
	fmt.Printf("   the node: %s\n", answers(r.Answers))
	for _, e := range r.Errors {
		fmt.Printf("   tool error: %s\n", e)
	}
}

// answers summarises a report's answers, most frequent first.
func answers(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return int(m[b] - m[a])
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for i, k := range keys {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… %d more", len(keys)-8))
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// benchConfig shapes the benchmark.
type benchConfig struct {
	entries, logs, blobBytes int
	dir, kith                string
	attacks                  []hostile.Attack
	attackers, connAttackers int
	duration                 time.Duration
	memLimit                 int // MiB, the node's --memory-limit-mb
}

// Result is what the benchmark reports.
type Result struct {
	Date      string `json:"date"`
	Machine   string `json:"machine"`
	Cores     int    `json:"cores"`
	Commit    string `json:"commit,omitempty"` // of the kith built, when built here
	Entries   int    `json:"entries"`
	Logs      int    `json:"logs"`
	Attackers int    `json:"attackers"`
	// MemoryLimitMB is the node's --memory-limit-mb (0: none).
	MemoryLimitMB int `json:"memory_limit_mb,omitempty"`
	// SplitCores: the node and the honest peer ran on CPU 0, the
	// attackers on the others (-split-cores).
	SplitCores bool `json:"split_cores,omitempty"`
	// The honest peer's full sync without an attack, before the attacks
	// and after them; ratios are taken against the mean.
	Baseline      Trial   `json:"baseline"`
	BaselineAfter Trial   `json:"baseline_after"`
	Trials        []Trial `json:"trials"`
}

func benchmark(ctx context.Context, c benchConfig, jsonOut bool) error {
	dir := c.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "kith-bench-hostile-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bin, commit := c.kith, ""
	if bin == "" {
		var err error
		if bin, err = benchkit.BuildKith(dir); err != nil {
			return err
		}
		commit = gitCommit()
	}
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(),
		Entries: c.entries / c.logs * c.logs, Logs: c.logs, Attackers: c.attackers, Commit: commit, MemoryLimitMB: c.memLimit, SplitCores: nodeCPU >= 0}
	benchkit.Logf("creating the target: %d entries in %d logs, a post with a %d MiB blob, a village", res.Entries, c.logs, c.blobBytes>>20)
	t, err := newTarget(ctx, bin, dir, c.entries, c.logs, c.blobBytes)
	if err != nil {
		return err
	}
	tc := trialConfig{attackers: c.attackers, minDuration: 5 * time.Second, maxDuration: c.duration, warmup: 3 * time.Second,
		honestTimeout: c.duration - 3*time.Second, after: 5 * time.Second}
	benchkit.Logf("baseline: an honest peer syncs without an attack")
	base := tc
	base.warmup, base.minDuration = 0, 0
	if res.Baseline, err = runTrial(ctx, bin, dir, t, nil, base, nil); err != nil {
		return err
	}
	if !res.Baseline.HonestSynced {
		return fmt.Errorf("the honest peer did not sync without an attack (missing %s)", res.Baseline.HonestMissing)
	}
	benchkit.Logf("  %.1f s (first entry at %.1f s)", res.Baseline.HonestSeconds, res.Baseline.HonestFirstSeconds)
	var trials []Trial
	for _, a := range c.attacks {
		tc := tc
		if a.Name == "conn-flood" {
			tc.attackers, tc.warmup = c.connAttackers, 10*time.Second
		}
		benchkit.Logf("%s: %d attackers while an honest peer syncs", a.Name, tc.attackers)
		tc.baseline = res.Baseline.HonestSeconds
		var log string
		tr, err := runTrial(ctx, bin, dir, t, &a, tc, &log)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		benchkit.Logf("  honest %.1f s (first entry at %.1f s, synced %v), ratio %.2f, peak RSS %.0f MB (anonymous %.0f MB, files %.0f MB), CPU %.0f %%, attackers' CPU %.1f s, refused %d of %d",
			tr.HonestSeconds, tr.HonestFirstSeconds, tr.HonestSynced, tr.Ratio, tr.PeakRSSMB, tr.PeakAnonMB, tr.PeakFileMB, tr.CPUPercent, tr.AttackerCPUSeconds, tr.Report.Penalised, tr.Report.Probed)
		w, q := tr.StrangerSessions, tr.StrangerRequests
		benchkit.Logf("  strangers' sessions: %d started (%d after waiting), %d refused (%d for a returning peer); village requests: %d taken (%d after waiting), %d refused",
			w.Admitted, w.Waited, w.Refused, w.Evicted, q.Admitted, q.Waited, q.Refused)
		trials = append(trials, tr)
		if !tr.Alive {
			benchkit.Logf("  the target died or did not stop cleanly; the end of its log:\n%s", log[max(0, len(log)-4000):])
		}
	}
	benchkit.Logf("baseline again")
	if res.BaselineAfter, err = runTrial(ctx, bin, dir, t, nil, base, nil); err != nil {
		return err
	}
	mean := res.Baseline.HonestSeconds
	if res.BaselineAfter.HonestSynced {
		mean = (mean + res.BaselineAfter.HonestSeconds) / 2
	}
	for i := range trials {
		if trials[i].HonestSynced {
			trials[i].Ratio = mean / trials[i].HonestSeconds
		}
	}
	res.Trials = trials
	if jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	printResult(res)
	return nil
}

func printResult(r Result) {
	fmt.Printf("machine   %s (%d cores), %s\n", r.Machine, r.Cores, r.Date)
	fmt.Printf("target    %d entries in %d logs; %d attackers at once per attack\n", r.Entries, r.Logs, r.Attackers)
	fmt.Printf("baseline  honest full sync %.1f s before the attacks, %.1f s after; target peak RSS %.0f MB (anonymous %.0f MB, files %.0f MB)\n",
		r.Baseline.HonestSeconds, r.BaselineAfter.HonestSeconds, r.Baseline.PeakRSSMB, r.Baseline.PeakAnonMB, r.Baseline.PeakFileMB)
	fmt.Printf("%-22s %8s %6s %9s %9s %9s %9s %7s %6s %9s %6s %7s\n", "attack", "honest s", "ratio", "peak RSS", "anon", "files", "RSS after", "CPU s", "CPU %", "refused", "logs+", "DHT KB+")
	for _, t := range r.Trials {
		hs := fmt.Sprintf("%.1f", t.HonestSeconds)
		if !t.HonestSynced {
			hs = "never"
		}
		refused := "-"
		if t.Report.Probed > 0 {
			refused = fmt.Sprintf("%d/%d", t.Report.Penalised, t.Report.Probed)
		}
		fmt.Printf("%-22s %8s %6.2f %6.0f MB %6.0f MB %6.0f MB %6.0f MB %7.1f %6.0f %9s %6d %7d\n", t.Attack, hs, t.Ratio, t.PeakRSSMB, t.PeakAnonMB, t.PeakFileMB, t.RSSAfterMB, t.CPUSeconds, t.CPUPercent, refused, t.LogsAdded, t.DHTKBAdded)
	}
}

// gitCommit is the commit of the working directory's checkout ("" outside
// one): the code the benchmark built.
func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
