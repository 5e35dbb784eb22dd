package api_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// nodeAt opens another account's node whose clock says now() (the time
// its entries claim), closed when the test ends.
func nodeAt(t *testing.T, now func() time.Time) *node.Node {
	t.Helper()
	n, _, err := node.Init(t.TempDir(), node.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// TestTimelineByTime is issue 15's case: following a friend brings the
// friend's old posts after your new one, and they sort below it (by the
// time their author claims); a friend whose clock says next year sorts by
// when its post arrived, below what you post after that. Paging over the
// mix reads each post once, in the same order.
func TestTimelineByTime(t *testing.T) {
	f := newFixture(t)
	var mine, mine2 wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "my new post"}, &mine)

	past := time.Now().Add(-72 * time.Hour)
	bea := nodeAt(t, func() time.Time { past = past.Add(time.Minute); return past })
	b1, b2 := postOn(t, bea, "bea, three days ago").ID.String(), postOn(t, bea, "bea, a minute later").ID.String()
	f.call("PUT", "/api/v1/follows/"+bea.Account().String(), nil, nil)
	share(t, bea, f.n, nil)

	var page wire.FeedPage
	f.call("GET", "/api/v1/timeline", nil, &page)
	if got, want := itemIDs(page.Items), []string{mine.ID, b2, b1}; !slices.Equal(got, want) {
		t.Fatalf("timeline after following bea: %v, want %v (mine, then bea's old posts)", got, want)
	}

	future := time.Now().Add(365 * 24 * time.Hour)
	cy := nodeAt(t, func() time.Time { return future })
	c1 := postOn(t, cy, "cy, from next year").ID.String()
	f.call("PUT", "/api/v1/follows/"+cy.Account().String(), nil, nil)
	share(t, cy, f.n, nil)
	// My next post claims a time not before cy's post arrived (a tie goes
	// by arrival).
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "my second post"}, &mine2)

	want := []string{mine2.ID, c1, mine.ID, b2, b1}
	f.call("GET", "/api/v1/timeline", nil, &page)
	if got := itemIDs(page.Items); !slices.Equal(got, want) {
		t.Fatalf("timeline: %v, want %v (cy's claim of next year sorts by its arrival)", got, want)
	}
	// The time shown: bea's claims; for cy's, its arrival.
	for _, it := range page.Items {
		switch it.ID {
		case b1, b2:
			if it.Time != int64(it.Timestamp) || it.Arrived < it.Time {
				t.Errorf("bea's post: time %d arrived %d, want its claim %d", it.Time, it.Arrived, it.Timestamp)
			}
		case c1:
			if it.Time != it.Arrived || int64(it.Timestamp) <= it.Arrived {
				t.Errorf("cy's post: time %d arrived %d claim %d, want the arrival", it.Time, it.Arrived, it.Timestamp)
			}
		}
	}
	for limit, wantPages := range map[int]int{1: 5, 2: 3, 3: 2, 5: 1} {
		got, pages := readFeed(f, "/api/v1/timeline", limit)
		if !slices.Equal(got, want) || pages != wantPages {
			t.Errorf("limit %d: %v in %d pages, want %v in %d", limit, got, pages, want, wantPages)
		}
	}
	// One account's posts are in the same order.
	got, _ := readFeed(f, "/api/v1/accounts/"+bea.Account().String()+"/posts", 1)
	if !slices.Equal(got, []string{b2, b1}) {
		t.Fatalf("bea's posts: %v, want %v", got, []string{b2, b1})
	}
}

// TestThreadByTime: a thread's replies are oldest first in time order, so
// a reply written before another but received after it comes first.
func TestThreadByTime(t *testing.T) {
	f := newFixture(t)
	var root, r1 wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "root"}, &root)
	rootID, err := entry.ParseID(root.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "my reply", ReplyTo: root.ID}, &r1)
	past := time.Now().Add(-time.Hour)
	bea := nodeAt(t, func() time.Time { return past })
	early := publish(t, bea, &content.Post{Text: "bea's reply, written an hour ago", ReplyTo: rootID}).ID.String()
	share(t, bea, f.n, nil)
	var th wire.Thread
	f.call("GET", "/api/v1/threads/"+root.ID, nil, &th)
	if got, want := itemIDs(th.Replies), []string{early, r1.ID}; !slices.Equal(got, want) {
		t.Fatalf("replies %v, want %v (bea's was written first)", got, want)
	}
}
