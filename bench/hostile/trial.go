package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/netnode/hostile"
)

// Trial is one attack on the target while an honest peer syncs from it.
type Trial struct {
	Attack        string  `json:"attack"`
	Attackers     int     `json:"attackers"`
	AttackSeconds float64 `json:"attack_seconds"`
	HonestSeconds float64 `json:"honest_seconds"` // the honest peer's process start to holding everything
	// HonestFirstSeconds: its process start to holding a first entry (its
	// way in: dial, admission, reconciliation).
	HonestFirstSeconds float64 `json:"honest_first_entry_seconds"`
	HonestSynced       bool    `json:"honest_synced"`
	HonestMissing      string  `json:"honest_missing,omitempty"`
	Ratio              float64 `json:"ratio"`       // the honest sync rate during the attack ÷ without it (0: no baseline)
	PeakRSSMB          float64 `json:"peak_rss_mb"` // the target's, from the attack's start to its end
	RSSAfterMB         float64 `json:"rss_after_mb"`
	// PeakAnonMB and PeakFileMB are the highest of the RSS's two parts,
	// sampled every 50 ms: anonymous memory (Go's heap and SQLite's) and
	// mapped files (the binary, and the database read through mmap).
	PeakAnonMB float64 `json:"peak_anon_mb"`
	PeakFileMB float64 `json:"peak_file_mb"`
	CPUSeconds float64 `json:"cpu_seconds"` // the target's user + system CPU over the attack
	CPUPercent float64 `json:"cpu_percent"` // of one core
	// AttackerCPUSeconds is this process's CPU over the attack: the
	// attackers run in it, on the same machine as the target and the
	// honest peer, and take CPU from both.
	AttackerCPUSeconds float64 `json:"attacker_cpu_seconds"`
	Alive              bool    `json:"alive"` // its process runs and its API answers after the attack
	PenaltiesLogged    int     `json:"penalties_logged"`
	LogsAdded          int     `json:"logs_added"`   // logs the target holds after ÷ before
	DHTKBAdded         int64   `json:"dht_kb_added"` // growth of its DHT datastore
	VillageRequests    int     `json:"village_requests_kept"`
	VillageDropped     int     `json:"village_requests_dropped"` // as the node reports it
	// StrangerSessions and StrangerRequests are what the budgets for
	// strangers' sync sessions and village requests did during the trial
	// (the node's counters after less before; doc/network.md).
	StrangerSessions wire.StrangerWork `json:"stranger_sessions"`
	StrangerRequests wire.StrangerWork `json:"stranger_requests"`
	// Penalties counts the target's "peer penalised" log lines by reason
	// (the reason's first words).
	Penalties map[string]int `json:"penalties"`

	Report hostile.Report `json:"report"`
}

// trialConfig shapes a trial.
type trialConfig struct {
	attackers     int
	minDuration   time.Duration // the attack runs at least this long,
	maxDuration   time.Duration // at most this long, and otherwise until the honest peer is done
	warmup        time.Duration // the attack runs this long before the honest peer starts
	honestTimeout time.Duration
	baseline      float64 // the honest peer's seconds without an attack (0: no ratio)
	after         time.Duration
}

