package node

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store/mem"
)

// TestVerifyCopy: verifyCopy passes a complete copy (and one that holds
// more) and names the log of a copy that lacks an entry or differs.
func TestVerifyCopy(t *testing.T) {
	ctx := context.Background()
	k, err := identity.KeyFromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var es []*entry.Entry
	var back entry.ID
	for seq := uint64(1); seq <= 4; seq++ {
		pl, _ := content.Encode(&content.Post{Text: fmt.Sprint("post ", seq)})
		e, err := entry.Sign(k, entry.Draft{LogID: entry.PublicLog, Seq: seq, Backlink: back, Timestamp: 1_700_000_000_000 + seq, Payload: pl})
		if err != nil {
			t.Fatal(err)
		}
		es, back = append(es, e), e.ID
	}
	src, full, short, more := mem.New(), mem.New(), mem.New(), mem.New()
	for s, n := range map[*mem.Store]int{src: 3, full: 3, short: 2, more: 4} {
		if _, err := s.Ingest(ctx, es[:n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := verifyCopy(ctx, src, full); err != nil {
		t.Fatalf("a full copy: %v", err)
	}
	if err := verifyCopy(ctx, src, more); err != nil {
		t.Fatalf("a copy holding more: %v", err)
	}
	if err := verifyCopy(ctx, src, short); err == nil || !strings.Contains(err.Error(), "head 2") {
		t.Fatalf("a copy lacking seq 3: %v", err)
	}
	headerOnly, _ := entry.Parse(es[2].Raw, nil)
	noPayload := mem.New()
	if _, err := noPayload.Ingest(ctx, append(append([]*entry.Entry{}, es[:2]...), headerOnly)); err != nil {
		t.Fatal(err)
	}
	if err := verifyCopy(ctx, src, noPayload); err == nil || !strings.Contains(err.Error(), "seq 3 differs") {
		t.Fatalf("a copy without seq 3's payload: %v", err)
	}
}
