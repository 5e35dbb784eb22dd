// Command scale measures costs that must not grow with what a node holds
// (issue 18 items 5–7), one point at a time, so growth curves can be drawn
// from a few runs:
//
//   - posts: a page of one account's posts (node.AccountPosts, 20 posts)
//     for the oldest and the newest log of a home holding -entries posts in
//     -entries/-per-log logs, in process;
//
//   - follow: a running node ('kith serve') follows -follows accounts one
//     by one through the API; the node's CPU seconds per follow at points
//     along the way, and in total.
//
//     go run ./bench/scale -mode posts -entries 100000
//     go run ./bench/scale -mode follow -follows 1000 [-certs] [-village]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// Result is what the benchmark reports.
type Result struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Cores   int    `json:"cores"`
	Mode    string `json:"mode"`
	// posts
	Entries         int     `json:"entries,omitempty"`
	Logs            int     `json:"logs,omitempty"`
	OldestPageMs    float64 `json:"oldest_account_page_ms,omitempty"`
	NewestPageMs    float64 `json:"newest_account_page_ms,omitempty"`
	PagePosts       int     `json:"page_posts,omitempty"`
	SecondPageMs    float64 `json:"oldest_account_second_page_ms,omitempty"`
	SecondPagePosts int     `json:"second_page_posts,omitempty"`
	// follow
	Follows      int        `json:"follows,omitempty"`
	FollowCPU    float64    `json:"follow_cpu_seconds,omitempty"`
	FollowPoints []FollowPt `json:"follow_points,omitempty"`
	FollowWall   float64    `json:"follow_wall_seconds,omitempty"`
	FollowCerts  bool       `json:"follow_certs,omitempty"` // each follow followed by the account's device certificate
	InVillage    bool       `json:"in_village,omitempty"`   // the node founded a village first
}

// FollowPt is the node CPU the follows from After (exclusive) to Upto
// (inclusive) cost, per follow.
type FollowPt struct {
	Upto      int     `json:"upto"`
	CPUPerMs  float64 `json:"cpu_ms_per_follow"`
	WallPerMs float64 `json:"wall_ms_per_follow"`
}

func main() {
	mode := flag.String("mode", "posts", "posts or follow")
	entries := flag.Int("entries", 100000, "posts: posts the home holds")
	perLog := flag.Int("per-log", 10, "posts: posts per log")
	follows := flag.Int("follows", 1000, "follow: accounts to follow")
	inVillage := flag.Bool("village", false, "follow: the node founds a village first, so each recomputation also reads the village's certificates")
	certs := flag.Bool("certs", false, "follow: after each follow, give the node the account's device certificate (a bundle through the API), as sync brings it after a follow")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed afterwards)")
	cpuProfile := flag.String("cpuprofile", "", "follow: write the node's CPU profile to FILE")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Mode: *mode}
	var err error
	switch *mode {
	case "posts":
		err = runPosts(&res, *entries, *perLog, *dir)
	case "follow":
		err = runFollow(&res, *follows, *certs, *inVillage, *dir, *cpuProfile)
	default:
		err = fmt.Errorf("-mode %q: use posts or follow", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/scale:", err)
		os.Exit(1)
	}
	if *jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return
	}
	out, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(out))
}

func runPosts(res *Result, entries, perLog int, dir string) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "scale")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	nlogs := entries / perLog
	res.Entries, res.Logs = nlogs*perLog, nlogs
	home := filepath.Join(dir, "home")
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		return err
	}
	defer n.Close()
	benchkit.Logf("creating %d posts in %d logs", res.Entries, nlogs)
	if _, err := benchkit.Create(ctx, n.Store(), nlogs, perLog); err != nil {
		return err
	}
	page := func(l int, before store.TimeKey) (float64, node.FeedPage, error) {
		who := benchkit.DeviceKey(l).Public()
		var times []float64
		var p node.FeedPage
		for range 15 {
			t0 := time.Now()
			var err error
			p, err = n.AccountPosts(ctx, who, before, 20)
			if err != nil {
				return 0, p, err
			}
			times = append(times, float64(time.Since(t0).Microseconds())/1000)
		}
		slices.Sort(times)
		return times[len(times)/2], p, nil
	}
	var p node.FeedPage
	if res.OldestPageMs, p, err = page(0, store.TimeKey{}); err != nil {
		return err
	}
	res.PagePosts = len(p.Items)
	if p.Next != (store.TimeKey{}) {
		var p2 node.FeedPage
		if res.SecondPageMs, p2, err = page(0, p.Next); err != nil {
			return err
		}
		res.SecondPagePosts = len(p2.Items)
	}
	if res.NewestPageMs, p, err = page(nlogs-1, store.TimeKey{}); err != nil {
		return err
	}
	if len(p.Items) != min(perLog, 20) {
		return fmt.Errorf("newest account: %d posts on the first page, want %d", len(p.Items), min(perLog, 20))
	}
	return nil
}

