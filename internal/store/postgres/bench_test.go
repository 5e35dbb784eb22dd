package postgres

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/sqlite"
)

// BenchmarkIngestRatio imports the same 20 logs of 500 posts (10,000
// entries, in batches of 1,000 as a sync delivers them) into a new
// PostgreSQL store and a new SQLite store, and times batch verification of
// the same entries, in one run: the metrics are entries a second of each
// and the ratios PostgreSQL/verify and PostgreSQL/SQLite.
func BenchmarkIngestRatio(b *testing.B) {
	var all []*entry.Entry
	for i := range 20 {
		c := newChain(b, 1000+i)
		all = append(all, c.posts(b, 500)...)
	}
	parse := func() []*entry.Entry {
		out := make([]*entry.Entry, len(all))
		for i, e := range all {
			f, err := entry.Parse(e.Raw, e.Payload)
			if err != nil {
				b.Fatal(err)
			}
			out[i] = f
		}
		return out
	}
	ingest := func(s store.Store) time.Duration {
		es := parse()
		start := time.Now()
		for j := 0; j < len(es); j += 1000 {
			rs, err := s.Ingest(context.Background(), es[j:j+1000])
			if err != nil {
				b.Fatal(err)
			}
			if rs[0].Outcome != store.Added {
				b.Fatalf("%v %v", rs[0].Outcome, rs[0].Err)
			}
		}
		return time.Since(start)
	}
	var pg, lite, ver time.Duration
	for range b.N {
		es := parse()
		start := time.Now()
		entry.VerifyBatch(es)
		ver += time.Since(start)
		pg += ingest(openTemp(b))
		sq, err := sqlite.Open(filepath.Join(b.TempDir(), "kith.db"))
		if err != nil {
			b.Fatal(err)
		}
		lite += ingest(sq)
		_ = sq.Close()
	}
	n := float64(len(all) * b.N)
	b.ReportMetric(n/pg.Seconds(), "pg_entries/s")
	b.ReportMetric(n/lite.Seconds(), "sqlite_entries/s")
	b.ReportMetric(n/ver.Seconds(), "verify_entries/s")
	b.ReportMetric(ver.Seconds()/pg.Seconds(), "pg/verify")
	b.ReportMetric(lite.Seconds()/pg.Seconds(), "pg/sqlite")
}

// BenchmarkHeadsDigestCost imports 2,000 new logs of one entry each (in
// batches of 1,000, every entry a new head: the digest triggers' worst
// case) into a new store, and into a new store with migration 4 undone
// (no digest), in one run: the metrics are entries a second of each and
// their ratio.
func BenchmarkHeadsDigestCost(b *testing.B) {
	var all []*entry.Entry
	for i := range 2000 {
		all = append(all, newChain(b, 5000+i).posts(b, 1)...)
	}
	ingest := func(s store.Store) time.Duration {
		es := make([]*entry.Entry, len(all))
		for i, e := range all {
			f, err := entry.Parse(e.Raw, e.Payload)
			if err != nil {
				b.Fatal(err)
			}
			es[i] = f
		}
		start := time.Now()
		for j := 0; j < len(es); j += 1000 {
			if _, err := s.Ingest(context.Background(), es[j:j+1000]); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var with, without time.Duration
	for range b.N {
		with += ingest(openTemp(b))
		s := openTemp(b)
		undo4(b, s.Schema())
		without += ingest(s)
	}
	n := float64(len(all) * b.N)
	b.ReportMetric(n/with.Seconds(), "digest_entries/s")
	b.ReportMetric(n/without.Seconds(), "nodigest_entries/s")
	b.ReportMetric(with.Seconds()/without.Seconds(), "digest/nodigest_time")
}
