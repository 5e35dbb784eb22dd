package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// TestCheckHomeFinds checks the checker: a clean home passes, and a
// forked log, a blob whose bytes changed, a damaged database file and a
// missing acknowledged entry are each reported.
func TestCheckHomeFinds(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	es := benchkit.SignLog(0, 5)
	if _, err := n.Store().Ingest(ctx, es); err != nil {
		t.Fatal(err)
	}
	id, _, _, err := n.AddBlob(bytes.NewReader([]byte("some bytes")), false)
	if err != nil {
		t.Fatal(err)
	}
	blobPath := n.Blobs().Path(id)
	n.Close()

	r, err := checkHome(ctx, home, nil)
	if err != nil || len(r.Corruptions) != 0 || r.Blobs != 1 || r.Entries < 5 {
		t.Fatalf("clean home: %+v, %v", r, err)
	}
	// An acknowledged entry that is not there.
	other := benchkit.SignLog(1, 1)[0].ID
	_, err = checkHome(ctx, home, func(n *node.Node) error {
		lost, err := missing(ctx, n, []entry.ID{es[4].ID, other})
		if lost != 1 || err != nil {
			t.Errorf("missing = %d, %v; want 1", lost, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A blob whose bytes changed on disk.
	if err := os.Chmod(blobPath, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blobPath, []byte("other bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ = checkHome(ctx, home, nil)
	if len(r.Corruptions) != 1 || !strings.Contains(r.Corruptions[0], "do not hash to its id") {
		t.Errorf("changed blob: %q", r.Corruptions)
	}
	if err := os.Remove(blobPath); err != nil {
		t.Fatal(err)
	}

	// A second, different entry at seq 3: the log is forked.
	n, err = node.Open(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := entry.Draft{Seq: 3, Backlink: es[1].ID, Timestamp: 1, Payload: []byte("a fork")}
	fork, err := entry.Sign(benchkit.DeviceKey(0), d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Store().Ingest(ctx, []*entry.Entry{fork}); err != nil {
		t.Fatal(err)
	}
	n.Close()
	r, _ = checkHome(ctx, home, nil)
	if got := strings.Join(r.Corruptions, "; "); !strings.Contains(got, "forked") || !strings.Contains(got, "fork evidence held: 1") {
		t.Errorf("forked log: %q", r.Corruptions)
	}

	// A database file with a damaged page.
	db := home + "/kith.db"
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096 * 2; i < 4096*3 && i < len(b); i++ {
		b[i] = 0x55
	}
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ = checkHome(ctx, home, nil)
	if len(r.Corruptions) == 0 {
		t.Error("damaged database: no corruption reported")
	}
	t.Logf("damaged database: %q", r.Corruptions)
}
