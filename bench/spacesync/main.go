// Command spacesync compares replicating a space's sealed entries with
// replicating the same number of plaintext posts, in one run: two real
// kith node processes on loopback for each, B starting empty. The sealed
// side is one member's content log of a space B is a member of (B holds
// the epoch key before it starts, so it knows the log's opaque id); the
// plaintext side is one device's public log of posts of the same texts.
// It prints both sync rates, their ratio, the bytes on the wire, and the
// time B then takes to open every sealed entry.
//
//	go run ./bench/spacesync -entries 100000
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
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// cpuProfile is the -cpuprofile prefix, empty for none.
var cpuProfile string

// Run is one side's figures.
type Run struct {
	Seconds       float64 `json:"session_seconds"` // connection to every entry stored on B
	Rate          float64 `json:"entries_per_s"`
	BytesAtoB     int64   `json:"bytes_a_to_b"`
	BytesPerEntry float64 `json:"wire_bytes_per_entry"`
	CPUSecondsB   float64 `json:"cpu_seconds_b"`
	CPUSecondsA   float64 `json:"cpu_seconds_a"` // from B's start to the last entry stored
}

// Result is what the benchmark reports.
type Result struct {
	Date    string  `json:"date"`
	Machine string  `json:"machine"`
	Cores   int     `json:"cores"`
	Entries int     `json:"entries"`
	Plain   Run     `json:"plaintext"`
	Sealed  Run     `json:"sealed"`
	Ratio   float64 `json:"ratio_sealed_to_plaintext"`
	// RatioCPU is B's CPU time for the plaintext sync over its CPU time
	// for the sealed one: less sensitive than the rates to what else the
	// machine runs.
	RatioCPU    float64 `json:"ratio_cpu_plaintext_to_sealed"`
	OpenSeconds float64 `json:"open_all_seconds"` // B opening every sealed entry, in process
	OpenRate    float64 `json:"open_entries_per_s"`
}

func main() {
	entries := flag.Int("entries", 100_000, "entries on each side")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	profile := flag.String("cpuprofile", "", "write CPU profiles of the nodes to PREFIX-{plain,sealed}-{a,b}.prof")
	flag.Parse()
	cpuProfile = *profile
	if err := run(*entries, *dir, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench/spacesync:", err)
		os.Exit(1)
	}
}

func run(total int, dir string, jsonOut bool) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "spacesync")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Entries: total}
	bin, err := benchkit.BuildKith(dir)
	if err != nil {
		return err
	}

	// Plaintext: one device's log of posts, wanted by B explicitly.
	plainA, plainB := filepath.Join(dir, "plain-a"), filepath.Join(dir, "plain-b")
	a, _, err := node.Init(plainA, node.Options{})
	if err != nil {
		return err
	}
	benchkit.Logf("plaintext: %d posts on A", total)
	if _, err := benchkit.Create(ctx, a.Store(), 1, total); err != nil {
		return err
	}
	a.Close()
	b, _, err := node.Init(plainB, node.Options{})
	if err != nil {
		return err
	}
	b.Close()
	if err := benchkit.WriteLogsConfig(plainB, []string{benchkit.LogKey(0).String()}); err != nil {
		return err
	}
	if res.Plain, err = syncRun(ctx, bin, plainA, plainB, uint64(total)+1, total, "plain"); err != nil {
		return err
	}

	// Sealed: a space of A and B; A's content log.
	sealA, sealB := filepath.Join(dir, "sealed-a"), filepath.Join(dir, "sealed-b")
	id, err := makeSpace(ctx, sealA, sealB, total)
	if err != nil {
		return err
	}
	bn, err := node.Open(sealB, node.Options{})
	if err != nil {
		return err
	}
	held, err := bn.Status(ctx)
	bn.Close()
	if err != nil {
		return err
	}
	if res.Sealed, err = syncRun(ctx, bin, sealA, sealB, uint64(held.Entries)+uint64(total), total, "sealed"); err != nil {
		return err
	}
	res.Ratio = res.Sealed.Rate / res.Plain.Rate
	res.RatioCPU = res.Plain.CPUSecondsB / res.Sealed.CPUSecondsB

	bn, err = node.Open(sealB, node.Options{})
	if err != nil {
		return err
	}
	defer bn.Close()
	start := time.Now()
	ms, err := bn.SpaceMessages(ctx, id)
	if err != nil {
		return err
	}
	res.OpenSeconds = time.Since(start).Seconds()
	readable := 0
	for _, m := range ms {
		if m.Status == node.SpaceReadable {
			readable++
		}
	}
	if readable != total {
		return fmt.Errorf("node B opened %d of %d sealed entries", readable, total)
	}
	res.OpenRate = float64(total) / res.OpenSeconds

	if jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("machine     %s (%d cores), %s\n", res.Machine, res.Cores, res.Date)
	fmt.Printf("plaintext   %d entries in %.1f s: %.0f entries/s, %.0f bytes/entry on the wire\n", total, res.Plain.Seconds, res.Plain.Rate, res.Plain.BytesPerEntry)
	fmt.Printf("sealed      %d entries in %.1f s: %.0f entries/s, %.0f bytes/entry on the wire\n", total, res.Sealed.Seconds, res.Sealed.Rate, res.Sealed.BytesPerEntry)
	fmt.Printf("ratio       sealed / plaintext = %.2f (B's CPU time: plaintext %.2f s, sealed %.2f s, ratio %.2f)\n", res.Ratio, res.Plain.CPUSecondsB, res.Sealed.CPUSecondsB, res.RatioCPU)
	fmt.Printf("opening     all %d on B: %.2f s (%.0f entries/s)\n", total, res.OpenSeconds, res.OpenRate)
	return nil
}

