package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// TestEachOfLogID: every entry of every log with the log id, log by log in
// seq order across page boundaries, nothing of other logs; fn's error
// stops the walk.
func TestEachOfLogID(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	ctxLog, other := entry.LogID{1}, entry.LogID{2}
	want := map[identity.PublicKey]int{}
	for i, n := range []int{1, 1000, 1001, 2500} {
		k, err := identity.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		want[k.Public()] = n
		var prev *entry.Entry
		for seq := 1; seq <= n; seq++ {
			for _, l := range []entry.LogID{ctxLog, other} {
				if l == other && seq > 3 {
					continue
				}
				d := entry.Draft{LogID: l, Seq: uint64(seq), Timestamp: uint64(seq + i)}
				if l == ctxLog && prev != nil {
					d.Backlink = prev.ID
				} else if l == other && seq > 1 {
					h, _ := st.Head(ctx, store.LogKey{Author: k.Public(), LogID: other})
					d.Backlink = h.ID
				}
				e, err := entry.Sign(k, d)
				if err != nil {
					t.Fatal(err)
				}
				if r, err := st.Append(ctx, e); err != nil || r.Outcome != store.Added {
					t.Fatalf("append: %v %v", r, err)
				}
				if l == ctxLog {
					prev = e
				}
			}
		}
	}
	got := map[identity.PublicKey]int{}
	err := store.EachOfLogID(ctx, st, ctxLog, func(e *store.Stored) error {
		if e.Header.LogID != ctxLog {
			t.Fatalf("entry of log %s", e.Header.LogID)
		}
		got[e.Header.Author]++
		if uint64(got[e.Header.Author]) != e.Header.Seq {
			t.Fatalf("author %s: seq %d as entry %d", e.Header.Author.Hex()[:8], e.Header.Seq, got[e.Header.Author])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d logs read, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("author %s: %d entries read, want %d", k.Hex()[:8], got[k], n)
		}
	}
	stop := errors.New("enough")
	calls := 0
	if err := store.EachOfLogID(ctx, st, ctxLog, func(*store.Stored) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("fn's error: %v after %d calls", err, calls)
	}
}
