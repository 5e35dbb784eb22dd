package node_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// TestMockUnlistedBudgetImport: unlisted strangers' requests that arrive
// in a bundle count against the village's budget as those taken by the
// request protocol (village.md §6): ten strangers of 32 requests each,
// imported into a serving local's node, leave the newest eight held and
// the two oldest dropped, counted in the inbox. Before, all 320 stayed.
func TestMockUnlistedBudgetImport(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 2)
	a, b := ns[0], ns[1]
	vid := foundPair(t, a, b)
	const strangers = node.MaxUnlistedRequests/village.MaxRequests + 2
	var buf bytes.Buffer
	w, err := bundle.NewWriter(&buf, bundle.Meta{Producer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var firsts []entry.ID
	for s := range strangers {
		dev, _, cert := newDevice(t)
		var prev *entry.Entry
		for i := range village.MaxRequests {
			d := entry.Draft{LogID: entry.LogID(vid), Seq: uint64(i + 1), Timestamp: uint64(1000 + i),
				Payload: village.MustEncode(&village.Request{Village: vid, User: [32]byte{7}, Text: fmt.Sprintf("request %d of stranger %d", i, s), Cert: village.CertOf(cert)})}
			if prev != nil {
				d.Backlink = prev.ID
			}
			e, err := entry.Sign(dev, d)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				firsts = append(firsts, e.ID)
			}
			if err := w.Entry(e); err != nil {
				t.Fatal(err)
			}
			prev = e
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := a.Import(ctx, &buf, nil)
	if err != nil || st.EntriesNew != strangers*village.MaxRequests {
		t.Fatalf("import: %+v, %v", st, err)
	}
	logs, count, size := heldUnlisted(t, a, vid, a, b)
	if count != node.MaxUnlistedRequests || len(logs) != strangers-2 || size > node.MaxUnlistedBytes {
		t.Fatalf("after the import a holds %d logs, %d requests, %d bytes of unlisted strangers; want %d logs, %d requests", len(logs), count, size, strangers-2, node.MaxUnlistedRequests)
	}
	d, err := a.VillageDropped(vid)
	if err != nil || d.Strangers != 2 || d.Requests != 2*village.MaxRequests {
		t.Fatalf("VillageDropped = %+v, %v; want 2 strangers, %d requests", d, err, 2*village.MaxRequests)
	}
	held := 0
	for _, id := range firsts {
		if _, err := a.Store().Get(ctx, id); err == nil {
			held++
		}
	}
	if held != strangers-2 {
		t.Fatalf("%d strangers' first requests held, want %d", held, strangers-2)
	}
}
