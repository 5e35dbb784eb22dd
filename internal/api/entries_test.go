package api_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

func entryIDText(b [32]byte) string { return entry.ID(b).String() }

// allEntries pages through GET /api/v1/entries with the given query and
// limit, checking every page's size.
func allEntries(f *fixture, author string, limit int) []wire.Entry {
	f.t.Helper()
	var out []wire.Entry
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			f.t.Fatal("more than 100 pages")
		}
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		if author != "" {
			q.Set("author", author)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page wire.EntryPage
		f.call("GET", "/api/v1/entries?"+q.Encode(), nil, &page)
		if len(page.Entries) > limit || (page.NextCursor != "" && len(page.Entries) != limit) {
			f.t.Fatalf("page of %d entries with next cursor %q at limit %d", len(page.Entries), page.NextCursor, limit)
		}
		out = append(out, page.Entries...)
		if page.NextCursor == "" {
			return out
		}
		cursor = page.NextCursor
	}
}

func ids(es []wire.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestEntriesPaging(t *testing.T) {
	f := newFixture(t)
	var posts []string
	for i := range 5 {
		var p wire.Posted
		f.call("POST", "/api/v1/posts", wire.PostRequest{Text: fmt.Sprint("post ", i)}, &p)
		posts = append(posts, p.ID)
	}
	all := allEntries(f, "", wire.MaxEntriesLimit)
	if len(all) != 6 {
		t.Fatalf("%d entries, want 6 (device.add and 5 posts)", len(all))
	}
	// Log by log, ordered by author key: the account's certificate log and
	// the device's public log, each in seq order.
	cert, postsAt := 0, 1
	dk, ak := f.n.Device().Key(), f.n.Account().Key()
	if bytes.Compare(dk[:], ak[:]) < 0 {
		cert, postsAt = 5, 0
	}
	if *all[cert].Type != "device.add" || all[cert].Author != f.n.Account().String() || all[cert].Seq != 1 || all[cert].Backlink != nil {
		t.Errorf("certificate entry %+v", all[cert])
	}
	for i, id := range posts {
		e := all[postsAt+i]
		if e.ID != id || e.Seq != uint64(i+1) || e.Payload["text"] != fmt.Sprint("post ", i) || e.Author != f.n.Device().String() || e.Withheld || e.Deleted {
			t.Errorf("entry %d = %+v, want post %s", i+1, e, id)
		}
		if i > 0 && (e.Backlink == nil || *e.Backlink != posts[i-1]) {
			t.Errorf("entry %d backlink %v, want %s", i+1, e.Backlink, posts[i-1])
		}
	}
	// Any page size gives the same listing, across logs.
	for _, limit := range []int{1, 2, 3, 5, 6, 7} {
		if got := ids(allEntries(f, "", limit)); strings.Join(got, ",") != strings.Join(ids(all), ",") {
			t.Errorf("limit %d lists %v, want %v", limit, got, ids(all))
		}
	}
	// The default page size is 100: one page here.
	var page wire.EntryPage
	f.call("GET", "/api/v1/entries", nil, &page)
	if len(page.Entries) != 6 || page.NextCursor != "" {
		t.Errorf("default page: %d entries, cursor %q", len(page.Entries), page.NextCursor)
	}
	// By account, explicitly, and by device: the device has only its public log.
	if got := ids(allEntries(f, f.n.Account().String(), 4)); strings.Join(got, ",") != strings.Join(ids(all), ",") {
		t.Errorf("by account: %v", got)
	}
	if got := ids(allEntries(f, f.n.Device().String(), 2)); strings.Join(got, ",") != strings.Join(posts, ",") {
		t.Errorf("by device: %v, want %v", got, posts)
	}
}

func TestEntriesErrors(t *testing.T) {
	f := newFixture(t)
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "one"}, &p)
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "two"}, &p)
	var page wire.EntryPage
	f.call("GET", "/api/v1/entries?limit=1&author="+f.n.Device().String(), nil, &page)
	deviceCursor := page.NextCursor
	f2 := newFixture(t)
	f2.call("POST", "/api/v1/posts", wire.PostRequest{Text: "elsewhere"}, &p)
	f2.call("POST", "/api/v1/posts", wire.PostRequest{Text: "elsewhere too"}, &p)
	f2.call("GET", "/api/v1/entries?limit=1&author="+f2.n.Device().String(), nil, &page)
	foreignCursor := page.NextCursor
	if foreignCursor == "" || deviceCursor == "" {
		t.Fatal("no cursor")
	}
	other, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stranger := other.Account().String()
	strangerDev := other.Device().String()
	other.Close()
	for _, c := range []struct {
		query, want string
	}{
		{"author=" + p.ID, "expected an account or device id (acc_… or dev_…), got an entry id (ent_…)"},
		{"author=nonsense", "nonsense"},
		{"limit=0", `limit="0" is not a number from 1 to 1000`},
		{"limit=1001", `limit="1001" is not a number from 1 to 1000`},
		{"limit=ten", `limit="ten" is not a number from 1 to 1000`},
		{"cursor=abc", `cursor "abc" is not one this API returned: it has 3 characters, want 96`},
		{"cursor=" + strings.Repeat("*", 96), "it is not base64url"},
		{"cursor=" + strings.Repeat("A", 96), "its seq is 0"},
		{"cursor=" + deviceCursor + "&author=" + f.n.Account().String(), ""},
		{"cursor=" + foreignCursor + "&author=" + f.n.Device().String(), "does not continue a listing of " + f.n.Device().String()},
		{"cursor=" + foreignCursor, "does not continue a listing of " + f.n.Account().String()},
	} {
		if c.want == "" {
			// A device cursor continues the account listing, which holds that log.
			f.call("GET", "/api/v1/entries?"+c.query, nil, &page)
			continue
		}
		f.expectError("GET", "/api/v1/entries?"+c.query, "", 400, wire.CodeBadRequest, c.want)
	}
	f.expectError("GET", "/api/v1/entries?author="+stranger, "", 404, wire.CodeNotFound, "no entries of "+stranger+" are held here")
	f.expectError("GET", "/api/v1/entries?author="+strangerDev, "", 404, wire.CodeNotFound, "no entries of "+strangerDev+" are held here")
}

