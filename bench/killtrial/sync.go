package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/node"
)

// syncTrials: node B syncs the benchmark logs from node A and is killed.
func syncTrials(ctx context.Context, c config, bin string) (Scenario, error) {
	s := Scenario{Name: "sync", Trials: c.trials}
	src := filepath.Join(c.dir, "sync-source")
	n, _, err := node.Init(src, node.Options{})
	if err != nil {
		return s, err
	}
	benchkit.Logf("sync: %d logs of %d entries in the source", c.logs, c.perLog)
	if _, err := benchkit.Create(ctx, n.Store(), c.logs, c.perLog); err != nil {
		n.Close()
		return s, err
	}
	n.Close()
	pa, err := benchkit.Serve(bin, src)
	if err != nil {
		return s, err
	}
	defer pa.Stop()
	want := wantHeads(c)
	var logs []string
	for k := range want {
		logs = append(logs, k.String())
	}
	newB := func(i int) (string, uint64, error) {
		home, err := freshHome(filepath.Join(c.dir, fmt.Sprintf("sync-%d", i)))
		if err != nil {
			return "", 0, err
		}
		base, err := entryCount(ctx, home)
		if err != nil {
			return "", 0, err
		}
		return home, base + uint64(c.logs*c.perLog), benchkit.WriteLogsConfig(home, logs)
	}
	// An undisturbed run sets the window the kills fall in.
	home, target, err := newB(0)
	if err != nil {
		return s, err
	}
	t0 := time.Now()
	pb, err := benchkit.Serve(bin, home, "--peer", pa.Addr())
	if err != nil {
		return s, err
	}
	if err := settled(ctx, pb, target, 5*time.Minute); err != nil {
		pb.Stop()
		return s, fmt.Errorf("undisturbed sync: %w", err)
	}
	window := time.Since(t0) - time.Second // settled waits a second
	s.UndisturbedS = window.Seconds()
	pb.Stop()
	benchkit.Logf("sync: undisturbed %.1f s", s.UndisturbedS)

	for i := 1; i <= c.trials; i++ {
		home, target, err := newB(i)
		if err != nil {
			return s, err
		}
		at := c.killMoment(window)
		t0 := time.Now()
		pb, err := benchkit.Serve(bin, home, "--peer", pa.Addr())
		if err != nil {
			return s, err
		}
		time.Sleep(time.Until(t0.Add(at)))
		stc, _ := pb.Client.Status(ctx)
		if err := pb.Kill(); err != nil {
			return s, err
		}
		if stc.Entries >= target {
			s.KilledAfter++
		} else {
			s.KilledDuring++
		}
		r, err := checkHome(ctx, home, nil)
		clean := s.checked(i, r, err)
		benchkit.Logf("sync trial %d: killed at %.2f s with %d entries held (of %d); reopened: %d entries, clean %v", i, at.Seconds(), stc.Entries, target, r.Entries, clean)
		// Resume: the sync completes.
		pb, err = benchkit.Serve(bin, home, "--peer", pa.Addr())
		if err != nil {
			s.ResumeFailures++
			s.note("trial %d: restart: %v", i, err)
			continue
		}
		err = settled(ctx, pb, target, 5*time.Minute)
		pb.Stop()
		if err == nil {
			_, err = checkHome(ctx, home, func(n *node.Node) error { return holdsAll(ctx, n, want) })
		}
		if err != nil {
			s.ResumeFailures++
			s.note("trial %d: resumed sync: %v", i, err)
		}
		os.RemoveAll(home)
	}
	return s, nil
}
