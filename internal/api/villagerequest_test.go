package api_test

import (
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

func TestVillageRequestEndpoints(t *testing.T) {
	f := newFixture(t)
	b, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	x, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var fe wire.VillageEntry
	f.call("POST", "/api/v1/villages", wire.VillageFound{Name: "Elm street", Admit: "majority", Exclude: "majority", Cofounders: []string{b.Device().String()}}, &fe)
	vid, _ := entry.ParseID(fe.Village)
	copyEntries(t, f.n, b)
	if _, err := b.AcceptVillage(t.Context(), vid); err != nil {
		t.Fatal(err)
	}
	copyEntries(t, b, f.n)
	vp := "/api/v1/villages/" + fe.Village

	var inbox wire.VillageInbox
	f.call("GET", vp+"/requests", nil, &inbox)
	if inbox.Village != fe.Village || inbox.Requests == nil || len(inbox.Requests) != 0 {
		t.Fatalf("empty inbox = %+v", inbox)
	}
	f.expectError("GET", "/api/v1/villages/"+entry.ID{1}.String()+"/requests", "", 404, wire.CodeNotFound, "no such village")

	// A stranger's request, held as if it came by sync.
	user := [32]byte(x.Account().Key())
	req, err := x.AppendRaw(t.Context(), entry.LogID(vid), village.MustEncode(&village.Request{Village: vid, User: user, Text: "may I sell honey?"}))
	if err != nil {
		t.Fatal(err)
	}
	copyEntries(t, x, f.n)
	f.call("GET", vp+"/requests", nil, &inbox)
	sid := village.RequestStranger(x.Device().Key(), user).Hex()
	if len(inbox.Requests) != 1 {
		t.Fatalf("inbox = %+v", inbox)
	}
	r := inbox.Requests[0]
	if r.Stranger != sid || !r.Pending || r.Standing != "acknowledged" || r.Entry != req.ID.String() || r.Text != "may I sell honey?" {
		t.Fatalf("request = %+v", r)
	}
	var v wire.Village
	f.call("GET", vp, nil, &v)
	if len(v.Strangers) != 1 || !v.Strangers[0].Pending || v.Strangers[0].Listed || len(v.Strangers[0].Requests) != 1 {
		t.Fatalf("strangers = %+v", v.Strangers)
	}
	// Listing it (a deferred vote) answers the request: no longer pending.
	f.call("PUT", vp+"/strangers/"+sid+"/vote", wire.StrangerVote{Vote: "deferred"}, nil)
	f.call("GET", vp+"/requests", nil, &inbox)
	if len(inbox.Requests) != 1 || inbox.Requests[0].Pending {
		t.Fatalf("inbox after listing = %+v", inbox)
	}

	// Sending needs the network; bad input first.
	f.expectError("POST", "/api/v1/village-requests", `{"village":"x","to":"dev_x","text":"hi"}`, 400, wire.CodeBadRequest, "village")
	f.expectError("POST", "/api/v1/village-requests", `{"village":"`+fe.Village+`","text":"hi"}`, 400, wire.CodeBadRequest, "to")
	f.expectError("POST", "/api/v1/village-requests", `{"village":"`+fe.Village+`","to":"dev_x","text":"hi","blob":"nope"}`, 400, wire.CodeBadRequest, "blob")
	f.expectError("POST", "/api/v1/village-requests", `{"village":"`+fe.Village+`","to":"`+b.Device().String()+`","text":"hi"}`, 409, wire.CodeNotServing, "serve")
}
