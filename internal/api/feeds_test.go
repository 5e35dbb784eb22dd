package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// otherNode opens another account's node, closed when the test ends.
func otherNode(t *testing.T) *node.Node {
	t.Helper()
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// share stores in to what from holds, in from's arrival order, as
// replication would; keep (nil: all) chooses the entries.
func share(t *testing.T, from, to *node.Node, keep func(*store.Stored) bool) {
	t.Helper()
	ctx := context.Background()
	all, err := from.Store().Find(ctx, store.Query{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var es []*entry.Entry
	for _, e := range all {
		if keep == nil || keep(e) {
			es = append(es, e.Entry)
		}
	}
	rs, err := to.Store().Ingest(ctx, es)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if r.Outcome != store.Added && r.Outcome != store.Known {
			t.Fatalf("sharing entry %d: %v %v", i, r.Outcome, r.Err)
		}
	}
}

func publish(t *testing.T, n *node.Node, p content.Payload) *entry.Entry {
	t.Helper()
	e, err := n.Publish(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func postOn(t *testing.T, n *node.Node, text string) *entry.Entry {
	return publish(t, n, &content.Post{Text: text})
}

// feedWorld is a node (the fixture's, "me") that follows bea, follows and
// blocks cy, does not follow dee, and holds posts of all three and of
// eve's device, whose certificate it does not hold.
type feedWorld struct {
	f                  *fixture
	bea, cy, dee, eve  *node.Node
	beaImage           string
	a1, a2, a3         string // mine: a2 is deleted, a3 replies to b1
	b1, b2, b3         string // bea's: b3 replies to a3 (thread b1)
	c1, c2             string // cy's: c2 replies to b1
	d1                 string
	e1                 string // eve's: replies to missing
	missing            string // an entry nobody holds
	received           map[string]int64
	beaPosts, allPosts []string
}

func newFeedWorld(t *testing.T) *feedWorld {
	ctx := context.Background()
	w := &feedWorld{f: newFixture(t), bea: otherNode(t), cy: otherNode(t), dee: otherNode(t), eve: otherNode(t)}
	f := w.f
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "mine 1"}, &p)
	w.a1 = p.ID

	img, _, _, err := w.bea.AddBlob(bytes.NewReader(picture("bea's face")), false)
	if err != nil {
		t.Fatal(err)
	}
	w.beaImage = img.String()
	name := "Bea"
	if _, _, err := w.bea.SetProfile(ctx, node.ProfileUpdate{Name: &name, Image: &img}); err != nil {
		t.Fatal(err)
	}
	b1 := postOn(t, w.bea, "bea 1")
	w.b1 = b1.ID.String()
	w.b2 = postOn(t, w.bea, "bea 2").ID.String()
	publish(t, w.bea, &content.Follow{Account: f.n.Account(), Following: true})
	share(t, w.bea, f.n, nil)

	w.c1 = postOn(t, w.cy, "cy 1").ID.String()
	w.c2 = publish(t, w.cy, &content.Post{Text: "cy answers bea", ReplyTo: b1.ID}).ID.String()
	share(t, w.cy, f.n, nil)

	w.d1 = postOn(t, w.dee, "dee 1").ID.String()
	publish(t, w.dee, &content.Follow{Account: f.n.Account(), Following: true})
	publish(t, w.dee, &content.Follow{Account: f.n.Account(), Following: false})
	share(t, w.dee, f.n, nil)

	w.missing = entry.ID{0x5a, 1, 2}.String()
	w.e1 = publish(t, w.eve, &content.Post{Text: "eve answers", ReplyTo: entry.ID{0x5a, 1, 2}}).ID.String()
	share(t, w.eve, f.n, func(e *store.Stored) bool { return e.Header.Author == w.eve.Device().Key() })

	f.call("PUT", "/api/v1/follows/"+w.bea.Account().String(), nil, nil)
	f.call("PUT", "/api/v1/follows/"+w.cy.Account().String(), nil, nil)
	f.call("PUT", "/api/v1/blocks/"+w.cy.Account().String(), nil, nil)
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "mine 2"}, &p)
	w.a2 = p.ID
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "mine 3 answers bea", ReplyTo: w.b1}, &p)
	w.a3 = p.ID
	a3, err := entry.ParseID(w.a3)
	if err != nil {
		t.Fatal(err)
	}
	w.b3 = publish(t, w.bea, &content.Post{Text: "bea answers me", ReplyTo: a3, Root: b1.ID}).ID.String()
	share(t, w.bea, f.n, nil)
	f.call("DELETE", "/api/v1/entries/"+w.a2, nil, nil)

	w.received = map[string]int64{}
	for _, id := range []string{w.a1, w.a2, w.a3, w.b1, w.b2, w.b3, w.c1, w.c2, w.d1, w.e1} {
		eid, err := entry.ParseID(id)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.n.Store().Get(ctx, eid)
		if err != nil {
			t.Fatal(err)
		}
		w.received[id] = st.Cursor
	}
	w.beaPosts = []string{w.b3, w.b2, w.b1}
	w.allPosts = []string{w.b3, w.a3, w.b2, w.b1, w.a1}
	return w
}

