package api_test

import (
	"bytes"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/client"
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
	f.call("POST", "/api/v1/villages", wire.VillageFound{Name: "Elm street", Admit: "majority", Exclude: "majority", Cofounders: []string{b.Account().String()}}, &fe)
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
	req, err := x.AppendRaw(t.Context(), entry.LogID(vid), village.MustEncode(&village.Request{Village: vid, User: user, Text: "may I sell honey?", Cert: certOf(t, x)}))
	if err != nil {
		t.Fatal(err)
	}
	copyEntries(t, x, f.n)
	f.call("GET", vp+"/requests", nil, &inbox)
	sid := village.RequestStranger(x.Account().Key(), user).Hex()
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
	// The villages list counts the inbox of a local: one pending stranger.
	var list wire.VillageList
	f.call("GET", "/api/v1/villages", nil, &list)
	if len(list.Villages) != 1 || list.Villages[0].Role != "local" || list.Villages[0].Inbox != 1 {
		t.Fatalf("villages with one pending stranger = %+v", list)
	}
	// Listing it (a deferred vote) answers the request: no longer pending.
	f.call("PUT", vp+"/strangers/"+sid+"/vote", wire.StrangerVote{Vote: "deferred"}, nil)
	f.call("GET", vp+"/requests", nil, &inbox)
	if len(inbox.Requests) != 1 || inbox.Requests[0].Pending {
		t.Fatalf("inbox after listing = %+v", inbox)
	}
	if _, raw := f.request("GET", "/api/v1/villages", nil); bytes.Contains(raw, []byte(`"inbox"`)) {
		t.Fatalf("an empty inbox is left out of the villages list: %s", raw)
	}

	// Sending needs the network; bad input first.
	f.expectError("POST", "/api/v1/village-requests", `{"village":"x","to":"dev_x","text":"hi"}`, 400, wire.CodeBadRequest, "village")
	f.expectError("POST", "/api/v1/village-requests", `{"village":"`+fe.Village+`","text":"hi"}`, 400, wire.CodeBadRequest, "to")
	f.expectError("POST", "/api/v1/village-requests", `{"village":"`+fe.Village+`","to":"dev_x","text":"hi","blob":"nope"}`, 400, wire.CodeBadRequest, "blob")
	f.expectError("POST", "/api/v1/village-requests", `{"village":"`+fe.Village+`","to":"`+b.Device().String()+`","text":"hi"}`, 409, wire.CodeNotServing, "serve")
}

// TestSentVillageRequests: GET /api/v1/village-requests lists this
// device's own village.request entries, newest first, of every village or
// of one.
func TestSentVillageRequests(t *testing.T) {
	// A clock that moves a second per reading: distinct timestamps.
	var mu sync.Mutex
	clock := time.UnixMilli(1740830400000)
	f := newFixtureWith(t, node.Options{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}})
	var sent wire.VillageRequestsSent
	f.call("GET", "/api/v1/village-requests", nil, &sent)
	if sent.Requests == nil || len(sent.Requests) != 0 {
		t.Fatalf("no requests sent = %+v", sent)
	}
	f.expectError("GET", "/api/v1/village-requests?village=nope", "", 400, wire.CodeBadRequest, "village")
	f.expectError("GET", "/api/v1/village-requests?to=x", "", 400, wire.CodeBadRequest, "to")

	// The fixture's device as a stranger of two villages (it holds neither
	// found entry: a stranger usually does not), with a file in one
	// request, and another device's request that is not its own.
	v1, v2 := entry.ID{1}, entry.ID{2}
	user := [32]byte(f.n.Account().Key())
	blobAdded, _, _, err := f.n.AddBlob(bytes.NewReader([]byte("a letter")), true)
	if err != nil {
		t.Fatal(err)
	}
	own, err := f.n.Store().AccountOf(t.Context(), f.n.Device().Key())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := f.n.Store().Get(t.Context(), own.Cert)
	if err != nil {
		t.Fatal(err)
	}
	add := func(vid entry.ID, text string, b [32]byte) *entry.Entry {
		t.Helper()
		e, err := f.n.AppendRaw(t.Context(), entry.LogID(vid), village.MustEncode(&village.Request{Village: vid, User: user, Text: text, Blob: b, Cert: village.CertOf(cert.Entry)}))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	r1 := add(v1, "may I sell honey?", [32]byte{})
	r2 := add(v2, "may I park here?", [32]byte(blobAdded))
	r3 := add(v1, "and on Sundays?", [32]byte{})
	x, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.AppendRaw(t.Context(), entry.LogID(v1), village.MustEncode(&village.Request{Village: v1, User: [32]byte(x.Account().Key()), Text: "not yours", Cert: certOf(t, x)})); err != nil {
		t.Fatal(err)
	}
	copyEntries(t, x, f.n)

	row := func(vid entry.ID, e *entry.Entry, seq uint64, text, b string) wire.VillageRequestSent {
		return wire.VillageRequestSent{Village: vid.String(), Seq: seq, VillageRequest: wire.VillageRequest{
			Entry: e.ID.String(), Timestamp: e.Header.Timestamp, Text: text, Blob: b}}
	}
	all := []wire.VillageRequestSent{
		row(v1, r3, 2, "and on Sundays?", ""),
		row(v2, r2, 1, "may I park here?", blobAdded.String()),
		row(v1, r1, 1, "may I sell honey?", ""),
	}
	f.call("GET", "/api/v1/village-requests", nil, &sent)
	if !slices.Equal(sent.Requests, all) {
		t.Fatalf("sent requests = %+v\nwant %+v", sent.Requests, all)
	}
	sent = wire.VillageRequestsSent{} // decoding into a used value keeps omitted fields
	f.call("GET", "/api/v1/village-requests?village="+v1.String(), nil, &sent)
	if want := []wire.VillageRequestSent{all[0], all[2]}; !slices.Equal(sent.Requests, want) {
		t.Fatalf("sent requests to %s = %+v\nwant %+v", v1, sent.Requests, want)
	}
	f.call("GET", "/api/v1/village-requests?village="+entry.ID{3}.String(), nil, &sent)
	if len(sent.Requests) != 0 {
		t.Fatalf("sent requests to a third village = %+v", sent.Requests)
	}
	// The client answers the same.
	cl, err := client.New(wire.Endpoint{URL: f.srv.URL, Token: f.token, PID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.SentVillageRequests(t.Context(), v2.String())
	if err != nil || !slices.Equal(got.Requests, all[1:2]) {
		t.Fatalf("client: sent requests to %s = %+v, %v", v2, got, err)
	}
}

// certOf is the certificate of n's device, for the requests it signs.
func certOf(t *testing.T, n *node.Node) village.Cert {
	t.Helper()
	c, err := n.DeviceCert(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return village.CertOf(c)
}
