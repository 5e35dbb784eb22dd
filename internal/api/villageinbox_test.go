package api_test

import (
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// TestVillageInboxPages: GET /api/v1/villages/{id}/requests answers in
// pages of at most limit requests, by stranger id then entry order, each
// request once; a bad after or limit is refused; the answer says what was
// dropped (nothing here).
func TestVillageInboxPages(t *testing.T) {
	f := newFixture(t)
	b, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var fe wire.VillageEntry
	f.call("POST", "/api/v1/villages", wire.VillageFound{Name: "Elm street", Admit: "majority", Exclude: "majority", Cofounders: []string{b.Account().String()}}, &fe)
	vid, _ := entry.ParseID(fe.Village)
	copyEntries(t, f.n, b)
	if _, err := b.AcceptVillage(t.Context(), vid); err != nil {
		t.Fatal(err)
	}
	copyEntries(t, b, f.n)
	vp := "/api/v1/villages/" + fe.Village
	const strangers, each = 3, 5
	for i := range strangers {
		x, _, err := node.Init(t.TempDir(), node.Options{})
		if err != nil {
			t.Fatal(err)
		}
		own, err := x.Store().AccountOf(t.Context(), x.Device().Key())
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x.Store().Get(t.Context(), own.Cert)
		if err != nil {
			t.Fatal(err)
		}
		for j := range each {
			if _, err := x.AppendRaw(t.Context(), entry.LogID(vid), village.MustEncode(&village.Request{Village: vid, User: [32]byte{1}, Text: fmt.Sprintf("%d.%d", i, j), Cert: village.CertOf(cert.Entry)})); err != nil {
				t.Fatal(err)
			}
		}
		copyEntries(t, x, f.n)
		x.Close()
	}
	var all wire.VillageInbox
	f.call("GET", vp+"/requests?limit=500", nil, &all)
	if len(all.Requests) != strangers*each || all.Next != "" || all.Dropped != (wire.VillageDropped{}) {
		t.Fatalf("one page of all: %d requests, next %q, dropped %+v", len(all.Requests), all.Next, all.Dropped)
	}
	var got []wire.VillageInboxRequest
	after, pages := "", 0
	for {
		var page wire.VillageInbox
		path := vp + "/requests?limit=4"
		if after != "" {
			path += "&after=" + after
		}
		f.call("GET", path, nil, &page)
		pages++
		if len(page.Requests) > 4 || (page.Next != "") != (len(page.Requests) == 4 && len(got)+4 < strangers*each) {
			t.Fatalf("page %d: %d requests, next %q", pages, len(page.Requests), page.Next)
		}
		got = append(got, page.Requests...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if pages != 4 || len(got) != len(all.Requests) {
		t.Fatalf("%d pages, %d requests; want 4 pages of %d", pages, len(got), len(all.Requests))
	}
	for i := range got {
		if got[i] != all.Requests[i] {
			t.Fatalf("request %d: paged %+v, whole %+v", i, got[i], all.Requests[i])
		}
		if i > 0 && got[i].Stranger == got[i-1].Stranger && got[i].Text <= got[i-1].Text {
			t.Fatalf("a stranger's requests out of order: %q then %q", got[i-1].Text, got[i].Text)
		}
	}
	f.expectError("GET", vp+"/requests?limit=501", "", 400, wire.CodeBadRequest, "limit")
	f.expectError("GET", vp+"/requests?limit=0", "", 400, wire.CodeBadRequest, "limit")
	f.expectError("GET", vp+"/requests?after=xyz", "", 400, wire.CodeBadRequest, "after")
	// The file of a request that names none.
	f.expectError("POST", vp+"/requests/"+entry.ID{1}.String()+"/file", "", 404, wire.CodeNotFound, "no request")
}
