package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// wantHeads are the heads of the benchmark logs (benchkit.SignLog is
// deterministic).
func wantHeads(c config) map[store.LogKey]store.Head {
	out := map[store.LogKey]store.Head{}
	for l := range c.logs {
		es := benchkit.SignLog(l, c.perLog)
		k := benchkit.LogKey(l)
		out[k] = store.Head{Log: k, Seq: uint64(c.perLog), ID: es[len(es)-1].ID}
	}
	return out
}

// holdsAll says what of want n does not hold.
func holdsAll(ctx context.Context, n *node.Node, want map[store.LogKey]store.Head) error {
	for k, w := range want {
		h, err := n.Store().Head(ctx, k)
		if err != nil || h.Seq != w.Seq || h.ID != w.ID {
			return fmt.Errorf("log %s: head seq %d (%v), want %d", k, h.Seq, err, w.Seq)
		}
	}
	return nil
}

// settled waits until the node's entry count reaches target and stays put
// for a second, for at most limit.
func settled(ctx context.Context, p *benchkit.Proc, target uint64, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last uint64
	var since time.Time
	return benchkit.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		st, err := p.Client.Status(ctx)
		if err != nil {
			return false, err
		}
		if st.Entries != last {
			last, since = st.Entries, time.Now()
		}
		return st.Entries >= target && time.Since(since) > time.Second, nil
	})
}

func entryCount(ctx context.Context, home string) (uint64, error) {
	n, err := node.Open(home, node.Options{})
	if err != nil {
		return 0, err
	}
	defer n.Close()
	hs, err := n.Store().Heads(ctx)
	var total uint64
	for _, h := range hs {
		total += h.Seq
	}
	return total, err
}

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

// writeBundle writes the benchmark logs and random blobs into a bundle
// file and returns the entry ids in bundle order and the blob ids.
func writeBundle(c config, path string) ([]entry.ID, []blob.ID, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	w, err := bundle.NewWriter(f, bundle.Meta{Created: uint64(time.Now().UnixMilli()), Producer: "bench/killtrial"})
	if err != nil {
		return nil, nil, err
	}
	var ids []entry.ID
	var blobs []blob.ID
	rng := rand.New(rand.NewPCG(1, 2))
	for l := range c.logs {
		for _, e := range benchkit.SignLog(l, c.perLog) {
			if err := w.Entry(e); err != nil {
				return nil, nil, err
			}
			ids = append(ids, e.ID)
		}
		if l < c.blobs { // blobs between the logs
			data := make([]byte, c.blobSize)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			id := blob.ID(sha256.Sum256(data))
			if err := w.Blob(id, int64(len(data)), bytes.NewReader(data)); err != nil {
				return nil, nil, err
			}
			blobs = append(blobs, id)
		}
	}
	return ids, blobs, w.Close()
}

// importTrials: a node imports a bundle through its API and is killed.
func importTrials(ctx context.Context, c config, bin string) (Scenario, error) {
	s := Scenario{Name: "import", Trials: c.trials}
	path := filepath.Join(c.dir, "bench.kithbundle")
	ids, blobs, err := writeBundle(c, path)
	if err != nil {
		return s, err
	}
	want := wantHeads(c)
	holdsEverything := func(n *node.Node) error {
		if err := holdsAll(ctx, n, want); err != nil {
			return err
		}
		for _, id := range blobs {
			if ok, _, err := n.Blobs().Has(id); !ok || err != nil {
				return fmt.Errorf("blob %s not held (%v)", id, err)
			}
		}
		return nil
	}
	importAll := func(p *benchkit.Proc, acked *int, mu *sync.Mutex) (wire.ImportStats, error) {
		f, err := os.Open(path)
		if err != nil {
			return wire.ImportStats{}, err
		}
		defer f.Close()
		return p.Client.Import(ctx, f, func(st wire.ImportStats) {
			mu.Lock()
			*acked = max(*acked, st.EntriesNew+st.EntriesKnown)
			mu.Unlock()
		})
	}
	benchkit.Logf("import: bundle of %d entries and %d blobs of %d bytes", len(ids), len(blobs), c.blobSize)
	home, err := freshHome(filepath.Join(c.dir, "import-0"))
	if err != nil {
		return s, err
	}
	p, err := benchkit.Serve(bin, home)
	if err != nil {
		return s, err
	}
	t0 := time.Now()
	var mu sync.Mutex
	var acked int
	st, err := importAll(p, &acked, &mu)
	window := time.Since(t0)
	p.Stop()
	if err != nil || st.EntriesNew != len(ids) || st.BlobsNew != len(blobs) {
		return s, fmt.Errorf("undisturbed import: %+v, %v", st, err)
	}
	s.UndisturbedS = window.Seconds()
	benchkit.Logf("import: undisturbed %.1f s", s.UndisturbedS)

	for i := 1; i <= c.trials; i++ {
		home, err := freshHome(filepath.Join(c.dir, fmt.Sprintf("import-%d", i)))
		if err != nil {
			return s, err
		}
		p, err := benchkit.Serve(bin, home)
		if err != nil {
			return s, err
		}
		at := c.killMoment(window)
		var mu sync.Mutex
		acked := 0
		done := make(chan error, 1)
		t0 := time.Now()
		go func() {
			_, err := importAll(p, &acked, &mu)
			done <- err
		}()
		time.Sleep(time.Until(t0.Add(at)))
		if err := p.Kill(); err != nil {
			return s, err
		}
		select {
		case err := <-done:
			if err == nil {
				s.KilledAfter++
			} else {
				s.KilledDuring++
			}
		case <-time.After(30 * time.Second):
			return s, fmt.Errorf("trial %d: the import client did not end after the kill", i)
		}
		mu.Lock()
		n := acked
		mu.Unlock()
		s.Acknowledged += n
		r, err := checkHome(ctx, home, func(nd *node.Node) error {
			lost, err := missing(ctx, nd, ids[:n])
			if lost > 0 {
				s.Losses += lost
				return fmt.Errorf("%d of the %d entries the import reported stored are missing: %w", lost, n, errLost)
			}
			return err
		})
		clean := s.checked(i, r, err)
		benchkit.Logf("import trial %d: killed at %.2f s, %d entries acknowledged; reopened: %d entries, %d blobs, %d half-written blob files (%d after opening), clean %v", i, at.Seconds(), n, r.Entries, r.Blobs, r.TmpAtCrash, r.TmpLeft, clean)
		// Resume: the import, run again, completes.
		p, err = benchkit.Serve(bin, home)
		if err != nil {
			s.ResumeFailures++
			s.note("trial %d: restart: %v", i, err)
			continue
		}
		var a2 int
		st, err := importAll(p, &a2, &mu)
		p.Stop()
		if err == nil && st.EntriesNew+st.EntriesKnown != len(ids) {
			err = fmt.Errorf("second import: %+v", st)
		}
		if err == nil {
			_, err = checkHome(ctx, home, holdsEverything)
		}
		if err != nil {
			s.ResumeFailures++
			s.note("trial %d: resumed import: %v", i, err)
		}
		os.RemoveAll(home)
	}
	return s, nil
}

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
