package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// copyEntries gives to every entry from holds, as replication would.
func copyEntries(t *testing.T, from, to *node.Node) {
	t.Helper()
	heads, err := from.Store().Heads(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var es []*entry.Entry
	if err := from.EachEntry(t.Context(), heads, func(s *store.Stored) error {
		es = append(es, s.Entry)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := to.Store().Ingest(t.Context(), es); err != nil {
		t.Fatal(err)
	}
}

func TestVillageEndpoints(t *testing.T) {
	f := newFixture(t)
	b, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bDev, cDev := b.Account().String(), c.Account().String() // villages name accounts

	// Founding: bad input first.
	f.expectError("POST", "/api/v1/villages", `{"name":"v","admit":"all","exclude":"majority","cofounders":["`+bDev+`"]}`, 400, wire.CodeBadRequest, "admit")
	f.expectError("POST", "/api/v1/villages", `{"name":"v","admit":"majority","exclude":"majority","cofounders":[]}`, 400, wire.CodeBadRequest, "co-founder")
	f.expectError("POST", "/api/v1/villages", `{"name":"v","admit":"majority","exclude":"majority","cofounders":["`+b.Device().String()+`"]}`, 400, wire.CodeBadRequest, "cofounders: expected an account id (acc_…), got a device id (dev_…)")
	f.expectError("POST", "/api/v1/villages", `{"name":"","admit":"majority","exclude":"majority","cofounders":["`+bDev+`"]}`, 400, wire.CodeBadRequest, "name")
	f.expectError("POST", "/api/v1/villages", `{"nom":"v"}`, 400, wire.CodeBadRequest, "")
	var fe wire.VillageEntry
	f.call("POST", "/api/v1/villages", wire.VillageFound{Name: "Elm street", Admit: "majority", Exclude: "majority", Cofounders: []string{bDev}}, &fe)
	if fe.ID != fe.Village || !strings.HasPrefix(fe.ID, "ent_") {
		t.Fatalf("found answer %+v", fe)
	}
	vp := "/api/v1/villages/" + fe.Village
	var list wire.VillageList
	f.call("GET", "/api/v1/villages", nil, &list)
	if len(list.Villages) != 1 || list.Villages[0].Role != "founder" || list.Villages[0].Name != "Elm street" || list.Villages[0].Founded {
		t.Fatalf("villages = %+v", list)
	}
	f.expectError("GET", "/api/v1/villages/xyz", "", 400, wire.CodeBadRequest, "village")
	f.expectError("GET", "/api/v1/villages/"+entry.ID{1}.String(), "", 404, wire.CodeNotFound, "no such village")
	f.expectError("POST", vp+"/accept", "", 409, wire.CodeConflict, "already accepted")
	f.expectError("POST", vp+"/invites", `{"invitee":"`+cDev+`"}`, 409, wire.CodeConflict, "not founded")

	// b accepts on its node, with a profile; a receives both.
	copyEntries(t, f.n, b)
	vid, _ := entry.ParseID(fe.Village)
	if _, err := b.AcceptVillage(t.Context(), vid); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(t.Context(), &content.Profile{Name: "Bea"}); err != nil {
		t.Fatal(err)
	}
	copyEntries(t, b, f.n)
	var v wire.Village
	f.call("GET", vp, nil, &v)
	if !v.Founded || len(v.Locals) != 2 || v.Me != f.n.Account().String() || len(v.Problems) != 0 {
		t.Fatalf("village = %+v", v)
	}
	// A local with no name in the village shows its profile's name.
	for _, l := range v.Locals {
		if want := map[bool]string{true: "Bea", false: ""}[l.Key == bDev]; l.ProfileName != want || l.Name != "" {
			t.Fatalf("local %s: name %q, profile name %q; want %q", l.Key, l.Name, l.ProfileName, want)
		}
	}

	// Invitations.
	f.expectError("POST", vp+"/invites", `{"invitee":"dev_x"}`, 400, wire.CodeBadRequest, "invitee")
	var ie wire.VillageEntry
	f.call("POST", vp+"/invites", wire.VillageInvite{Invitee: cDev}, &ie)
	f.expectError("POST", vp+"/invites", `{"invitee":"`+cDev+`"}`, 409, wire.CodeConflict, "already invited")
	f.expectError("POST", vp+"/join", "", 409, wire.CodeConflict, "no invitation")

	// Userspec.
	f.expectError("PUT", vp+"/userspec", `{"mode":"lazy","name":"A","about":""}`, 400, wire.CodeBadRequest, "mode")
	f.call("PUT", vp+"/userspec", wire.VillageUserspec{Mode: "active", Name: "A", About: "first"}, nil)
	// The locals show the about text of their latest userspec; b wrote
	// none.
	abouts := func() map[string]string {
		f.t.Helper()
		var v wire.Village
		f.call("GET", vp, nil, &v)
		out := map[string]string{}
		for _, l := range v.Locals {
			out[l.Key] = l.Name + "|" + l.About
		}
		return out
	}
	me := f.n.Account().String()
	if got := abouts(); len(got) != 2 || got[me] != "A|first" || got[bDev] != "|" {
		t.Fatalf("locals' names and abouts = %q", got)
	}
	f.call("PUT", vp+"/userspec", wire.VillageUserspec{Mode: "active", Name: "Ann", About: "counts the sheep\nand the goats"}, nil)
	if got := abouts(); got[me] != "Ann|counts the sheep\nand the goats" || got[bDev] != "|" {
		t.Fatalf("after the second userspec, locals' names and abouts = %q", got)
	}
	f.call("PUT", vp+"/userspec", wire.VillageUserspec{Mode: "active", Name: "Ann", About: ""}, nil)
	if got := abouts(); got[me] != "Ann|" {
		t.Fatalf("after an empty about, locals' names and abouts = %q", got)
	}
	f.call("PUT", vp+"/userspec", wire.VillageUserspec{Mode: "active", Name: "A", About: "first"}, nil)
	// In JSON: "about" of a, none for b (omitted when empty).
	if _, raw := f.request("GET", vp, nil); bytes.Count(raw, []byte(`"about":`)) != 1 || !bytes.Contains(raw, []byte(`"about":"first"`)) {
		t.Fatalf("the village's JSON should carry a's about only: %s", raw)
	}

	// Votes with a proof blob, and notes.
	stranger := strings.Repeat("ab", 64)
	sp := vp + "/strangers/" + stranger
	resp, body := f.request("POST", "/api/v1/blobs", bytes.NewReader([]byte("passport scan")), "Content-Type", "application/octet-stream")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("blob upload: %d %s", resp.StatusCode, body)
	}
	var blobAdded wire.BlobAdded
	if err := json.Unmarshal(body, &blobAdded); err != nil {
		t.Fatal(err)
	}
	f.expectError("PUT", vp+"/strangers/ABCD/vote", `{"vote":"veto"}`, 400, wire.CodeBadRequest, "stranger")
	f.expectError("PUT", sp+"/vote", `{"vote":"accept"}`, 400, wire.CodeBadRequest, "proof")
	f.expectError("PUT", sp+"/vote", `{"vote":"yes"}`, 400, wire.CodeBadRequest, "vote")
	f.expectError("PUT", sp+"/vote", `{"vote":"veto","proof":"`+blobAdded.ID+`"}`, 400, wire.CodeBadRequest, "proof")
	f.call("PUT", sp+"/vote", wire.StrangerVote{Vote: "accept", Proof: blobAdded.ID}, nil)
	f.expectError("PUT", sp+"/vote", `{"vote":"deferred"}`, 409, wire.CodeConflict, "never returns to deferred")
	f.expectError("POST", sp+"/notes", `{"text":"x","blob":"blob_nope"}`, 400, wire.CodeBadRequest, "blob")
	f.call("POST", sp+"/notes", wire.StrangerNote{Text: "met at the market", Blob: blobAdded.ID}, nil)
	f.call("GET", vp, nil, &v)
	if len(v.Strangers) != 1 {
		t.Fatalf("strangers = %+v", v.Strangers)
	}
	s := v.Strangers[0]
	if s.ID != stranger || s.Standing != "acknowledged" || len(s.Notes) != 1 || s.Notes[0].Blob != blobAdded.ID {
		t.Fatalf("stranger = %+v", s)
	}
	var mine *wire.VillageVote
	for i := range s.Votes {
		if s.Votes[i].Local == v.Me {
			mine = &s.Votes[i]
		}
	}
	if mine == nil || mine.Vote != "accept" || mine.Proof != blobAdded.ID {
		t.Fatalf("votes = %+v", s.Votes)
	}

	// State and chain.
	var sp1 wire.VillageStatePublished
	f.call("POST", vp+"/state", nil, &sp1)
	if sp1.State.Seq == 0 || len(sp1.State.Commitment) != 64 || sp1.State.Components.Previous != strings.Repeat("0", 64) {
		t.Fatalf("state = %+v", sp1)
	}
	var ch wire.VillageChain
	f.call("GET", vp+"/locals/"+v.Me+"/chain", nil, &ch)
	if !ch.OK || len(ch.States) != 1 || ch.States[0].ID != sp1.State.ID || len(ch.Findings) != 0 {
		t.Fatalf("chain = %+v", ch)
	}
	f.call("GET", vp+"/locals/"+bDev+"/chain", nil, &ch)
	if len(ch.States) != 0 {
		t.Fatalf("b's chain = %+v", ch)
	}
	f.expectError("GET", vp+"/locals/nobody/chain", "", 400, wire.CodeBadRequest, "local")

	// Exclusion: b is the subject; a alone is the majority of the eligible.
	f.expectError("POST", vp+"/exclusions", `{"subject":"`+v.Me+`","reason":""}`, 409, wire.CodeConflict, "itself")
	f.expectError("POST", vp+"/exclusions", `{"subject":"`+cDev+`","reason":""}`, 409, wire.CodeConflict, "not a local")
	var pe wire.VillageEntry
	f.call("POST", vp+"/exclusions", wire.ExclusionProposal{Subject: bDev, Reason: "gone"}, &pe)
	f.expectError("PUT", vp+"/exclusions/"+pe.ID+"/vote", `{"vote":"maybe"}`, 400, wire.CodeBadRequest, "vote")
	f.expectError("PUT", vp+"/exclusions/bad/vote", `{"vote":"for"}`, 400, wire.CodeBadRequest, "proposal")
	f.expectError("PUT", vp+"/exclusions/"+pe.ID+"/vote", `{"vote":"for"}`, 409, wire.CodeConflict, "closed")
	f.expectError("PUT", vp+"/positions", `{"proposal":"`+pe.ID+`","position":"block","reason":"no"}`, 409, wire.CodeConflict, "the proposal is closed (passed)")
	f.expectError("PUT", vp+"/positions", `{"proposal":"`+pe.ID+`","position":"block"}`, 400, wire.CodeBadRequest, "a block needs a reason")
	f.expectError("PUT", vp+"/positions", `{"proposal":"`+pe.ID+`","position":"maybe"}`, 400, wire.CodeBadRequest, "not agree, disagree, abstain or block")
	f.expectError("PUT", vp+"/positions", `{"position":"agree"}`, 400, wire.CodeBadRequest, "name either an invitee")
	f.expectError("PUT", vp+"/positions", `{"invitee":"`+cDev+`","position":"agree"}`, 409, wire.CodeConflict, "the invitation is admitted already")
	f.call("GET", vp, nil, &v)
	if len(v.Proposals) != 1 || v.Proposals[0].Outcome != "passed" {
		t.Fatalf("proposals = %+v", v.Proposals)
	}

	// Leaving is final.
	f.call("POST", vp+"/leave", nil, nil)
	f.expectError("POST", vp+"/leave", "", 409, wire.CodeConflict, "not a local")
	f.call("GET", "/api/v1/villages", nil, &list)
	if list.Villages[0].Role != "left" {
		t.Fatalf("villages after leaving = %+v", list)
	}
}

func TestVillageEndpointsNeedToken(t *testing.T) {
	f := newFixture(t)
	id := entry.ID{1}.String()
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/villages"},
		{"POST", "/api/v1/villages"},
		{"GET", "/api/v1/villages/" + id},
		{"POST", "/api/v1/villages/" + id + "/accept"},
		{"POST", "/api/v1/villages/" + id + "/join"},
		{"POST", "/api/v1/villages/" + id + "/leave"},
		{"POST", "/api/v1/villages/" + id + "/invites"},
		{"PUT", "/api/v1/villages/" + id + "/userspec"},
		{"PUT", "/api/v1/villages/" + id + "/strangers/00/vote"},
		{"POST", "/api/v1/villages/" + id + "/strangers/00/notes"},
		{"POST", "/api/v1/villages/" + id + "/exclusions"},
		{"PUT", "/api/v1/villages/" + id + "/exclusions/" + id + "/vote"},
		{"PUT", "/api/v1/villages/" + id + "/positions"},
		{"POST", "/api/v1/villages/" + id + "/state"},
		{"GET", "/api/v1/villages/" + id + "/locals/x/chain"},
		{"GET", "/api/v1/villages/" + id + "/requests"},
		{"GET", "/api/v1/village-requests"},
		{"POST", "/api/v1/village-requests"},
	} {
		req, err := http.NewRequestWithContext(t.Context(), c.method, f.srv.URL+c.path, strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		wantError(t, resp, buf.Bytes(), 401, wire.CodeUnauthorized, "")
	}
	// Unknown villages with a token: 404 for every operation on them.
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/villages/" + id + "/accept", ""},
		{"POST", "/api/v1/villages/" + id + "/state", ""},
		{"GET", "/api/v1/villages/" + id + "/locals/" + f.n.Account().String() + "/chain", ""},
		{"PUT", "/api/v1/villages/" + id + "/userspec", `{"mode":"active"}`},
	} {
		f.expectError(c.method, c.path, c.body, 404, wire.CodeNotFound, "no such village")
	}
}

// villageBackend is what a village command calls: the service and the
// client answer it with the same signatures.
type villageBackend interface {
	Villages(ctx context.Context) (wire.VillageList, error)
	FoundVillage(ctx context.Context, req wire.VillageFound) (wire.VillageEntry, error)
	Village(ctx context.Context, id string) (wire.Village, error)
	AcceptVillage(ctx context.Context, id string) (wire.VillageEntry, error)
	JoinVillage(ctx context.Context, id string) (wire.VillageEntry, error)
	LeaveVillage(ctx context.Context, id string) (wire.VillageEntry, error)
	InviteToVillage(ctx context.Context, id string, req wire.VillageInvite) (wire.VillageEntry, error)
	SetVillageUserspec(ctx context.Context, id string, req wire.VillageUserspec) (wire.VillageEntry, error)
	VoteStranger(ctx context.Context, id, stranger string, req wire.StrangerVote) (wire.VillageEntry, error)
	NoteStranger(ctx context.Context, id, stranger string, req wire.StrangerNote) (wire.VillageEntry, error)
	ProposeExclusion(ctx context.Context, id string, req wire.ExclusionProposal) (wire.VillageEntry, error)
	VoteExclusion(ctx context.Context, id, proposal string, req wire.ExclusionVote) (wire.VillageEntry, error)
	PublishVillageState(ctx context.Context, id string) (wire.VillageStatePublished, error)
	VillageChain(ctx context.Context, id, local string) (wire.VillageChain, error)
	VillageRequests(ctx context.Context, id string, q wire.VillageInboxQuery) (wire.VillageInbox, error)
	RequestFile(ctx context.Context, id, request string) (wire.VillageRequestFile, error)
	RequestVillage(ctx context.Context, req wire.VillageRequestSend) (wire.VillageEntry, error)
	SentVillageRequests(ctx context.Context, village string) (wire.VillageRequestsSent, error)
}

var (
	_ villageBackend = (*api.Service)(nil)
	_ villageBackend = (*client.Client)(nil)
)

func TestVillageClient(t *testing.T) {
	f := newFixture(t)
	cl, err := client.New(wire.Endpoint{URL: f.srv.URL, Token: f.token, PID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	list, err := cl.Villages(t.Context())
	if err != nil || len(list.Villages) != 0 {
		t.Fatalf("Villages = %+v, %v", list, err)
	}
	if _, err := cl.AcceptVillage(t.Context(), entry.ID{1}.String()); err == nil || api.ErrorOf(err).Code != wire.CodeNotFound {
		t.Fatalf("accept of an unknown village: %v", err)
	}
}
