package sqlite

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// TestFindLogsSameAsScan checks that a query of one type by a few authors,
// which Find answers log by log (findLogs), returns exactly what the scan
// of every entry of that type (findSQL) returns, for every order, cursor
// and key bound and page size, over logs whose entries interleave in
// arrival and whose claimed times are out of order and partly in the
// future.
func TestFindLogsSameAsScan(t *testing.T) {
	ctx := context.Background()
	var now int64 = 1_700_000_000_000
	s := openTemp(t, WithClock(func() int64 { now += 7; return now }))
	rng := rand.New(rand.NewPCG(1, 2))
	const nkeys = 6
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
	// 300 entries in 12 logs: every query below pages through up to a
	// few hundred of them one at a time, three queries a page (600 took
	// minutes under -race on the 2-core CI machine; what is checked is
	// the same for any number of interleaved logs with ties).
	const entries = 300
	for n := 0; n < entries; n++ {
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
		// Claims from far past to the future: EntryTime keeps them
		// monotone along each log, and ties are common.
		ts := uint64(now + int64(rng.IntN(40)-30)*1000)
		e, err := entry.Sign(k, entry.Draft{LogID: lid, Seq: c.seq + 1, Backlink: c.prev, Timestamp: ts, Payload: pl})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := s.Append(ctx, e); err != nil || res.Err != nil {
			t.Fatalf("append %d: %v %v", n, err, res.Err)
		}
		c.seq, c.prev = c.seq+1, e.ID
	}
	all, err := s.queryEntries(ctx, findSQL(store.Query{}), findArgs(store.Query{}, 10000)...)
	if err != nil || len(all) != entries {
		t.Fatalf("all entries: %d, %v", len(all), err)
	}
	public := entry.PublicLog
	checked := 0
	for _, typ := range []string{content.TypePost, content.TypeFollow} {
		for _, authors := range [][]identity.PublicKey{{keys[0].Public()}, {keys[1].Public(), keys[2].Public()}, {keys[3].Public(), keys[4].Public(), keys[5].Public()}} {
			for _, logID := range []*entry.LogID{nil, &public} {
				for _, byTime := range []bool{false, true} {
					for _, desc := range []bool{false, true} {
						for _, limit := range []int{1, 5, 1000} {
							q := store.Query{Type: typ, Authors: authors, LogID: logID, ByTime: byTime, Desc: desc, Limit: limit}
							// Page through, as callers do, comparing each page.
							for pages := 0; ; pages++ {
								want, err := s.queryEntries(ctx, findSQL(q), findArgs(q, limit)...)
								if err != nil {
									t.Fatal(err)
								}
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
	if checked < 500 {
		t.Fatalf("only %d pages checked", checked)
	}
	// A cursor bound from an entry of another log, and both bounds at once.
	q := store.Query{Type: content.TypePost, Authors: []identity.PublicKey{keys[0].Public()}, After: all[entries/6].Cursor, Before: all[entries*5/6].Cursor, Limit: 1000}
	want, _ := s.queryEntries(ctx, findSQL(q), findArgs(q, 1000)...)
	got, _ := s.Find(ctx, q)
	if !sameCursors(got, want) || len(want) == 0 {
		t.Fatalf("bounded: Find %v, scan %v", cursors(got), cursors(want))
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
	for i := range maxFindLogs + 1 {
		lid := entry.LogID(sha256.Sum256([]byte(fmt.Sprint("log ", i))))
		e, err := entry.Sign(k, entry.Draft{LogID: lid, Seq: 1, Timestamp: 1_700_000_000_000, Payload: pl})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := s.Append(ctx, e); err != nil || res.Err != nil {
			t.Fatalf("append: %v %v", err, res.Err)
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
