package api_test

import (
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// TestStrangerNamedByAccountOrRequest: a stranger is named by its account
// (acc_…) or one of its requests (ent_…) as well as by its 128 hex digits;
// an account with two stranger ids in the village is refused with a
// message that says how to pick one, and an account the village has not
// heard of is the stranger a kith node's request would make (user id =
// account).
func TestStrangerNamedByAccountOrRequest(t *testing.T) {
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

	// x asks once under its account as user id, once under another claim:
	// two strangers of one account.
	own, other := [32]byte(x.Account().Key()), [32]byte{9}
	if _, err := x.AppendRaw(t.Context(), entry.LogID(vid), village.MustEncode(&village.Request{Village: vid, User: own, Text: "may I sell honey?", Cert: certOf(t, x)})); err != nil {
		t.Fatal(err)
	}
	second, err := x.AppendRaw(t.Context(), entry.LogID(vid), village.MustEncode(&village.Request{Village: vid, User: other, Text: "and candles?", Cert: certOf(t, x)}))
	if err != nil {
		t.Fatal(err)
	}
	copyEntries(t, x, f.n)
	xAcc := x.Account().String()
	f.expectError("PUT", vp+"/strangers/"+xAcc+"/vote", `{"vote":"deferred"}`, 400, wire.CodeBadRequest, "is 2 strangers in this village")

	// Named by its request, the second claim is the one listed.
	f.call("PUT", vp+"/strangers/"+second.ID.String()+"/vote", wire.StrangerVote{Vote: "veto"}, nil)
	var v wire.Village
	f.call("GET", vp, nil, &v)
	want := village.RequestStranger(x.Account().Key(), other).Hex()
	listed := map[string]wire.VillageStranger{}
	for _, s := range v.Strangers {
		if s.Listed {
			listed[s.ID] = s
		}
	}
	if s, ok := listed[want]; len(listed) != 1 || !ok || s.Standing != "vetoed" || s.Account != xAcc || s.UserIsAccount {
		t.Fatalf("listed after a veto by request = %+v, want only %s vetoed, account %s", listed, want, xAcc)
	}

	// An account the village has not heard of: its own id as user id.
	y, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	f.call("PUT", vp+"/strangers/"+y.Account().String()+"/vote", wire.StrangerVote{Vote: "deferred"}, nil)
	f.call("GET", vp, nil, &v)
	wantY := village.RequestStranger(y.Account().Key(), [32]byte(y.Account().Key())).Hex()
	found := false
	for _, s := range v.Strangers {
		if s.ID == wantY {
			found = s.Account == y.Account().String() && s.UserIsAccount && s.Listed && s.Standing == "acknowledged"
		}
	}
	if !found {
		t.Fatalf("strangers after listing %s: %+v", y.Account(), v.Strangers)
	}

	// Names that are no stranger.
	f.expectError("PUT", vp+"/strangers/"+fe.Village+"/vote", `{"vote":"veto"}`, 400, wire.CodeBadRequest, "is not a stranger's request held in this village")
	f.expectError("PUT", vp+"/strangers/"+b.Device().String()+"/vote", `{"vote":"veto"}`, 400, wire.CodeBadRequest, "expected an account or entry id")
	f.expectError("PUT", vp+"/strangers/abc/vote", `{"vote":"veto"}`, 400, wire.CodeBadRequest, "name a stranger by its account")
}