func itemIDs(items []wire.FeedItem) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// readFeed reads a feed by pages of limit, checking each page's size and
// cursor, and returns the ids and the number of pages.
func readFeed(f *fixture, path string, limit int) ([]string, int) {
	f.t.Helper()
	var got []string
	cursor := ""
	for pages := 1; ; pages++ {
		if pages > 50 {
			f.t.Fatal("more than 50 pages")
		}
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page wire.FeedPage
		f.call("GET", path+"?"+q.Encode(), nil, &page)
		if page.Items == nil {
			f.t.Fatalf("%s: items is null", path)
		}
		if len(page.Items) > limit || page.NextCursor != "" && len(page.Items) != limit {
			f.t.Fatalf("%s: page of %d items with next cursor %q at limit %d", path, len(page.Items), page.NextCursor, limit)
		}
		got = append(got, itemIDs(page.Items)...)
		if page.NextCursor == "" {
			return got, pages
		}
		cursor = page.NextCursor
	}
}

func TestTimeline(t *testing.T) {
	w := newFeedWorld(t)
	f := w.f
	// Mine and bea's, newest arrival first; not a2 (deleted), not cy's
	// (blocked), not dee's (not followed), not eve's.
	var page wire.FeedPage
	f.call("GET", "/api/v1/timeline", nil, &page)
	if got := itemIDs(page.Items); !slices.Equal(got, w.allPosts) || page.NextCursor != "" {
		t.Fatalf("timeline %v next %q, want %v and no next cursor", got, page.NextCursor, w.allPosts)
	}
	for limit, wantPages := range map[int]int{1: 5, 2: 3, 4: 2, 5: 1, 200: 1} {
		got, pages := readFeed(f, "/api/v1/timeline", limit)
		if !slices.Equal(got, w.allPosts) || pages != wantPages {
			t.Errorf("limit %d: %v in %d pages, want %v in %d", limit, got, pages, w.allPosts, wantPages)
		}
	}
	// A cursor holds its place while posts arrive: they are newer.
	f.call("GET", "/api/v1/timeline?limit=2", nil, &page)
	if got := itemIDs(page.Items); !slices.Equal(got, w.allPosts[:2]) || page.NextCursor == "" {
		t.Fatalf("first page %v next %q", got, page.NextCursor)
	}
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "mine 4"}, &p)
	f.call("GET", "/api/v1/timeline?limit=2&cursor="+page.NextCursor, nil, &page)
	if got := itemIDs(page.Items); !slices.Equal(got, w.allPosts[2:4]) || page.NextCursor == "" {
		t.Fatalf("second page %v next %q, want %v", got, page.NextCursor, w.allPosts[2:4])
	}
	f.call("GET", "/api/v1/timeline?limit=1", nil, &page)
	if got := itemIDs(page.Items); !slices.Equal(got, []string{p.ID}) {
		t.Fatalf("newest after posting: %v, want %s", got, p.ID)
	}
	// Unfollowing bea and unblocking cy: cy's are back, bea's gone.
	f.call("DELETE", "/api/v1/follows/"+w.bea.Account().String(), nil, nil)
	f.call("DELETE", "/api/v1/blocks/"+w.cy.Account().String(), nil, nil)
	f.call("GET", "/api/v1/timeline", nil, &page)
	if got, want := itemIDs(page.Items), []string{p.ID, w.a3, w.c2, w.c1, w.a1}; !slices.Equal(got, want) {
		t.Fatalf("timeline after unfollow and unblock: %v, want %v", got, want)
	}
}

