// Command reconnect measures what a reconnect costs two nodes that already
// hold the same logs: two real kith node processes on loopback, each with
// the same N logs, connect; then B restarts and reconnects. It prints the
// sync bytes each session exchanged before both sides were caught up.
//
// With -differ d, A gains one entry in each of d of the logs while both
// are stopped, so the reconnect has d logs to bring B up to date on. It
// also reports what the logs held cost when nothing happens: B's start-up
// (process start to its API answering), each node's CPU during the
// reconnect, and A's resident memory while idle after it.
//
//	go run ./bench/reconnect -logs 10000
//	go run ./bench/reconnect -logs 10000 -differ 100
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
	"strconv"
	"syscall"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// idleLate is -idle-late; kithBin, homesDir and heapDir are -kith,
// -homes and -heapprofile.
var (
	idleLate                   int
	kithBin, homesDir, heapDir string
)

// Result is what the benchmark reports.
type Result struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Cores   int    `json:"cores"`
	Logs    int    `json:"logs"`
	// FirstBytes are the sync bytes (both directions, framed) of the first
	// session, and ReconnectBytes those of the session after B restarted.
	FirstBytes       int64   `json:"first_session_bytes"`
	ReconnectBytes   int64   `json:"reconnect_session_bytes"`
	ReconnectSeconds float64 `json:"reconnect_seconds"` // connection to caught up
	EntriesSent      int64   `json:"reconnect_entries_sent"`
	// Differ is how many logs A held one entry more of (-differ).
	Differ int `json:"differ"`
	// BytesPerDiffer is ReconnectBytes / Differ.
	BytesPerDiffer float64 `json:"bytes_per_differing_log,omitempty"`
	// StartSeconds is B's restart: process start to its API answering.
	StartSeconds float64 `json:"b_start_seconds"`
	// CPU seconds of each process from B's restart to caught up (B's
	// includes its start-up).
	ReconnectCPUA float64 `json:"reconnect_cpu_a_seconds"`
	ReconnectCPUB float64 `json:"reconnect_cpu_b_seconds"`
	// IdleRSSMB is A's resident memory 5 s after the reconnect caught up;
	// IdleCPU its CPU share (of one core) over the following 10 s.
	IdleRSSMB float64 `json:"idle_rss_a_mb"`
	IdleCPU   float64 `json:"idle_cpu_a_share"`
	// IdleLateRSSMB is A's resident memory -idle-late seconds after the
	// reconnect caught up (0: not measured): once the Go runtime's
	// periodic collection and scavenger returned the sessions' garbage.
	IdleLateRSSMB float64 `json:"idle_late_rss_a_mb,omitempty"`
	IdleLateSec   int     `json:"idle_late_seconds,omitempty"`
	// The same of B (which restarted for the reconnect).
	IdleRSSBMB     float64 `json:"idle_rss_b_mb"`
	IdleLateRSSBMB float64 `json:"idle_late_rss_b_mb,omitempty"`
}

func main() {
	logs := flag.Int("logs", 10000, "logs both nodes hold (one entry each)")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed afterwards)")
	profile := flag.String("profile", "", "write CPU profiles of both nodes during the reconnect to DIR/a.pprof and DIR/b.pprof")
	differ := flag.Int("differ", 0, "logs A holds one entry more of when B reconnects (0: in sync)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	late := flag.Int("idle-late", 0, "also measure A's resident memory this many seconds after the reconnect (0: not)")
	flag.StringVar(&kithBin, "kith", "", "run this kith binary (default: build one from this tree)")
	flag.StringVar(&homesDir, "homes", "", "keep the two homes as created in DIR, and start each run from a copy of them (creating a million logs takes many minutes)")
	flag.StringVar(&heapDir, "heapprofile", "", "write heap profiles of both nodes when idle (at -idle-late, or 15 s after the reconnect) to DIR/heap.PID.1")
	flag.Parse()
	idleLate = *late
	if *differ < 0 || *differ > *logs {
		fmt.Fprintf(os.Stderr, "bench/reconnect: -differ %d is not between 0 and -logs %d\n", *differ, *logs)
		os.Exit(2)
	}
	if err := run(*logs, *differ, *dir, *profile, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench/reconnect:", err)
		os.Exit(1)
	}
}

