package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store/sqlite"
)

// ScopeResult is what -store measures: the village's entries in a SQLite
// store, and a local's replication scope computed from it (which reads and
// reduces every village log entry: the cost a node pays on every village
// entry that can change the scope, scope.Relevant).
type ScopeResult struct {
	IngestSeconds  float64   `json:"ingest_seconds"`
	RefreshSeconds []float64 `json:"refresh_seconds"`
	RefreshBest    float64   `json:"refresh_best_seconds"`
}

// measureScope stores entries in a new SQLite store under dir and times
// scope.Refresh for the account of local (its device key as account: the
// scope counts the account key among the keys that take part).
func measureScope(dir string, local identity.PublicKey, entries []*entry.Entry, runs int) (ScopeResult, error) {
	var res ScopeResult
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(dir, "bench-village.db"))
	if err != nil {
		return res, err
	}
	defer st.Close()
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b *entry.Entry) int {
		if c := bytes.Compare(a.Header.Author[:], b.Header.Author[:]); c != 0 {
			return c
		}
		if c := bytes.Compare(a.Header.LogID[:], b.Header.LogID[:]); c != 0 {
			return c
		}
		return int(a.Header.Seq) - int(b.Header.Seq)
	})
	t := time.Now()
	for i := 0; i < len(sorted); i += 32000 {
		batch := sorted[i:min(i+32000, len(sorted))]
		rs, err := st.Ingest(ctx, batch)
		if err != nil {
			return res, err
		}
		for j, r := range rs {
			if r.Err != nil {
				return res, fmt.Errorf("ingest entry %s: %v", batch[j].ID, r.Err)
			}
		}
	}
	res.IngestSeconds = time.Since(t).Seconds()
	benchkit.Logf("stored %d entries in SQLite in %.1f s", len(sorted), res.IngestSeconds)
	sc, err := scope.New(ctx, st, scope.Config{Account: local})
	if err != nil {
		return res, err
	}
	if len(sc.Villages()) != 1 || len(sc.VillageLocals()) == 0 {
		return res, fmt.Errorf("the scope sees %d villages and %d other locals", len(sc.Villages()), len(sc.VillageLocals()))
	}
	for r := range runs {
		t := time.Now()
		if err := sc.Refresh(ctx); err != nil {
			return res, err
		}
		res.RefreshSeconds = append(res.RefreshSeconds, time.Since(t).Seconds())
		benchkit.Logf("scope refresh %d: %.3f s", r+1, res.RefreshSeconds[r])
	}
	res.RefreshBest = slices.Min(res.RefreshSeconds)
	return res, nil
}
