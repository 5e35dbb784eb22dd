package postgres

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

func (s *Store) scan(t *testing.T, q store.Query, limit int) []*store.Stored {
	t.Helper()
	query, args := findSQL(q, limit)
	out, err := s.queryEntries(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFindLogsSameAsScan checks that a query of one type by a few authors,
// which Find answers log by log (findLogs), returns exactly what the scan
// of every entry of that type (findSQL) returns, for every order, cursor
// and key bound and page size, over logs whose entries interleave in
// arrival and whose claimed times are out of order and partly in the
// future; as the SQLite store's test of the same name.
func TestFindLogsSameAsScan(t *testing.T) {
	ctx := context.Background()
	var now int64 = 1_700_000_000_000
	s := openTemp(t, WithClock(func() int64 { now += 7; return now }))
	rng := rand.New(rand.NewPCG(1, 2))
	const nkeys, nentries = 6, 300
	keys := make([]identity.PrivateKey, nkeys)
	type chain struct {
		seq  uint64
		prev entry.ID
	}
	chains := map[store.LogKey]*chain{}
	for i := range keys {
		seed := sha256.Sum256([]byte(fmt.Sprintf("findlogs %d", i)))
		k, err := identity.KeyFromSeed(seed[:])
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	other := entry.LogID(sha256.Sum256([]byte("a context")))
	var batch []*entry.Entry
	for n := 0; n < nentries; n++ {
		k := keys[rng.IntN(nkeys)]
		lid := entry.PublicLog
		if rng.IntN(4) == 0 {
			lid = other
		}
		lk := store.LogKey{Author: k.Public(), LogID: lid}
		c := chains[lk]
		if c == nil {
			c = &chain{}
			chains[lk] = c
		}
		var p content.Payload = &content.Post{Text: fmt.Sprintf("post %d", n)}
		if rng.IntN(3) == 0 {
			p = &content.Follow{Account: keys[rng.IntN(nkeys)].Public().Account(), Following: rng.IntN(2) == 0}
		}
		pl, err := content.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		ts := uint64(now + int64(rng.IntN(40)-30)*1000)
		e, err := entry.Sign(k, entry.Draft{LogID: lid, Seq: c.seq + 1, Backlink: c.prev, Timestamp: ts, Payload: pl})
		if err != nil {
			t.Fatal(err)
		}
		// Batches of a few: several arrival times per batch, interleaved logs.
		batch = append(batch, e)
		if len(batch) == 5 || n == nentries-1 {
			for _, r := range mustIngest(t, s, batch...) {
				if r.Outcome != store.Added {
					t.Fatalf("ingest: %v %v", r.Outcome, r.Err)
				}
			}
			batch = nil
		}
		c.seq, c.prev = c.seq+1, e.ID
	}
	all := s.scan(t, store.Query{}, 10000)
	if len(all) != nentries {
		t.Fatalf("all entries: %d", len(all))
	}
	public := entry.PublicLog
	checked := 0
	for _, typ := range []string{content.TypePost, content.TypeFollow} {
		for _, authors := range [][]identity.PublicKey{{keys[0].Public()}, {keys[1].Public(), keys[2].Public()}, {keys[3].Public(), keys[4].Public(), keys[5].Public()}} {
			for _, logID := range []*entry.LogID{nil, &public} {
				for _, byTime := range []bool{false, true} {
					for _, desc := range []bool{false, true} {
						for _, limit := range []int{4, 1000} {
							q := store.Query{Type: typ, Authors: authors, LogID: logID, ByTime: byTime, Desc: desc, Limit: limit}
							for pages := 0; ; pages++ {
								want := s.scan(t, q, limit)
								got, ok, err := s.findLogs(ctx, q, limit)
								if err != nil || !ok {
									t.Fatalf("findLogs(%+v): ok %v, %v", q, ok, err)
								}
								viaFind, err := s.Find(ctx, q)
								if err != nil {
									t.Fatal(err)
								}
								if !sameCursors(got, want) || !sameCursors(viaFind, want) {
									t.Fatalf("query %+v page %d:\nfindLogs %v\nFind     %v\nscan     %v", q, pages, cursors(got), cursors(viaFind), cursors(want))
								}
								checked++
								if len(want) < limit {
									break
								}
								last := want[len(want)-1]
								switch {
								case byTime && desc:
									q.BeforeKey = last.Key()
								case byTime:
									q.AfterKey = last.Key()
								case desc:
									q.Before = last.Cursor
								default:
									q.After = last.Cursor
								}
							}
						}
					}
				}
			}
		}
	}
	if checked < 300 {
		t.Fatalf("only %d pages checked", checked)
	}
	// A cursor bound from an entry of another log, and both bounds at once.
	q := store.Query{Type: content.TypePost, Authors: []identity.PublicKey{keys[0].Public()}, After: all[50].Cursor, Before: all[250].Cursor, Limit: 1000}
	want := s.scan(t, q, 1000)
	got, err := s.Find(ctx, q)
	if err != nil || !sameCursors(got, want) || len(want) == 0 {
		t.Fatalf("bounded: Find %v (%v), scan %v", cursors(got), err, cursors(want))
	}
	// The statement reads the authors' logs through entries_log_type.
	query, args := findLogsSQL(store.Query{Type: content.TypePost, Desc: true, ByTime: true}, []int64{1, 2}, 20)
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `EXPLAIN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, l)
	}
	rows.Close()
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "entries_log_type") {
		t.Fatalf("findLogs' plan does not use entries_log_type:\n%s", p)
	}
}

func cursors(es []*store.Stored) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.Cursor
	}
	return out
}

func sameCursors(a, b []*store.Stored) bool { return slices.Equal(cursors(a), cursors(b)) }

// TestFindLogsManyLogs checks that authors with more logs than
// maxFindLogs are not read log by log (findLogs declines), and Find still
// answers through the scan.
func TestFindLogsManyLogs(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	seed := sha256.Sum256([]byte("many logs"))
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	pl, _ := content.Encode(&content.Post{Text: "hello"})
	var es []*entry.Entry
	for i := range maxFindLogs + 1 {
		lid := entry.LogID(sha256.Sum256([]byte(fmt.Sprint("log ", i))))
		e, err := entry.Sign(k, entry.Draft{LogID: lid, Seq: 1, Timestamp: 1_700_000_000_000, Payload: pl})
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	for _, r := range mustIngest(t, s, es...) {
		if r.Outcome != store.Added {
			t.Fatalf("ingest: %v %v", r.Outcome, r.Err)
		}
	}
	q := store.Query{Type: content.TypePost, Authors: []identity.PublicKey{k.Public()}, Limit: 1000}
	if _, ok, err := s.findLogs(ctx, q, 1000); ok || err != nil {
		t.Fatalf("findLogs over %d logs: ok %v, %v; want declined", maxFindLogs+1, ok, err)
	}
	if got, err := s.Find(ctx, q); err != nil || len(got) != maxFindLogs+1 {
		t.Fatalf("Find over %d logs: %d, %v", maxFindLogs+1, len(got), err)
	}
}
