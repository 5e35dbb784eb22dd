package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// TestReachBookBounded: the delivery records file keeps at most 1,024
// records, dropping those that need no more delivery first, then the
// oldest; what it keeps reads back the same; a file that does not read is
// reported with what to do.
func TestReachBookBounded(t *testing.T) {
	home := t.TempDir()
	var b reachBook
	acc := func(i int) identity.PublicKey { return identity.PublicKey{byte(i >> 8), byte(i), 1} }
	v := entry.ID{9}
	// 100 done, then 1,000 pending (tries = i), written one by one.
	for i := range 1100 {
		b.update(home, noticeInvite, v, acc(i), func(r *reachRecord) {
			r.Done = i < 100
			r.Tries = i
			r.LastErr = "no device of theirs found"
		})
	}
	if err := b.save(home); err != nil {
		t.Fatal(err)
	}
	var back reachBook
	recs, err := back.records(home)
	if err != nil || len(recs) != 1024 {
		t.Fatalf("read back %d records (%v), want 1024", len(recs), err)
	}
	done := 0
	for _, r := range recs {
		if r.Done {
			done++
		}
	}
	if done != 24 {
		t.Errorf("%d done records kept, want 24 (the 76 oldest done ones dropped first)", done)
	}
	if r := back.get(home, v, acc(1099)); r.Tries != 1099 || r.Kind != noticeInvite || r.LastErr != "no device of theirs found" || r.Touched.IsZero() {
		t.Errorf("the newest record read back: %+v", r)
	}
	if r := back.get(home, v, acc(0)); r.Tries != 0 || r.Kind != "" {
		t.Errorf("the oldest done record was kept: %+v", r)
	}
	// Reached with its device and time.
	dev := identity.PublicKey{7}
	at := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	back.update(home, noticeFound, v, acc(5000), func(r *reachRecord) { r.Reached, r.Device, r.At = true, dev, at })
	if err := back.save(home); err != nil {
		t.Fatal(err)
	}
	var third reachBook
	if r := third.get(home, v, acc(5000)); !r.Reached || r.Device != dev || !r.At.Equal(at) || r.Kind != noticeFound {
		t.Errorf("a reached record read back: %+v", r)
	}

	if err := os.WriteFile(filepath.Join(home, reachFile), []byte("{\"version\":1,\"records\":[{\"kind\":\"founding\",\"village\":\"zz\"}]}"), 0o600); err != nil {
		t.Fatal(err)
	}
	var bad reachBook
	if _, err := bad.records(home); err == nil || !strings.Contains(err.Error(), "remove it") {
		t.Errorf("a bad file: %v, want an error saying to remove it", err)
	}
}
