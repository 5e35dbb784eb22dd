package postgres

import (
	"context"
	"fmt"
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

// BenchmarkHeadsDigestCost imports the same entries into a new store,
// and into a new store with migration 4 undone (no digest), in one run:
// the metrics are entries a second of each and their ratio. Two shapes:
// 2,000 new logs of one entry each (every entry a new head: the digest's
// worst case), and 100 logs of 100 entries in log order (a sync's or a
// bundle's), both in batches of 1,000.
func BenchmarkHeadsDigestCost(b *testing.B) {
	for _, shape := range []struct{ logs, per int }{{2000, 1}, {100, 100}} {
		b.Run(fmt.Sprintf("logs=%d,entries=%d", shape.logs, shape.per), func(b *testing.B) {
			var all []*entry.Entry
			for i := range shape.logs {
				all = append(all, newChain(b, 5000+i).posts(b, shape.per)...)
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
					if _, err := s.Ingest(context.Background(), es[j:min(j+1000, len(es))]); err != nil {
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
		})
	}
}

// BenchmarkHeadsDigestRead compares what a sync session's fingerprint of
// every head costs with and without the digest, at 10,000 and 100,000
// logs: reading every head and summing their item hashes (Heads,
// store.DigestOf) against reading heads_digest's one row (HeadsDigest).
// The logs are made by SQL, their heads set by one UPDATE, which is also
// timed with the digest's triggers (update_s) and without them, in a
// schema with migration 4 undone (update_nodigest_s); and the sum that
// migration 4 computes from the heads held (migrate_s).
func BenchmarkHeadsDigestRead(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("logs=%d", n), func(b *testing.B) {
			ctx := context.Background()
			// fill makes n logs, then sets their heads with one UPDATE,
			// and returns how long the UPDATE took.
			fill := func(s *Store) time.Duration {
				if _, err := s.pool.Exec(ctx, `INSERT INTO logs (author, log_id, head_seq, head_id)
					SELECT sha256(int8send(i)), '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, 0, '' FROM generate_series(1, $1::bigint) AS i`, n); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if _, err := s.pool.Exec(ctx, `UPDATE logs SET head_seq = 1 + log % 7, head_id = sha256(author)`); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			bare := openTemp(b)
			undo4(b, bare.Schema())
			fillBare := fill(bare)
			s := openTemp(b)
			fillDigest := fill(s)
			// What migration 4 computes once from the heads held.
			start := time.Now()
			var sum string
			var count int64
			if err := s.pool.QueryRow(ctx, `SELECT sum::text, count FROM (`+itemSumSQL("logs")+`) AS d`).Scan(&sum, &count); err != nil || count != int64(n) {
				b.Fatalf("the migration's sum: %d heads, %v", count, err)
			}
			migrate := time.Since(start)
			var heads, digest time.Duration
			for range b.N {
				start := time.Now()
				hs, err := s.Heads(ctx)
				if err != nil {
					b.Fatal(err)
				}
				want := store.DigestOf(hs)
				heads += time.Since(start)
				start = time.Now()
				got, err := s.HeadsDigest(ctx)
				if err != nil {
					b.Fatal(err)
				}
				digest += time.Since(start)
				if got != want || got.Count != uint64(n) {
					b.Fatalf("HeadsDigest %x (%d), want %x (%d)", got.Sum, got.Count, want.Sum, want.Count)
				}
			}
			b.ReportMetric(migrate.Seconds(), "migrate_s")
			b.ReportMetric(fillDigest.Seconds(), "update_s")
			b.ReportMetric(fillBare.Seconds(), "update_nodigest_s")
			b.ReportMetric(heads.Seconds()/float64(b.N)*1e3, "heads_ms")
			b.ReportMetric(digest.Seconds()/float64(b.N)*1e3, "digest_ms")
		})
	}
}