// nextFollowPoint is the follow count after p at which the node's CPU is
// read: 1, 10, 100, 1,000, then 3,000, 10,000, 30,000 (bands of about
// one third of a decade, for the exponent at the large end).
func nextFollowPoint(p int) int {
	switch {
	case p < 1000:
		return p * 10
	case p%3 == 0: // 3,000 -> 10,000
		return p / 3 * 10
	}
	return p * 3
}

func runFollow(res *Result, follows int, certs, inVillage bool, dir, cpuProfile string) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "scale")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	bin, err := benchkit.BuildKith(dir)
	if err != nil {
		return err
	}
	var extra []string
	if cpuProfile != "" {
		extra = append(extra, "--cpuprofile", cpuProfile)
	}
	p, err := benchkit.Serve(bin, filepath.Join(dir, "home"), extra...)
	if err != nil {
		return err
	}
	defer p.Stop()
	res.Follows, res.FollowCerts, res.InVillage = follows, certs, inVillage
	if inVillage {
		if _, err := p.Client.FoundVillage(ctx, wire.VillageFound{Name: "bench", Admit: "majority", Exclude: "majority",
			Cofounders: []string{benchkit.DeviceKey(3_000_000).Public().Account().String()}}); err != nil {
			return fmt.Errorf("found a village: %w", err)
		}
	}
	time.Sleep(2 * time.Second) // start-up work settles
	cpu0, t0 := benchkit.CPUSecondsOf(p.PID), time.Now()
	lastCPU, lastT, lastN := cpu0, t0, 0
	next := 1
	for i := 1; i <= follows; i++ {
		accKey := benchkit.DeviceKey(1_000_000 + i)
		if _, err := p.Client.Follow(ctx, accKey.Public().Account().String(), true); err != nil {
			return fmt.Errorf("follow %d: %w", i, err)
		}
		if certs {
			if err := giveCert(ctx, p, accKey, benchkit.DeviceKey(2_000_000+i)); err != nil {
				return fmt.Errorf("certificate %d: %w", i, err)
			}
		}
		if i == next || i == follows {
			c, t := benchkit.CPUSecondsOf(p.PID), time.Now()
			res.FollowPoints = append(res.FollowPoints, FollowPt{
				Upto:      i,
				CPUPerMs:  (c - lastCPU) * 1000 / float64(i-lastN),
				WallPerMs: float64(t.Sub(lastT).Microseconds()) / 1000 / float64(i-lastN),
			})
			benchkit.Logf("%d follows: %.1f CPU-s", i, c-cpu0)
			lastCPU, lastT, lastN = c, t, i
			next = nextFollowPoint(next)
		}
	}
	res.FollowCPU = benchkit.CPUSecondsOf(p.PID) - cpu0
	res.FollowWall = time.Since(t0).Seconds()
	return nil
}

// giveCert imports, through the node's API, a bundle holding account's
// certificate of device: what sync brings after a follow.
func giveCert(ctx context.Context, p *benchkit.Proc, account, device identity.PrivateKey) error {
	e, err := content.NewDeviceCert(account, device, "bench", 1)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := bundle.NewWriter(&buf, bundle.Meta{Created: 1, Producer: "bench/scale"})
	if err != nil {
		return err
	}
	if err := w.Entry(e); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	st, err := p.Client.Import(ctx, &buf, nil)
	if err != nil {
		return err
	}
	if st.EntriesNew != 1 {
		return fmt.Errorf("the node added %d entries of the certificate's bundle, want 1 (%+v)", st.EntriesNew, st)
	}
	return nil
}
