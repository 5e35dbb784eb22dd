package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// BenchmarkAppend measures one Append at a time to one log, as a device
// publishing its own posts does: each call is its own transaction.
func BenchmarkAppend(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "kith.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seed := make([]byte, 32)
	copy(seed, "append benchmark")
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		b.Fatal(err)
	}
	payload, err := content.Encode(&content.Post{Text: "an ordinary post of ordinary length, for the append benchmark"})
	if err != nil {
		b.Fatal(err)
	}
	// Sign outside the timer: this measures the store, not the signature.
	es := make([]*entry.Entry, b.N)
	var prev entry.ID
	for i := range es {
		e, err := entry.Sign(k, entry.Draft{Seq: uint64(i + 1), Backlink: prev, Timestamp: uint64(i + 1), Payload: payload})
		if err != nil {
			b.Fatal(err)
		}
		prev = e.ID
		es[i] = e
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for _, e := range es {
		r, err := s.Append(ctx, e)
		if err != nil || r.Outcome != store.Added {
			b.Fatalf("append seq %d: %v %v", e.Header.Seq, r.Outcome, err)
		}
	}
}
