// Command live measures live replication latency: N real kith node
// processes on loopback, all connected and all following each other; an
// append on one node is timed until it is visible on every other node.
//
//	go run ./bench/live -nodes 10 -posts 200
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/api/wire"
)

// Result is what the benchmark reports, in milliseconds.
type Result struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Cores   int    `json:"cores"`
	Nodes   int    `json:"nodes"`
	Posts   int    `json:"posts"`
	PollMS  int    `json:"poll_interval_ms"`
	// All: per post, the time until the last other node has it.
	AllP50 float64 `json:"all_p50_ms"`
	AllP99 float64 `json:"all_p99_ms"`
	AllMax float64 `json:"all_max_ms"`
	// Each: per (post, other node) pair.
	EachP50 float64 `json:"each_p50_ms"`
	EachP99 float64 `json:"each_p99_ms"`
}

func main() {
	nodes := flag.Int("nodes", 10, "nodes")
	posts := flag.Int("posts", 200, "posts, made round-robin on the nodes")
	poll := flag.Duration("poll", 2*time.Millisecond, "how often each node is asked whether it has the post")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	if err := run(*nodes, *posts, *poll, *dir, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench/live:", err)
		os.Exit(1)
	}
}

func run(nn, posts int, poll time.Duration, dir string, jsonOut bool) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "live")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Nodes: nn, Posts: posts, PollMS: int(poll / time.Millisecond)}
	bin, err := benchkit.BuildKith(dir)
	if err != nil {
		return err
	}
	var ps []*benchkit.Proc
	defer func() {
		for _, p := range ps {
			p.Stop()
		}
	}()
	for i := 0; i < nn; i++ {
		p, err := benchkit.Serve(bin, filepath.Join(dir, fmt.Sprint(i)))
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	benchkit.Logf("%d nodes up; following and connecting", nn)
	for _, p := range ps {
		for _, q := range ps {
			if p != q {
				if _, err := p.Client.Follow(ctx, q.Account, true); err != nil {
					return err
				}
			}
		}
	}
	for i, p := range ps {
		for _, q := range ps[:i] {
			if _, err := p.Client.AddPeer(ctx, wire.AddPeerRequest{Addr: q.Addr()}); err != nil {
				return err
			}
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, p := range ps {
		err := benchkit.WaitFor(wctx, 50*time.Millisecond, func() (bool, error) {
			l, err := p.Client.Peers(wctx)
			if err != nil {
				return false, err
			}
			live := 0
			for _, pe := range l.Peers {
				if pe.Sync != nil && pe.Sync.Phase == "live" && pe.Sync.CaughtUp {
					live++
				}
			}
			return live == nn-1, nil
		})
		if err != nil {
			return fmt.Errorf("waiting for %d live sessions on every node: %w", nn-1, err)
		}
	}
	benchkit.Logf("all sessions live; posting %d times", posts)
	var all, each []float64
	for k := 0; k < posts; k++ {
		origin := ps[k%nn]
		start := time.Now()
		posted, err := origin.Client.Post(ctx, wire.PostRequest{Text: fmt.Sprintf("live %d", k)})
		if err != nil {
			return err
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		var worst float64
		for _, p := range ps {
			if p == origin {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				err := benchkit.WaitFor(pctx, poll, func() (bool, error) {
					_, err := p.Client.Entry(pctx, posted.ID)
					return err == nil, nil
				})
				ms := float64(time.Since(start).Microseconds()) / 1000
				if err != nil {
					ms = 30000
				}
				mu.Lock()
				each = append(each, ms)
				worst = max(worst, ms)
				mu.Unlock()
			}()
		}
		wg.Wait()
		all = append(all, worst)
	}
	res.AllP50, res.AllP99, res.AllMax = pct(all, 50), pct(all, 99), pct(all, 100)
	res.EachP50, res.EachP99 = pct(each, 50), pct(each, 99)
	if jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("machine     %s (%d cores), %s\n", res.Machine, res.Cores, res.Date)
	fmt.Printf("nodes       %d, all connected, all following each other; %d posts; polled every %d ms\n", nn, posts, res.PollMS)
	fmt.Printf("on all      p50 %.1f ms, p99 %.1f ms, max %.1f ms (post request sent -> visible on the last node)\n", res.AllP50, res.AllP99, res.AllMax)
	fmt.Printf("per node    p50 %.1f ms, p99 %.1f ms\n", res.EachP50, res.EachP99)
	return nil
}

// pct returns the p-th percentile (nearest rank).
func pct(v []float64, p float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
