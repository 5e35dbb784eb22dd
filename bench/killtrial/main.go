// Command killtrial kills real kith node processes with SIGKILL at random
// moments and checks what a restart finds. Three scenarios, each -trials
// times: a node syncing logs from another node, a node importing a bundle
// through its API, a node taking posts through its API. After every kill
// it reopens the home and checks it (checkHome: the store opens, every log
// chains from seq 1 with valid signatures and payloads, nothing is forked,
// every blob hashes to its id, SQLite's integrity check passes), that
// nothing the node acknowledged is lost (each post it answered; each batch
// an import reported stored), and that the work resumes to completion (the
// sync catches up, the import, run again, holds every entry and blob).
//
// Kill moments are uniform over the length of an undisturbed run, measured
// first (posting: over -post-window).
//
//	go run ./bench/killtrial -trials 20
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/node"
)

// Scenario is the outcome of one scenario's trials.
type Scenario struct {
	Name   string `json:"name"`
	Trials int    `json:"trials"`
	// KilledDuring counts kills that came while the work was going on;
	// KilledAfter those that came after it had finished (still checked).
	KilledDuring int `json:"killed_during"`
	KilledAfter  int `json:"killed_after"`
	// Corruptions counts trials whose home failed checkHome; Losses the
	// acknowledged items missing after a kill; ResumeFailures the trials
	// whose work did not complete after the restart.
	Corruptions    int      `json:"corruptions"`
	Losses         int      `json:"losses"`
	ResumeFailures int      `json:"resume_failures"`
	Acknowledged   int      `json:"acknowledged"` // acknowledged items checked, over all trials
	UndisturbedS   float64  `json:"undisturbed_seconds"`
	TmpAtCrash     int      `json:"blob_tmp_files_at_crash"` // over all trials
	TmpLeftMax     int      `json:"blob_tmp_files_left_max"` // after the store opened
	Problems       []string `json:"problems,omitempty"`      // the first few
}

// Result is what the program reports.
type Result struct {
	Date      string     `json:"date"`
	Machine   string     `json:"machine"`
	Cores     int        `json:"cores"`
	Seed      uint64     `json:"seed"`
	Scenarios []Scenario `json:"scenarios"`
	Seconds   float64    `json:"seconds"`
}

type config struct {
	trials, logs, perLog, blobs, blobSize, posters int
	postWindow                                     time.Duration
	scenarios                                      []string
	dir                                            string
	rng                                            *rand.Rand
}

func main() {
	var c config
	flag.IntVar(&c.trials, "trials", 20, "kills per scenario")
	flag.IntVar(&c.logs, "logs", 10, "logs to sync and to import")
	flag.IntVar(&c.perLog, "entries", 2000, "entries per log")
	flag.IntVar(&c.blobs, "blobs", 8, "blobs in the bundle")
	flag.IntVar(&c.blobSize, "blob-size", 1<<20, "bytes per blob")
	flag.IntVar(&c.posters, "posters", 4, "clients posting at once")
	flag.DurationVar(&c.postWindow, "post-window", 2*time.Second, "posting: kills come uniformly within this time after the node started")
	only := flag.String("scenarios", "sync,import,post", "which scenarios to run")
	seed := flag.Uint64("seed", 0, "random seed (0: from the clock)")
	flag.StringVar(&c.dir, "dir", "", "work directory (default: a temporary one, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	c.scenarios = strings.Split(*only, ",")
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	c.rng = rand.New(rand.NewPCG(*seed, 0x6b697468))
	res, err := run(c, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/killtrial:", err)
		os.Exit(1)
	}
	if *jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
	} else {
		printResult(res)
	}
	for _, s := range res.Scenarios {
		if s.Corruptions+s.Losses+s.ResumeFailures > 0 {
			os.Exit(3)
		}
	}
}

func run(c config, seed uint64) (Result, error) {
	start := time.Now()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Seed: seed}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "kith-bench-killtrial-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	bin, err := benchkit.BuildKith(c.dir)
	if err != nil {
		return res, err
	}
	ctx := context.Background()
	for _, name := range c.scenarios {
		var s Scenario
		var err error
		switch name {
		case "sync":
			s, err = syncTrials(ctx, c, bin)
		case "import":
			s, err = importTrials(ctx, c, bin)
		case "post":
			s, err = postTrials(ctx, c, bin)
		default:
			return res, fmt.Errorf("unknown scenario %q (sync, import, post)", name)
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		res.Scenarios = append(res.Scenarios, s)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// note records a problem of one trial.
func (s *Scenario) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	benchkit.Logf("%s: PROBLEM %s", s.Name, msg)
	if len(s.Problems) < 10 {
		s.Problems = append(s.Problems, msg)
	}
}

// checked folds a checkHome report into s and says whether it was clean.
func (s *Scenario) checked(trial int, r report, err error) bool {
	s.TmpLeftMax = max(s.TmpLeftMax, r.TmpLeft)
	s.TmpAtCrash += r.TmpAtCrash
	clean := true
	if len(r.Corruptions) > 0 {
		s.Corruptions++
		s.note("trial %d: %s", trial, strings.Join(r.Corruptions, "; "))
		clean = false
	}
	if err != nil {
		s.note("trial %d: %v", trial, err)
		clean = false
	}
	return clean
}

// killMoment is a uniform random moment within d.
func (c config) killMoment(d time.Duration) time.Duration {
	return time.Duration(c.rng.Int64N(int64(d) + 1))
}

// freshHome makes an empty home with an account, as 'kith init' does.
func freshHome(dir string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return "", err
	}
	n, _, err := node.Init(dir, node.Options{})
	if err != nil {
		return "", err
	}
	return dir, n.Close()
}

func printResult(r Result) {
	fmt.Printf("machine   %s (%d cores), %s, seed %d, %.0f s\n", r.Machine, r.Cores, r.Date, r.Seed, r.Seconds)
	fmt.Printf("%-8s %7s %14s %12s %12s %7s %16s %13s %14s\n", "scenario", "trials", "killed during", "corruptions", "acknowledged", "losses", "resume failures", "undisturbed", "tmp files")
	for _, s := range r.Scenarios {
		fmt.Printf("%-8s %7d %14d %12d %12d %7d %16d %12.1fs %7d → %4d\n", s.Name, s.Trials, s.KilledDuring, s.Corruptions, s.Acknowledged, s.Losses, s.ResumeFailures, s.UndisturbedS, s.TmpAtCrash, s.TmpLeftMax)
		for _, p := range s.Problems {
			fmt.Printf("  %s\n", p)
		}
	}
}