func TestFeedItems(t *testing.T) {
	w := newFeedWorld(t)
	f := w.f
	_, body := f.request("GET", "/api/v1/timeline", nil)
	var raw struct {
		Items []map[string]any `json:"items"`
	}
	if err := jsonUnmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	for _, it := range raw.Items {
		byID[it["id"].(string)] = it
	}
	beaDev := w.bea.Device().String()
	b1, _ := entry.ParseID(w.b1)
	b1e, err := f.n.Store().Get(context.Background(), b1)
	if err != nil {
		t.Fatal(err)
	}
	// Exactly these fields: reply_to and root absent, images [], the
	// profile's name and image, the replies its thread shows.
	want := map[string]any{
		"id": w.b1, "account": w.bea.Account().String(), "author": beaDev,
		"author_name": "Bea", "author_image": w.beaImage,
		"seq": float64(b1e.Header.Seq), "timestamp": float64(b1e.Header.Timestamp),
		"time": float64(b1e.Header.Timestamp), "arrived": float64(b1e.Arrived),
		"received": float64(w.received[w.b1]), "text": "bea 1", "images": []any{}, "mine": false,
		"replies": float64(2),
	}
	if got := byID[w.b1]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("b1:\n got %v\nwant %v", got, want)
	}
	a3, _ := entry.ParseID(w.a3)
	a3e, err := f.n.Store().Get(context.Background(), a3)
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]any{
		"id": w.a3, "account": f.n.Account().String(), "author": f.n.Device().String(),
		"author_name": "", "seq": float64(a3e.Header.Seq), "timestamp": float64(a3e.Header.Timestamp),
		"time": float64(a3e.Header.Timestamp), "arrived": float64(a3e.Arrived),
		"received": float64(w.received[w.a3]), "text": "mine 3 answers bea", "images": []any{},
		"reply_to": w.b1, "root": w.b1, "mine": true,
	}
	if got := byID[w.a3]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("a3:\n got %v\nwant %v", got, want)
	}
	// b3 answers a3 in b1's thread.
	if got := byID[w.b3]; got["reply_to"] != w.a3 || got["root"] != w.b1 || got["mine"] != false {
		t.Errorf("b3: %v", got)
	}
	// A post with images lists them.
	img, _, _, err := f.n.AddBlob(bytes.NewReader(picture("a picture")), true)
	if err != nil {
		t.Fatal(err)
	}
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "look", Images: []string{img.String()}}, &p)
	var page wire.FeedPage
	f.call("GET", "/api/v1/timeline?limit=1", nil, &page)
	if len(page.Items) != 1 || page.Items[0].ID != p.ID || !slices.Equal(page.Items[0].Images, []string{img.String()}) {
		t.Errorf("post with an image: %+v", page.Items)
	}
}

