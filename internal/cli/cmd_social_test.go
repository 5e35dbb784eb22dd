package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

func TestReactTagMute(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	other := initHome(t, newEnv(t))
	var posted struct{ ID string }
	e.okJSON(t, &posted, "post", "soup tonight")

	if out := e.ok(t, "react", posted.ID, "party"); out != "You reacted 🎉 to "+posted.ID+".\n" {
		t.Errorf("react output %q", out)
	}
	var rs struct {
		Entries []struct {
			Mine   string
			Counts []struct {
				Value string
				Count int
			}
		}
	}
	e.okJSON(t, &rs, "reactions", posted.ID)
	if len(rs.Entries) != 1 || rs.Entries[0].Mine != "🎉" || len(rs.Entries[0].Counts) != 1 || rs.Entries[0].Counts[0].Count != 1 {
		t.Fatalf("reactions %+v", rs)
	}
	if out := e.ok(t, "reactions", posted.ID); out != "  🎉 1  (yours)\n" {
		t.Errorf("reactions output %q", out)
	}
	e.ok(t, "react", posted.ID, "so true")
	if out := e.ok(t, "reactions", posted.ID); out != "  so true 1  (yours)\n" {
		t.Errorf("after a text reaction, output %q", out)
	}
	e.ok(t, "react", "--remove", posted.ID)
	if out := e.ok(t, "reactions", posted.ID); out != "  no reactions yet\n" {
		t.Errorf("after --remove, output %q", out)
	}
	r := e.run(t, nil, "--json", "react", posted.ID, strings.Repeat("a", 33))
	if r.code == 0 {
		t.Fatal("an over-long reaction was accepted")
	}
	checkJSONError(t, r.stderr, "failed", "33 bytes exceeds the limit of 32")
	r = e.run(t, nil, "--json", "react", "ent_"+strings.Repeat("a", 52), "like")
	if r.code != 2 {
		t.Fatalf("reacting to a malformed id: %+v, want usage exit 2", r)
	}
	r = e.run(t, nil, "react", "ent_"+strings.Repeat("a", 52), "like")
	if r.code != 2 {
		t.Fatalf("reacting to a malformed id: %+v", r)
	}

	missing := entry.ID{9}.String()
	for _, args := range [][]string{{"react", missing, "like"}, {"tag", missing, "x"}} {
		r = e.run(t, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "is not held by this node") {
			t.Errorf("kith %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}

	e.ok(t, "tag", posted.ID, "recipes")
	if out := e.ok(t, "tags"); out != "recipes  "+posted.ID+"\n" {
		t.Errorf("tags output %q", out)
	}
	if out := e.ok(t, "tags", "--entry", posted.ID); out != "recipes  1  (yours)\n" {
		t.Errorf("tags --entry output %q", out)
	}
	e.ok(t, "tag", "--remove", posted.ID, "recipes")
	if out := e.ok(t, "tags", "recipes"); !strings.HasPrefix(out, "You have labelled nothing yet") {
		t.Errorf("after --remove, tags output %q", out)
	}

	if out := e.ok(t, "mute", other.Account); !strings.HasPrefix(out, "You muted "+other.Account+". Nobody is told") {
		t.Errorf("mute output %q", out)
	}
	var ms struct {
		Accounts []struct{ Account string }
	}
	e.okJSON(t, &ms, "mutes")
	if len(ms.Accounts) != 1 || ms.Accounts[0].Account != other.Account {
		t.Fatalf("mutes %+v", ms)
	}
	e.ok(t, "unmute", other.Account)
	if out := e.ok(t, "mutes"); out != "You mute no one.\n" {
		t.Errorf("mutes after unmute %q", out)
	}
}