// runTrial starts a fresh target process on a copy of t's home under dir,
// runs attack a (nil: none, the baseline) against it while an honest peer
// in a fresh home syncs from it, measures the target, and stops it. log,
// when set, gets the target's log.
func runTrial(ctx context.Context, bin, dir string, t *target, a *hostile.Attack, c trialConfig, log *string) (Trial, error) {
	name := "none"
	if a != nil {
		name = a.Name
	}
	tr := Trial{Attack: name, Attackers: c.attackers}
	dir, err := os.MkdirTemp(dir, name+"-")
	if err != nil {
		return tr, err
	}
	tp, err := t.start(bin, filepath.Join(dir, "target"))
	if err != nil {
		return tr, err
	}
	defer func() {
		if err := tp.stop(); err != nil {
			tr.Alive = false
		}
		if log != nil {
			*log = tp.log.String()
		}
	}()
	tgt, err := hostile.ParseTarget(tp.addr())
	if err != nil {
		return tr, err
	}
	st0, err := tp.Client.Status(ctx)
	if err != nil {
		return tr, fmt.Errorf("the target before %s: %w", name, err)
	}
	dhtDir := filepath.Join(tp.Home, "net", "dht")
	dht0 := dirKB(dhtDir)
	cpu0 := benchkit.CPUSecondsOf(tp.PID)
	self0 := benchkit.CPUSecondsOf(os.Getpid())
	hwm := resetPeakRSS(tp.PID)
	rss := sampleRSS(tp.PID)
	start := time.Now()

	stop := make(chan struct{})
	reports := make(chan hostile.Report, 1)
	if a != nil {
		actx, cancel := context.WithCancel(ctx)
		go func() {
			<-stop
			cancel()
		}()
		go func() {
			reports <- a.Run(actx, tgt, hostile.Options{Attackers: c.attackers, Duration: c.maxDuration, Village: t.Village, Blob: t.BlobID})
		}()
	}
	if !pause(ctx, c.warmup) {
		close(stop)
		return tr, ctx.Err()
	}
	h, err := honestSync(ctx, bin, filepath.Join(dir, "honest"), t, tp, c.honestTimeout)
	if err != nil {
		close(stop)
		return tr, err
	}
	tr.HonestSeconds, tr.HonestSynced, tr.HonestMissing = h.Seconds, h.Synced, h.Missing
	tr.HonestFirstSeconds = h.FirstSeconds
	if h.Synced && c.baseline > 0 {
		tr.Ratio = c.baseline / h.Seconds
	}
	pause(ctx, c.minDuration-time.Since(start))
	if a != nil && a.Penalised {
		// An attack the node must penalise runs on until the node's log
		// names a penalty for as many peers as there are attackers, within
		// maxDuration: on a loaded machine (the race detector, other
		// packages' tests beside this one) an attacker may not have
		// reached its limit when the honest peer is done.
		for penalisedPeers(tp.log.String()) < c.attackers && time.Since(start) < c.maxDuration {
			if !pause(ctx, 200*time.Millisecond) {
				break
			}
		}
	}
	close(stop)
	if a != nil {
		tr.Report = <-reports
	}
	tr.AttackSeconds = time.Since(start).Seconds()
	tr.CPUSeconds = benchkit.CPUSecondsOf(tp.PID) - cpu0
	tr.CPUPercent = 100 * tr.CPUSeconds / tr.AttackSeconds
	tr.AttackerCPUSeconds = benchkit.CPUSecondsOf(os.Getpid()) - self0
	peaks := rss.peaks()
	peak := peaks.RSS
	if hwm {
		peak = max(peak, statusKB(tp.PID, "VmHWM"))
	}
	tr.PeakRSSMB = float64(peak) / 1024
	tr.PeakAnonMB, tr.PeakFileMB = float64(peaks.Anon)/1024, float64(peaks.File)/1024

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	st1, err := tp.Client.Status(sctx)
	cancel()
	tr.Alive = err == nil && !tp.exited()
	if tr.Alive {
		tr.LogsAdded = st1.Logs - st0.Logs
		if g0, g1 := st0.Strangers, st1.Strangers; g0 != nil && g1 != nil {
			tr.StrangerSessions = workDelta(g0.Sessions, g1.Sessions)
			tr.StrangerRequests = workDelta(g0.Requests, g1.Requests)
		}
	}
	tr.DHTKBAdded = dirKB(dhtDir) - dht0
	tr.VillageRequests, tr.VillageDropped = inboxSize(ctx, tp, t.Village.String())
	pause(ctx, c.after)
	tr.RSSAfterMB = float64(statusKB(tp.PID, "VmRSS")) / 1024
	text := tp.log.String()
	for _, dev := range tr.Report.Attackers {
		if penaltyLogged(text, dev) {
			tr.PenaltiesLogged++
		}
	}
	tr.Penalties = penaltyReasons(text)
	return tr, nil
}

// penaltyReasons counts the log's penalties by the first words of their
// reason.
func penaltyReasons(log string) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "peer penalised") {
			continue
		}
		_, reason, _ := strings.Cut(line, "reason=")
		reason = strings.TrimPrefix(reason, `"`)
		if f := strings.Fields(reason); len(f) > 10 {
			reason = strings.Join(f[:10], " ")
		}
		out[reason]++
	}
	return out
}

// penaltyLogged reports whether the node's log has a penalty for dev.
// penalisedPeers counts the distinct devices the node's log names in a
// "peer penalised" line.
func penalisedPeers(log string) int {
	seen := map[string]bool{}
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, "peer penalised") {
			continue
		}
		if i := strings.Index(line, "dev_"); i >= 0 {
			j := i
			for j < len(line) && (line[j] == '_' || line[j] >= 'a' && line[j] <= 'z' || line[j] >= '0' && line[j] <= '9') {
				j++
			}
			seen[line[i:j]] = true
		}
	}
	return len(seen)
}

func penaltyLogged(log, dev string) bool {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "peer penalised") && strings.Contains(line, dev) {
			return true
		}
	}
	return false
}

// pause waits d or until ctx ends; it reports whether ctx is still live.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// inboxSize counts the requests in a village's inbox, page by page, and
// the requests the node says it dropped.
func inboxSize(ctx context.Context, tp *proc, village string) (kept, dropped int) {
	q := wire.VillageInboxQuery{Limit: wire.MaxInboxLimit}
	for range 10_000 {
		page, err := tp.Client.VillageRequests(ctx, village, q)
		if err != nil {
			return kept, dropped
		}
		kept += len(page.Requests)
		dropped = page.Dropped.Requests
		if page.Next == "" || page.Next == q.After {
			break
		}
		q.After = page.Next
	}
	return kept, dropped
}

// workDelta is what a budget did between two reports of it.
func workDelta(a, b wire.StrangerWork) wire.StrangerWork {
	return wire.StrangerWork{Rate: b.Rate, MaxWaiting: b.MaxWaiting, Waiting: b.Waiting,
		Admitted: b.Admitted - a.Admitted, Waited: b.Waited - a.Waited, Refused: b.Refused - a.Refused, Evicted: b.Evicted - a.Evicted, Full: b.Full - a.Full}
}