func TestAccountPosts(t *testing.T) {
	w := newFeedWorld(t)
	f := w.f
	for _, c := range []struct {
		who  string
		want []string
	}{
		{w.bea.Account().String(), w.beaPosts},
		{w.bea.Device().String(), w.beaPosts},
		{f.n.Account().String(), []string{w.a3, w.a1}},
		// Blocked, still listed when asked for.
		{w.cy.Account().String(), []string{w.c2, w.c1}},
		{w.dee.Account().String(), []string{w.d1}},
		// Eve's certificate is not held: her account is not known, her
		// device is.
		{w.eve.Account().String(), []string{}},
		{w.eve.Device().String(), []string{w.e1}},
		{otherNode(t).Account().String(), []string{}},
	} {
		for _, limit := range []int{1, 2, 50} {
			got, _ := readFeed(f, "/api/v1/accounts/"+c.who+"/posts", limit)
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("posts of %s (limit %d): %v, want %v", c.who, limit, got, c.want)
			}
		}
	}
	var page wire.FeedPage
	f.call("GET", "/api/v1/accounts/"+w.eve.Device().String()+"/posts", nil, &page)
	if len(page.Items) != 1 {
		t.Fatalf("eve's posts: %+v", page.Items)
	}
	if it := page.Items[0]; it.Account != w.eve.Device().String() || it.Author != w.eve.Device().String() || it.AuthorName != "" || it.ReplyTo != w.missing || it.Root != w.missing || it.Mine {
		t.Errorf("eve's post: %+v", it)
	}
	f.call("GET", "/api/v1/accounts/"+strings.ToUpper(w.bea.Account().String())+"/posts?limit=1", nil, &page)
	if got := itemIDs(page.Items); !slices.Equal(got, []string{w.b3}) || page.NextCursor == "" {
		t.Errorf("bea's newest: %v %q", got, page.NextCursor)
	}
	// A cursor of one feed continues another: it is a place in arrival order.
	var tl wire.FeedPage
	f.call("GET", "/api/v1/timeline?limit=2", nil, &tl)
	f.call("GET", "/api/v1/accounts/"+w.bea.Account().String()+"/posts?cursor="+tl.NextCursor, nil, &page)
	if got := itemIDs(page.Items); !slices.Equal(got, []string{w.b2, w.b1}) {
		t.Errorf("bea's posts before a3: %v", got)
	}
}

func TestThread(t *testing.T) {
	w := newFeedWorld(t)
	f := w.f
	// From the root or any reply: b1, then a3 and b3; cy's reply is left
	// out (blocked).
	for _, id := range []string{w.b1, w.a3, w.b3, strings.ToUpper(w.b3)} {
		var th wire.Thread
		f.call("GET", "/api/v1/threads/"+id, nil, &th)
		if th.RootID != w.b1 || th.Root == nil || th.Root.ID != w.b1 || th.Root.AuthorName != "Bea" || th.Root.Root != "" {
			t.Errorf("thread of %s: root_id %s root %+v", id, th.RootID, th.Root)
		}
		if got := itemIDs(th.Replies); !slices.Equal(got, []string{w.a3, w.b3}) {
			t.Errorf("thread of %s: replies %v, want [a3 b3]", id, got)
		}
	}
	// Unblocked, cy's reply is in, in arrival order.
	f.call("DELETE", "/api/v1/blocks/"+w.cy.Account().String(), nil, nil)
	var th wire.Thread
	f.call("GET", "/api/v1/threads/"+w.b1, nil, &th)
	if got := itemIDs(th.Replies); !slices.Equal(got, []string{w.c2, w.a3, w.b3}) {
		t.Errorf("replies after unblocking: %v, want c2 %s a3 %s b3 %s", got, w.c2, w.a3, w.b3)
		for _, it := range th.Replies {
			t.Logf("%s time %d arrived %d claim %d received %d", it.ID, it.Time, it.Arrived, it.Timestamp, it.Received)
		}
	}
	// A post without replies is a thread of its own.
	_, body := f.request("GET", "/api/v1/threads/"+w.b2, nil)
	var raw map[string]any
	if err := jsonUnmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["root_id"] != w.b2 || raw["root"].(map[string]any)["id"] != w.b2 || fmt.Sprint(raw["replies"]) != "[]" {
		t.Errorf("thread of b2: %s", body)
	}
	// The root is not held: root is null, the replies are there, from the
	// reply or from the root's id.
	for _, id := range []string{w.e1, w.missing} {
		_, body := f.request("GET", "/api/v1/threads/"+id, nil)
		var raw map[string]any
		if err := jsonUnmarshal(body, &raw); err != nil {
			t.Fatal(err)
		}
		replies, _ := raw["replies"].([]any)
		if raw["root_id"] != w.missing || raw["root"] != nil || len(replies) != 1 || replies[0].(map[string]any)["id"] != w.e1 {
			t.Errorf("thread of %s: %s", id, body)
		}
	}
	// A deleted root: null.
	f.call("GET", "/api/v1/threads/"+w.a2, nil, &th)
	if th.RootID != w.a2 || th.Root != nil || len(th.Replies) != 0 {
		t.Errorf("thread of deleted a2: %+v", th)
	}
	unknown := entry.ID{0x66}.String()
	f.expectError("GET", "/api/v1/threads/"+unknown, "", 404, wire.CodeNotFound, "entry "+unknown+" is not held here, nor any reply to it")
	f.expectError("GET", "/api/v1/threads/nonsense", "", 400, wire.CodeBadRequest, "nonsense")
	f.expectError("GET", "/api/v1/threads/"+w.bea.Account().String(), "", 400, wire.CodeBadRequest, "acc_")
	f.expectError("GET", "/api/v1/threads/"+w.b1+"?limit=1", "", 400, wire.CodeBadRequest, "limit")
}

