package sqlite

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// TestHeadsKeptBetweenWrites: Heads asked again with nothing written in
// between reads no rows (every sync session asks for them); a write, or a
// dropped log, shows in the next answer.
func TestHeadsKeptBetweenWrites(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var logs [][]*entry.Entry
	for i := range 50 {
		es := testLog(t, testKey(t, i), entry.LogID{}, nil, 2)
		mustIngest(t, s, es, store.Added)
		logs = append(logs, es)
	}
	first, err := s.Heads(ctx)
	if err != nil || len(first) != 50 {
		t.Fatalf("%d heads, %v; want 50", len(first), err)
	}
	// A query of 50 rows allocates hundreds of times; a copy of what was
	// kept, once.
	if allocs := testing.AllocsPerRun(20, func() {
		if _, err := s.Heads(ctx); err != nil {
			t.Fatal(err)
		}
	}); allocs > 2 {
		t.Fatalf("Heads with nothing written since allocates %.0f times: it reads the store again", allocs)
	}
	// What a caller does to its answer does not change the next.
	again, _ := s.Heads(ctx)
	again[0].Seq = 99
	if hs, _ := s.Heads(ctx); hs[0].Seq != 2 {
		t.Fatalf("a caller's change to its answer shows in the next: seq %d", hs[0].Seq)
	}

	more := testLog(t, testKey(t, 0), entry.LogID{}, logs[0][1], 1)
	mustIngest(t, s, more, store.Added)
	hs, err := s.Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	k0 := store.LogKey{Author: more[0].Header.Author, LogID: more[0].Header.LogID}
	i := slices.IndexFunc(hs, func(h store.Head) bool { return h.Log == k0 })
	if i < 0 || hs[i].Seq != 3 || hs[i].ID != more[0].ID {
		t.Fatalf("after a write the log's head is %+v, want seq 3", hs[i])
	}
	if _, _, err := s.DropLog(ctx, k0); err != nil {
		t.Fatal(err)
	}
	if hs, _ := s.Heads(ctx); len(hs) != 49 || slices.ContainsFunc(hs, func(h store.Head) bool { return h.Log == k0 }) {
		t.Fatalf("after dropping a log: %d heads, want 49 without it", len(hs))
	}
}

// TestHeadsWhileWriting: readers asking for heads while a writer appends
// never see a head older than one the writer had stored before they
// asked, however the reads and the writes interleave.
func TestHeadsWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	k := testKey(t, 1)
	es := testLog(t, k, entry.LogID{}, nil, 200)
	key := store.LogKey{Author: es[0].Header.Author, LogID: es[0].Header.LogID}
	var stored sync.Map // seq → stored before a reader asked
	var done sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		done.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var floor uint64
				stored.Range(func(k, _ any) bool { floor = max(floor, k.(uint64)); return true })
				hs, err := s.Heads(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				var seq uint64
				if i := slices.IndexFunc(hs, func(h store.Head) bool { return h.Log == key }); i >= 0 {
					seq = hs[i].Seq
				}
				if seq < floor {
					t.Errorf("a reader saw seq %d after seq %d was stored", seq, floor)
					return
				}
			}
		})
	}
	for _, e := range es {
		mustIngest(t, s, []*entry.Entry{e}, store.Added)
		stored.Store(e.Header.Seq, true)
	}
	close(stop)
	done.Wait()
}

// TestHeadsCacheLetGoAfterWrite: the heads kept are let go by the write
// that makes them stale, not kept until the next Heads.
func TestHeadsCacheLetGoAfterWrite(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	mustIngest(t, s, testLog(t, testKey(t, 1), entry.LogID{}, nil, 1), store.Added)
	if _, err := s.Heads(ctx); err != nil {
		t.Fatal(err)
	}
	s.heads.mu.Lock()
	kept := len(s.heads.heads)
	s.heads.mu.Unlock()
	if kept != 1 {
		t.Fatalf("%d heads kept after Heads, want 1", kept)
	}
	mustIngest(t, s, testLog(t, testKey(t, 2), entry.LogID{}, nil, 1), store.Added)
	s.heads.mu.Lock()
	defer s.heads.mu.Unlock()
	if s.heads.heads != nil || s.heads.valid {
		t.Fatalf("%d heads still kept after a write", len(s.heads.heads))
	}
}

// TestHeadsCacheLetGoWhenUnread: the heads kept are let go once unread
// for the cache's idle time, with no write; reading them keeps them.
func TestHeadsCacheLetGoWhenUnread(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	s.heads.mu.Lock()
	s.heads.idle = 300 * time.Millisecond
	s.heads.mu.Unlock()
	mustIngest(t, s, testLog(t, testKey(t, 1), entry.LogID{}, nil, 1), store.Added)
	kept := func() int {
		s.heads.mu.Lock()
		defer s.heads.mu.Unlock()
		return len(s.heads.heads)
	}
	puts := func() uint64 {
		s.heads.mu.Lock()
		defer s.heads.mu.Unlock()
		return s.heads.kept
	}
	if _, err := s.Heads(ctx); err != nil {
		t.Fatal(err)
	}
	first := puts()
	// Read more often than the idle time: kept, and every read served
	// from the cache (no put: a miss refills it, so the count of heads
	// kept alone would not tell).
	for range 4 {
		time.Sleep(150 * time.Millisecond)
		if _, err := s.Heads(ctx); err != nil {
			t.Fatal(err)
		}
		if n := kept(); n != 1 {
			t.Fatalf("%d heads kept while read every 150 ms (idle time 300 ms), want 1", n)
		}
		if p := puts(); p != first {
			t.Fatalf("the heads were read from the store again (%d puts, want %d) while read every 150 ms (idle time 300 ms): the reads did not keep them", p, first)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for kept() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d heads still kept 5 s after the last read (idle time 300 ms)", kept())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// And they are read again when asked for.
	hs, err := s.Heads(ctx)
	if err != nil || len(hs) != 1 || hs[0].Seq != 1 {
		t.Fatalf("Heads after the cache let go = %+v, %v; want the one head", hs, err)
	}
}
