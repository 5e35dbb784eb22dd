// Command reconnect measures what a reconnect costs two nodes that already
// hold the same logs: two real kith node processes on loopback, each with
// the same N logs, connect; then B restarts and reconnects. It prints the
// sync bytes each session exchanged before both sides were caught up.
//
//	go run ./bench/reconnect -logs 10000
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
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
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
}

func main() {
	logs := flag.Int("logs", 10000, "logs both nodes hold (one entry each)")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed afterwards)")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()
	if err := run(*logs, *dir, *jsonOut); err != nil {
		fmt.Fprintln(os.Stderr, "bench/reconnect:", err)
		os.Exit(1)
	}
}

func run(nlogs int, dir string, jsonOut bool) error {
	dir, cleanup, err := benchkit.WorkDir(dir, "reconnect")
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Logs: nlogs}
	bin, err := benchkit.BuildKith(dir)
	if err != nil {
		return err
	}
	var wanted []string
	for l := 0; l < nlogs; l++ {
		wanted = append(wanted, benchkit.LogKey(l).String())
	}
	homes := []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}
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
	// B remembers A as a kept peer and redials it on start.
	pb, err = benchkit.Serve(bin, homes[1])
	if err != nil {
		return err
	}
	defer pb.Stop()
	again, err := caughtUp(ctx, pb)
	if err != nil {
		return err
	}
	res.ReconnectBytes = again.Sync.BytesIn + again.Sync.BytesOut
	res.ReconnectSeconds = time.Since(again.Since).Seconds()
	res.EntriesSent = again.Sync.EntriesSent
	if jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("machine       %s (%d cores), %s\n", res.Machine, res.Cores, res.Date)
	fmt.Printf("logs          %d held by both nodes\n", res.Logs)
	fmt.Printf("first         %d sync bytes (both directions)\n", res.FirstBytes)
	fmt.Printf("reconnect     %d sync bytes, %d entries sent, caught up %.2f s after connecting\n", res.ReconnectBytes, res.EntriesSent, res.ReconnectSeconds)
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
