package cli_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	vil "github.com/kithnet/kith/internal/village"
)

// strangerRequest writes a bundle holding a stranger's village.request
// (as sync would bring it) and returns the bundle's path and the stranger id.
func strangerRequest(t *testing.T, villageID, text string) (string, string) {
	t.Helper()
	vid, err := entry.ParseID(villageID)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := identity.GenerateKey(nil)
	acct, _ := identity.GenerateKey(nil)
	cert, err := content.NewDeviceCert(acct, k, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	user := [32]byte{7}
	e, err := entry.Sign(k, entry.Draft{LogID: entry.LogID(vid), Seq: 1, Timestamp: uint64(time.Now().Add(time.Hour).UnixMilli()),
		Payload: vil.MustEncode(&vil.Request{Village: vid, User: user, Text: text, Cert: vil.CertOf(cert)})})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "request.kithbundle")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := bundle.NewWriter(f, bundle.Meta{Producer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Entry(e); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, vil.RequestStranger(acct.Public(), user).Hex()
}

// TestVillageShowInbox: a stranger's request shows in the inbox until a
// local votes on the stranger, then under the stranger.
func TestVillageShowInbox(t *testing.T) {
	v := foundVillage(t)
	path, sid := strangerRequest(t, v.id, "may I sell honey?")
	v.a.ok(t, "import", path)
	out := v.a.ok(t, "village", "show", v.id)
	// Shown by account, with the start of the user id it claimed (not
	// its account, so the account alone could name two strangers).
	acc := identity.Encode(identity.KindAccount, [32]byte(mustHex(t, sid)[:32]))
	want := "inbox (1)\n  " + acc + " (user 070000000000…)\n    request   "
	if !strings.Contains(out, want) || !strings.Contains(out, `  "may I sell honey?"`+"\n\nstrangers (0)\n") {
		t.Fatalf("village show:\n%s\nwant the request in the inbox", out)
	}
	var got wire.Village
	v.a.okJSON(t, &got, "village", "show", v.id)
	if len(got.Strangers) != 1 || !got.Strangers[0].Pending || len(got.Strangers[0].Requests) != 1 {
		t.Fatalf("village show --json: %+v", got.Strangers)
	}
	if got.Strangers[0].ID != sid || got.Strangers[0].Account != acc || got.Strangers[0].UserIsAccount {
		t.Errorf("village show --json: id %s account %s user_is_account %v, want %s %s false", got.Strangers[0].ID, got.Strangers[0].Account, got.Strangers[0].UserIsAccount, sid, acc)
	}
	// A local answers by naming the request (ent_…), then notes the
	// stranger by its account: both reach the one stranger.
	idLine(t, v.a, "village", "vote", v.id, got.Strangers[0].Requests[0].Entry, "defer")
	idLine(t, v.a, "village", "note", v.id, acc, "sells at the market")
	out = v.a.ok(t, "village", "show", v.id)
	if !strings.Contains(out, "inbox (0)\n") || !strings.Contains(out, "strangers (1)\n  "+acc+" (user 070000000000…)  acknowledged\n    request   ") {
		t.Fatalf("village show after the vote:\n%s", out)
	}
	v.a.okJSON(t, &got, "village", "show", v.id)
	cast := 0
	for _, vote := range got.Strangers[0].Votes {
		if vote.Entry != "" {
			cast++
		}
	}
	if len(got.Strangers) != 1 || got.Strangers[0].ID != sid || len(got.Strangers[0].Notes) != 1 || cast != 1 {
		t.Fatalf("after a vote by request and a note by account: %+v", got.Strangers)
	}
	// An entry that is not a request of the village names no stranger.
	if r := v.a.run(t, nil, "village", "vote", v.id, v.id, "veto"); r.code == 0 || !strings.Contains(r.stderr, "is not a stranger's request held in this village") {
		t.Errorf("vote naming the village's own id: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestVillageShowDropped: when the node dropped older requests of
// unlisted strangers to keep within its bounds (recorded in the home by
// the running node), 'village show' says so under the inbox, and --json
// carries the counts.
func TestVillageShowDropped(t *testing.T) {
	v := foundVillage(t)
	vid, err := entry.ParseID(v.id)
	if err != nil {
		t.Fatal(err)
	}
	rec := `{"` + hex.EncodeToString(vid[:]) + `": {"dropped_requests": 64, "dropped_strangers": 2}}`
	if err := os.WriteFile(filepath.Join(v.a["KITH_HOME"], "village-budget.json"), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	out := v.a.ok(t, "village", "show", v.id)
	if want := "inbox (0)\n  (64 older requests from unlisted strangers were dropped to keep within this node's bounds)\n"; !strings.Contains(out, want) {
		t.Fatalf("village show:\n%s\nwant %q", out, want)
	}
	var got wire.Village
	v.a.okJSON(t, &got, "village", "show", v.id)
	if got.Dropped != (wire.VillageDropped{Requests: 64, Strangers: 2, Message: "64 older requests from unlisted strangers were dropped"}) {
		t.Fatalf("--json dropped = %+v", got.Dropped)
	}
	// Nothing dropped: nothing said.
	if out := v.b.ok(t, "village", "show", v.id); strings.Contains(out, "dropped") {
		t.Fatalf("village show with nothing dropped:\n%s", out)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