func TestAccountAndFollows(t *testing.T) {
	w := newFeedWorld(t)
	f := w.f
	account := func(who string) wire.Account {
		t.Helper()
		var a wire.Account
		f.call("GET", "/api/v1/accounts/"+who, nil, &a)
		return a
	}
	bea := account(w.bea.Account().String())
	beaProfile, err := w.bea.Store().LatestProfile(context.Background(), w.bea.Account().Key())
	if err != nil {
		t.Fatal(err)
	}
	wantBea := wire.Account{Account: w.bea.Account().String(), Following: true, FollowsMe: true, Profile: &wire.Profile{
		Account: w.bea.Account().String(), Entry: beaProfile.ID.String(), Author: w.bea.Device().String(),
		Timestamp: beaProfile.Header.Timestamp, Name: "Bea", Image: w.beaImage,
	}}
	if !reflect.DeepEqual(bea, wantBea) {
		t.Errorf("bea:\n got %+v %+v\nwant %+v %+v", bea, bea.Profile, wantBea, wantBea.Profile)
	}
	stranger := otherNode(t).Account().String()
	for _, c := range []struct {
		who  string
		want wire.Account
	}{
		{w.cy.Account().String(), wire.Account{Account: w.cy.Account().String(), Following: true, Blocked: true}},
		// dee followed, then unfollowed me.
		{w.dee.Account().String(), wire.Account{Account: w.dee.Account().String()}},
		{f.n.Account().String(), wire.Account{Account: f.n.Account().String(), Self: true}},
		// Unknown: no error, nothing known.
		{stranger, wire.Account{Account: stranger}},
		{strings.ToUpper(stranger), wire.Account{Account: stranger}},
	} {
		if got := account(c.who); !reflect.DeepEqual(got, c.want) {
			t.Errorf("account %s: %+v, want %+v", c.who, got, c.want)
		}
	}
	// profile is null, not absent.
	_, body := f.request("GET", "/api/v1/accounts/"+stranger, nil)
	if want := `{"account":"` + stranger + `","self":false,"following":false,"blocked":false,"follows_me":false,"profile":null}`; strings.TrimSpace(string(body)) != want {
		t.Errorf("unknown account: %s, want %s", body, want)
	}
	f.expectError("GET", "/api/v1/accounts/"+w.bea.Device().String(), "", 400, wire.CodeBadRequest, "account")
	f.expectError("GET", "/api/v1/accounts/nonsense", "", 400, wire.CodeBadRequest, "nonsense")

	var fl wire.Follows
	f.call("GET", "/api/v1/follows", nil, &fl)
	following := []wire.Account{wantBea, {Account: w.cy.Account().String(), Following: true, Blocked: true}}
	bk, ck := w.bea.Account().Key(), w.cy.Account().Key()
	if bytes.Compare(ck[:], bk[:]) < 0 {
		following[0], following[1] = following[1], following[0]
	}
	blocked := []wire.Account{{Account: w.cy.Account().String(), Following: true, Blocked: true}}
	if !reflect.DeepEqual(fl, wire.Follows{Following: following, Blocked: blocked}) {
		t.Errorf("follows:\n got %+v\nwant following %+v, blocked %+v", fl, following, blocked)
	}
	// Unfollow bea, unblock cy: cy stays followed.
	f.call("DELETE", "/api/v1/follows/"+w.bea.Account().String(), nil, nil)
	f.call("DELETE", "/api/v1/blocks/"+w.cy.Account().String(), nil, nil)
	_, body = f.request("GET", "/api/v1/follows", nil)
	if want := `{"following":[{"account":"` + w.cy.Account().String() + `","self":false,"following":true,"blocked":false,"follows_me":false,"profile":null}],"blocked":[]}`; strings.TrimSpace(string(body)) != want {
		t.Errorf("follows after changes: %s\nwant %s", body, want)
	}
	if a := account(w.bea.Account().String()); a.Following || !a.FollowsMe {
		t.Errorf("bea after unfollowing: %+v", a)
	}
}

