package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// postTrials: clients post through the API of one node, which is killed;
// the same home is restarted for the next trial, so its log goes on across
// every crash.
func postTrials(ctx context.Context, c config, bin string) (Scenario, error) {
	s := Scenario{Name: "post", Trials: c.trials, UndisturbedS: c.postWindow.Seconds()}
	home, err := freshHome(filepath.Join(c.dir, "post"))
	if err != nil {
		return s, err
	}
	var all []entry.ID // every post acknowledged, over all trials
	for i := 1; i <= c.trials; i++ {
		p, err := benchkit.Serve(bin, home)
		if err != nil {
			s.ResumeFailures++
			s.note("trial %d: restart: %v", i, err)
			break
		}
		at := c.killMoment(c.postWindow)
		var mu sync.Mutex
		var acked []entry.ID
		pctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for w := range c.posters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := 0; pctx.Err() == nil; k++ {
					posted, err := p.Client.Post(pctx, wire.PostRequest{Text: fmt.Sprintf("trial %d, poster %d, post %d", i, w, k)})
					if err != nil {
						return // the node is gone
					}
					id, err := entry.ParseID(posted.ID)
					if err != nil {
						return
					}
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}()
		}
		time.Sleep(at)
		if err := p.Kill(); err != nil {
			stop()
			return s, err
		}
		stop()
		wg.Wait()
		s.KilledDuring++
		all = append(all, acked...)
		s.Acknowledged += len(acked)
		r, err := checkHome(ctx, home, func(n *node.Node) error {
			lost, err := missing(ctx, n, all)
			if lost > 0 {
				s.Losses += lost
				return fmt.Errorf("%d of the %d posts acknowledged so far are missing: %w", lost, len(all), errLost)
			}
			return err
		})
		clean := s.checked(i, r, err)
		benchkit.Logf("post trial %d: killed at %.2f s after %d acknowledged posts; reopened: %d entries, clean %v", i, at.Seconds(), len(acked), r.Entries, clean)
	}
	// Resume: the node starts and posts on the same log.
	p, err := benchkit.Serve(bin, home)
	if err != nil {
		s.ResumeFailures++
		s.note("final restart: %v", err)
		return s, nil
	}
	_, err = p.Client.Post(ctx, wire.PostRequest{Text: "after every crash"})
	p.Stop()
	if err != nil {
		s.ResumeFailures++
		s.note("post after the last restart: %v", err)
	}
	r, err := checkHome(ctx, home, nil)
	s.checked(c.trials+1, r, err)
	return s, nil
}