// syncRun starts A and B (B dialling A) and waits until B holds target
// entries, count of them new.
func syncRun(ctx context.Context, bin, homeA, homeB string, target uint64, count int, side string) (Run, error) {
	var r Run
	var profA, profB []string
	if cpuProfile != "" {
		profA = []string{"--cpuprofile", cpuProfile + "-" + side + "-a.prof"}
		profB = []string{"--cpuprofile", cpuProfile + "-" + side + "-b.prof"}
	}
	pa, err := benchkit.Serve(bin, homeA, profA...)
	if err != nil {
		return r, err
	}
	defer pa.Stop()
	cpuA0 := benchkit.CPUSecondsOf(pa.PID)
	pb, err := benchkit.Serve(bin, homeB, append([]string{"--peer", pa.Addr()}, profB...)...)
	if err != nil {
		return r, err
	}
	defer pb.Stop()
	done, err := pb.WaitEntries(ctx, target, 50*time.Millisecond)
	if err != nil {
		return r, err
	}
	r.CPUSecondsB = benchkit.CPUSecondsOf(pb.PID)
	r.CPUSecondsA = benchkit.CPUSecondsOf(pa.PID) - cpuA0
	p, err := pb.SyncPeer(ctx)
	if err != nil {
		return r, err
	}
	r.Seconds = done.Sub(p.Since).Seconds()
	n := float64(count)
	r.Rate = n / r.Seconds
	r.BytesAtoB = p.Sync.BytesIn
	r.BytesPerEntry = float64(p.Sync.BytesIn+p.Sync.BytesOut) / n
	return r, nil
}

// makeSpace makes homes A and B, a space of both with B holding the
// epoch key, and total sealed posts by A; then leaves B holding only what
// it needs to know the space (not A's content log).
func makeSpace(ctx context.Context, homeA, homeB string, total int) (entry.ID, error) {
	a, _, err := node.Init(homeA, node.Options{})
	if err != nil {
		return entry.ID{}, err
	}
	defer a.Close()
	b, _, err := node.Init(homeB, node.Options{})
	if err != nil {
		return entry.ID{}, err
	}
	defer b.Close()
	share := func(from, to *node.Node) error {
		heads, err := from.Store().Heads(ctx)
		if err != nil {
			return err
		}
		var es []*entry.Entry
		if err := from.EachEntry(ctx, heads, func(e *store.Stored) error {
			es = append(es, e.Entry)
			return nil
		}); err != nil {
			return err
		}
		_, err = to.Store().Ingest(ctx, es)
		return err
	}
	if err := share(b, a); err != nil {
		return entry.ID{}, err
	}
	ce, err := a.CreateSpace(ctx, "bench", entry.ID{}, nil, []identity.PublicKey{b.Account().Key()})
	if err != nil {
		return entry.ID{}, err
	}
	if err := share(a, b); err != nil {
		return entry.ID{}, err
	}
	if _, err := b.Space(ctx, ce.ID); err != nil { // publishes B's encryption key
		return entry.ID{}, err
	}
	if err := share(b, a); err != nil {
		return entry.ID{}, err
	}
	if _, err := a.Space(ctx, ce.ID); err != nil { // gives B the epoch
		return entry.ID{}, err
	}
	if err := share(a, b); err != nil {
		return entry.ID{}, err
	}
	v, err := b.Space(ctx, ce.ID)
	if err != nil {
		return entry.ID{}, err
	}
	if !v.CanWrite {
		return entry.ID{}, fmt.Errorf("node B holds no key of the space: %s", v.Waiting)
	}
	benchkit.Logf("sealed: %d posts on A", total)
	const batch = 10000
	for done := 0; done < total; done += batch {
		drafts := make([]node.SpaceDraft, min(batch, total-done))
		for i := range drafts {
			drafts[i].Text = fmt.Sprintf("post %d in log %d: a short message of ordinary length for a benchmark", done+i+1, 0)
		}
		if _, err := a.PostManyToSpace(ctx, ce.ID, drafts); err != nil {
			return entry.ID{}, err
		}
	}
	return ce.ID, nil
}