func TestFeedsEmpty(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/api/v1/timeline", "/api/v1/accounts/" + f.n.Account().String() + "/posts"} {
		_, body := f.request("GET", path, nil)
		if got := strings.TrimSpace(string(body)); got != `{"items":[]}` {
			t.Errorf("%s: %s", path, got)
		}
	}
	_, body := f.request("GET", "/api/v1/follows", nil)
	if got := strings.TrimSpace(string(body)); got != `{"following":[],"blocked":[]}` {
		t.Errorf("follows: %s", got)
	}
}

func TestFeedsBadInput(t *testing.T) {
	f := newFixture(t)
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "x"}, &p)
	for _, path := range []string{"/api/v1/timeline", "/api/v1/accounts/" + f.n.Account().String() + "/posts"} {
		for _, c := range []struct{ query, want string }{
			{"limit=0", `limit="0" is not a number from 1 to 200`},
			{"limit=201", `limit="201" is not a number from 1 to 200`},
			{"limit=ten", `limit="ten" is not a number from 1 to 200`},
			{"cursor=abc", `cursor "abc" is not one this API returned: it has 3 characters, want 22; read the feed again from its first page`},
			{"cursor=" + strings.Repeat("A", 96), "it has 96 characters, want 22"},
			{"cursor=AAAAAAAAAAE", "it has 11 characters, want 22"}, // a cursor of the arrival order kith had before
			{"cursor=" + strings.Repeat("*", 22), "it is not base64url"},
			{"cursor=AAAAAAAAAAEAAAAAAAAAA_", "it is not base64url"}, // non-canonical: stray bits
			{"cursor=AAAAAAAAAAEAAAAAAAAAAA", "it is out of range"},  // cursor 0
			{"cursor=_____________________w", "it is out of range"},  // time ≥ 2^63
			{"after=3", "after"},
			{"limit=1&limit=2", "limit"},
		} {
			f.expectError("GET", path+"?"+c.query, "", 400, wire.CodeBadRequest, c.want)
		}
	}
	f.expectError("GET", "/api/v1/accounts/"+p.ID+"/posts", "", 400, wire.CodeBadRequest, "got an entry id (ent_…)")
	f.expectError("GET", "/api/v1/accounts/nonsense/posts", "", 400, wire.CodeBadRequest, "nonsense")
	f.expectError("GET", "/api/v1/follows?x=1", "", 400, wire.CodeBadRequest, "x")
	f.expectError("POST", "/api/v1/timeline", "", 405, wire.CodeMethodNotAllowed, "")
	f.expectError("DELETE", "/api/v1/accounts/"+f.n.Account().String(), "", 405, wire.CodeMethodNotAllowed, "")
}

func TestFeedsNeedToken(t *testing.T) {
	f := newFixture(t)
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "x"}, &p)
	acc := f.n.Account().String()
	for _, path := range []string{
		"/api/v1/timeline", "/api/v1/accounts/" + acc + "/posts", "/api/v1/threads/" + p.ID,
		"/api/v1/accounts/" + acc, "/api/v1/follows",
	} {
		for _, auth := range []string{"", "Bearer wrong"} {
			req, err := http.NewRequestWithContext(t.Context(), "GET", f.srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := f.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			resp.Body.Close()
			wantError(t, resp, body.Bytes(), 401, wire.CodeUnauthorized, "")
			if strings.Contains(body.String(), "x") && strings.Contains(body.String(), p.ID) {
				t.Errorf("%s: a 401 shows content: %s", path, body.String())
			}
		}
	}
}
