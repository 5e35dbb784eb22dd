package api_test

import (
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestFeedReplyCounts: a post that starts a thread carries "replies", the
// number of replies its thread page shows (blocked and muted authors left
// out, deleted replies too); a reply carries none.
func TestFeedReplyCounts(t *testing.T) {
	w := newFeedWorld(t)
	f := w.f
	counts := func(path string) map[string]string {
		t.Helper()
		_, body := f.request("GET", path, nil)
		var raw struct {
			Items []map[string]any `json:"items"`
		}
		if err := jsonUnmarshal(body, &raw); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, it := range raw.Items {
			v, ok := it["replies"]
			if !ok {
				out[it["id"].(string)] = "absent"
				continue
			}
			out[it["id"].(string)] = fmt.Sprint(v)
		}
		return out
	}
	// b1 has a3 (mine) and b3 (bea's) and cy's c2, blocked: 2. b2 and a1
	// have none: 0. a3 and b3 are replies: no count.
	want := map[string]string{w.b1: "2", w.b2: "0", w.a1: "0", w.a3: "absent", w.b3: "absent"}
	if got := counts("/api/v1/timeline"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("timeline reply counts\n got %v\nwant %v", got, want)
	}
	if got := counts("/api/v1/accounts/" + w.bea.Account().String() + "/posts"); fmt.Sprint(got) != fmt.Sprint(map[string]string{w.b1: "2", w.b2: "0", w.b3: "absent"}) {
		t.Errorf("bea's posts reply counts: %v", got)
	}
	// Unblocking cy counts c2; deleting my reply a3 takes it off.
	f.call("DELETE", "/api/v1/blocks/"+w.cy.Account().String(), nil, nil)
	if got := counts("/api/v1/timeline?limit=200")[w.b1]; got != "3" {
		t.Errorf("after unblocking cy, b1 counts %s replies, want 3", got)
	}
	f.call("DELETE", "/api/v1/entries/"+w.a3, nil, nil)
	if got := counts("/api/v1/timeline?limit=200")[w.b1]; got != "2" {
		t.Errorf("after deleting a3, b1 counts %s replies, want 2", got)
	}
	// Muting bea leaves her reply b3 out of the count, as her thread's
	// page leaves it out (her posts leave the timeline; her profile's
	// feed still lists them).
	f.call("PUT", "/api/v1/mutes/"+w.bea.Account().String(), nil, nil)
	if got := counts("/api/v1/accounts/" + w.bea.Account().String() + "/posts")[w.b1]; got != "1" {
		t.Errorf("with bea muted, b1 counts %s replies, want 1 (cy's)", got)
	}
	var th wire.Thread
	f.call("GET", "/api/v1/threads/"+w.b1, nil, &th)
	if len(th.Replies) != 1 || th.Replies[0].ID != w.c2 {
		t.Errorf("with bea muted, b1's thread: %v, want [c2]", itemIDs(th.Replies))
	}
}