func run(nlogs, differ int, dir, profile string, jsonOut bool) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "reconnect")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Logs: nlogs, Differ: differ}
	bin := kithBin
	if bin == "" {
		if bin, err = benchkit.BuildKith(dir); err != nil {
			return err
		}
	}
	if heapDir != "" {
		p, err := filepath.Abs(filepath.Join(heapDir, "heap"))
		if err != nil {
			return err
		}
		os.Setenv("KITH_HEAPDUMP", p) // both nodes inherit it
	}
	homes := []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}
	if err := makeHomes(ctx, homes, nlogs); err != nil {
		return err
	}
	pa, err := benchkit.Serve(bin, homes[0])
	if err != nil {
		return err
	}
	defer pa.Stop()
	pb, err := benchkit.Serve(bin, homes[1], "--peer", pa.Addr())
	if err != nil {
		return err
	}
	first, err := caughtUp(ctx, pb)
	if err != nil {
		return err
	}
	res.FirstBytes = first.Sync.BytesIn + first.Sync.BytesOut
	// Each follows the other, so each also holds the other's device
	// certificate and follow: then the two hold exactly the same logs.
	if _, err := pa.Client.Follow(ctx, pb.Account, true); err != nil {
		return err
	}
	if _, err := pb.Client.Follow(ctx, pa.Account, true); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	err = benchkit.WaitFor(wctx, 100*time.Millisecond, func() (bool, error) {
		sa, err := pa.Client.Status(wctx)
		if err != nil {
			return false, err
		}
		sb, err := pb.Client.Status(wctx)
		if err != nil {
			return false, err
		}
		return sa.Logs == sb.Logs && sa.Entries == sb.Entries && sa.Logs == nlogs+4, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for both nodes to hold the same %d logs: %w", nlogs+4, err)
	}
	benchkit.Logf("first session: %d bytes; both hold the same logs; restarting B", res.FirstBytes)
	if err := pb.Stop(); err != nil {
		return err
	}
	var profA, profB []string
	if profile != "" {
		profA = []string{"--cpuprofile", filepath.Join(profile, "a.pprof")}
		profB = []string{"--cpuprofile", filepath.Join(profile, "b.pprof")}
	}
	if differ > 0 || profile != "" {
		// A gains seq 2 of the first d logs while both are stopped;
		// B then dials A at its new address.
		if err := pa.Stop(); err != nil {
			return err
		}
		if err := addSeq2(ctx, homes[0], differ); err != nil {
			return err
		}
		if pa, err = benchkit.Serve(bin, homes[0], profA...); err != nil {
			return err
		}
		defer pa.Stop()
	}
	time.Sleep(3 * time.Second) // A's own start-up work settles
	cpuA := benchkit.CPUSecondsOf(pa.PID)
	t0 := time.Now()
	// B remembers A as a kept peer and redials it on start.
	if differ > 0 || profile != "" {
		pb, err = benchkit.Serve(bin, homes[1], append(profB, "--peer", pa.Addr())...)
	} else {
		pb, err = benchkit.Serve(bin, homes[1])
	}
	if err != nil {
		return err
	}
	res.StartSeconds = time.Since(t0).Seconds()
	defer pb.Stop()
	again, err := caughtUp(ctx, pb)
	if err != nil {
		return err
	}
	res.ReconnectCPUA = benchkit.CPUSecondsOf(pa.PID) - cpuA
	res.ReconnectCPUB = benchkit.CPUSecondsOf(pb.PID)
	res.ReconnectBytes = again.Sync.BytesIn + again.Sync.BytesOut
	res.ReconnectSeconds = time.Since(again.Since).Seconds()
	res.EntriesSent = again.Sync.EntriesSent
	if differ > 0 {
		res.BytesPerDiffer = float64(res.ReconnectBytes) / float64(differ)
		sb, err := pb.Client.Status(ctx)
		if err != nil {
			return err
		}
		if want := uint64(nlogs + differ); sb.Entries < want {
			return fmt.Errorf("node B holds %d entries after the reconnect, want at least %d", sb.Entries, want)
		}
	}
	time.Sleep(5 * time.Second)
	res.IdleRSSMB = float64(benchkit.RSSKBOf(pa.PID)) / 1024
	res.IdleRSSBMB = float64(benchkit.RSSKBOf(pb.PID)) / 1024
	c0, i0 := benchkit.CPUSecondsOf(pa.PID), time.Now()
	time.Sleep(10 * time.Second)
	res.IdleCPU = (benchkit.CPUSecondsOf(pa.PID) - c0) / time.Since(i0).Seconds()
	if idleLate > 15 {
		time.Sleep(time.Duration(idleLate-15) * time.Second)
		res.IdleLateRSSMB, res.IdleLateSec = float64(benchkit.RSSKBOf(pa.PID))/1024, idleLate
		res.IdleLateRSSBMB = float64(benchkit.RSSKBOf(pb.PID)) / 1024
	}
	if heapDir != "" {
		for _, p := range []*benchkit.Proc{pa, pb} {
			_ = syscall.Kill(p.PID, syscall.SIGUSR1)
		}
		time.Sleep(3 * time.Second)
		benchkit.Logf("heap profiles in %s: A is heap.%d.1, B heap.%d.1", heapDir, pa.PID, pb.PID)
	}
	if jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("machine       %s (%d cores), %s\n", res.Machine, res.Cores, res.Date)
	fmt.Printf("logs          %d held by both nodes\n", res.Logs)
	fmt.Printf("first         %d sync bytes (both directions)\n", res.FirstBytes)
	fmt.Printf("reconnect     %d sync bytes, %d entries sent, caught up %.2f s after connecting (%d logs differed)\n", res.ReconnectBytes, res.EntriesSent, res.ReconnectSeconds, differ)
	fmt.Printf("B start       %.2f s; reconnect CPU A %.2f s, B %.2f s (with its start)\n", res.StartSeconds, res.ReconnectCPUA, res.ReconnectCPUB)
	fmt.Printf("A idle        %.1f MB resident, %.1f %% of a core; B %.1f MB\n", res.IdleRSSMB, res.IdleCPU*100, res.IdleRSSBMB)
	if res.IdleLateSec > 0 {
		fmt.Printf("idle later    A %.1f MB, B %.1f MB resident %d s after the reconnect\n", res.IdleLateRSSMB, res.IdleLateRSSBMB, res.IdleLateSec)
	}
	return nil
}

