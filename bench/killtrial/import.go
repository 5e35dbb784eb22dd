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
)

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