func TestEntryByID(t *testing.T) {
	f := newFixture(t)
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "shown"}, &p)
	var e wire.Entry
	f.call("GET", "/api/v1/entries/"+p.ID, nil, &e)
	if e.ID != p.ID || *e.Type != "post" || e.Payload["text"] != "shown" || e.Payload["type"] != "post" || e.LogID != entry.PublicLog.String() || e.PayloadSize == 0 || e.Timestamp == 0 {
		t.Errorf("entry = %+v", e)
	}
	var raw wire.RawEntry
	for _, q := range []string{"raw=true", "raw=1"} {
		f.call("GET", "/api/v1/entries/"+p.ID+"?"+q, nil, &raw)
		if raw.ID != p.ID || raw.PayloadHex == nil {
			t.Fatalf("raw = %+v", raw)
		}
	}
	id, err := entry.ParseID(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.n.Store().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if raw.HeaderHex != fmt.Sprintf("%x", st.Raw) || *raw.PayloadHex != fmt.Sprintf("%x", st.Payload) {
		t.Errorf("raw = %+v, want the stored bytes", raw)
	}
	f.call("GET", "/api/v1/entries/"+p.ID+"?raw=false", nil, &e)
	if e.ID != p.ID || e.Payload["text"] != "shown" {
		t.Errorf("raw=false = %+v", e)
	}
	f.expectError("GET", "/api/v1/entries/"+p.ID+"?raw=maybe", "", 400, wire.CodeBadRequest, `query parameter raw="maybe" is not true or false`)
	f.expectError("GET", "/api/v1/entries/"+fakeEntryID(t), "", 404, wire.CodeNotFound, "entry "+fakeEntryID(t)+" is not held here")
	f.expectError("GET", "/api/v1/entries/"+fakeEntryID(t)+"?raw=true", "", 404, wire.CodeNotFound, "is not held here")
	f.expectError("GET", "/api/v1/entries/ent_x", "", 400, wire.CodeBadRequest, `entry id has 1 characters after "ent_", want 58`)
}