// addSeq2 appends seq 2 (deterministic, as SignLog makes it) to logs
// 0..d-1 of the store in home.
func addSeq2(ctx context.Context, home string, d int) error {
	n, err := node.Open(home, node.Options{})
	if err != nil {
		return err
	}
	defer n.Close()
	const batch = 256
	for l := 0; l < d; l += batch {
		var es []*entry.Entry
		for i := l; i < min(l+batch, d); i++ {
			es = append(es, benchkit.SignLog(i, 2)[1])
		}
		res, err := n.Store().Ingest(ctx, es)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err != nil {
				return r.Err
			}
		}
	}
	return nil
}

// caughtUp waits until B's session with its one peer is live and caught
// up, and its byte counts have stopped moving (the last frames may still be
// in flight when the session turns live).
func caughtUp(ctx context.Context, p *benchkit.Proc) (wire.Peer, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var got wire.Peer
	var last int64 = -1
	err := benchkit.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		ps, err := p.Client.Peers(ctx)
		if err != nil {
			return false, err
		}
		if len(ps.Peers) != 1 || ps.Peers[0].Sync == nil || !ps.Peers[0].Sync.CaughtUp || ps.Peers[0].Sync.Phase != "live" {
			return false, nil
		}
		got = ps.Peers[0]
		n := got.Sync.BytesIn + got.Sync.BytesOut
		settled := n == last
		last = n
		return settled, nil
	})
	return got, err
}

// makeHomes creates the two homes, each holding the same nlogs logs and a
// config.toml listing them; with -homes, it creates them once in that
// directory (remembering for how many logs) and copies them for each run.
func makeHomes(ctx context.Context, homes []string, nlogs int) error {
	if homesDir == "" {
		return createHomes(ctx, homes, nlogs)
	}
	tmpl := []string{filepath.Join(homesDir, "a"), filepath.Join(homesDir, "b")}
	mark := filepath.Join(homesDir, "logs")
	if b, err := os.ReadFile(mark); err != nil || string(b) != strconv.Itoa(nlogs) {
		if err := os.RemoveAll(homesDir); err != nil {
			return err
		}
		if err := createHomes(ctx, tmpl, nlogs); err != nil {
			return err
		}
		if err := os.WriteFile(mark, []byte(strconv.Itoa(nlogs)), 0o644); err != nil {
			return err
		}
	}
	for i, h := range homes {
		benchkit.Logf("copying %s to %s", tmpl[i], h)
		if out, err := exec.Command("cp", "-a", tmpl[i], h).CombinedOutput(); err != nil {
			return fmt.Errorf("copy the home %s: %v: %s", tmpl[i], err, out)
		}
	}
	return nil
}

// createHomes creates each home with the same nlogs logs and a
// config.toml listing them.
func createHomes(ctx context.Context, homes []string, nlogs int) error {
	var wanted []string
	for l := 0; l < nlogs; l++ {
		wanted = append(wanted, benchkit.LogKey(l).String())
	}
	for _, h := range homes {
		n, _, err := node.Init(h, node.Options{})
		if err != nil {
			return err
		}
		// The entries are deterministic: both homes hold the same logs.
		benchkit.Logf("creating %d logs in %s", nlogs, h)
		_, err = benchkit.Create(ctx, n.Store(), nlogs, 1)
		n.Close()
		if err != nil {
			return err
		}
		if err := benchkit.WriteLogsConfig(h, wanted); err != nil {
			return err
		}
	}
	return nil
}
