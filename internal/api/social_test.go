package api_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

func TestReactionsTagsMutesEndpoints(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t)
	var posted wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "hello"}, &posted)
	path := "/api/v1/entries/" + posted.ID

	var r wire.Reacted
	f.call("PUT", path+"/reaction", wire.ReactRequest{Emoji: "\U0001F389"}, &r)
	if r.Target != posted.ID || r.Value != "\U0001F389" || r.ID == "" {
		t.Fatalf("reacted %+v", r)
	}
	var rs wire.Reactions
	f.call("GET", "/api/v1/reactions?entry="+posted.ID, nil, &rs)
	want := []wire.EntryReactions{{Entry: posted.ID, Mine: "\U0001F389", Counts: []wire.ReactionCount{{Value: "\U0001F389", Emoji: true, Count: 1}}}}
	if !reflect.DeepEqual(rs.Entries, want) || len(rs.Emoji) != 8 {
		t.Fatalf("reactions %+v", rs)
	}
	f.call("DELETE", path+"/reaction", nil, &r)
	f.call("GET", "/api/v1/reactions?entry="+posted.ID, nil, &rs)
	if len(rs.Entries[0].Counts) != 0 || rs.Entries[0].Mine != "" {
		t.Fatalf("after DELETE, reactions %+v", rs)
	}
	f.expectError("PUT", path+"/reaction", `{"emoji":"🦄"}`, 400, wire.CodeBadRequest, "is not one of the 8 reaction emoji")
	f.expectError("PUT", path+"/reaction", `{"text":"`+strings.Repeat("a", 33)+`"}`, 400, wire.CodeBadRequest, "33 bytes exceeds the limit of 32")
	missing := entry.ID{9}.String()
	f.expectError("PUT", "/api/v1/entries/"+missing+"/reaction", `{"emoji":"👍"}`, 404, wire.CodeNotFound, "is not held by this node, so it cannot be reacted to")
	f.expectError("GET", "/api/v1/reactions?entry=nope", "", 400, wire.CodeBadRequest, "")
	many := strings.Repeat("entry="+posted.ID+"&", node.MaxReactionTargets+1)
	f.expectError("GET", "/api/v1/reactions?"+many, "", 400, wire.CodeBadRequest, "201 entries, at most 200")

	var tg wire.Tagged
	f.call("POST", path+"/tags", wire.TagRequest{Label: "greetings"}, &tg)
	var ts wire.Tags
	f.call("GET", "/api/v1/tags?entry="+posted.ID, nil, &ts)
	if want := []wire.TagCount{{Label: "greetings", Count: 1, Mine: true}}; !reflect.DeepEqual(ts.Entries[0].Labels, want) {
		t.Fatalf("tags %+v", ts)
	}
	var mine wire.MyTags
	f.call("GET", "/api/v1/tags/mine?label=greetings", nil, &mine)
	if want := []wire.MyTag{{Entry: posted.ID, Label: "greetings"}}; !reflect.DeepEqual(mine.Tags, want) {
		t.Fatalf("my tags %+v", mine)
	}
	f.expectError("POST", "/api/v1/entries/"+missing+"/tags", `{"label":"x"}`, 404, wire.CodeNotFound, "cannot be tagged")
	f.expectError("POST", path+"/tags", `{"label":""}`, 400, wire.CodeBadRequest, "a tag needs a label")

	acct := other.n.Account().String()
	var ms wire.Mutes
	f.call("PUT", "/api/v1/mutes/"+acct, nil, &ms)
	if want := []wire.MutedAccount{{Account: acct}}; !reflect.DeepEqual(ms.Accounts, want) {
		t.Fatalf("mutes %+v", ms)
	}
	f.call("GET", "/api/v1/mutes", nil, &ms)
	if len(ms.Accounts) != 1 {
		t.Fatalf("mutes %+v", ms)
	}
	f.call("DELETE", "/api/v1/mutes/"+acct, nil, &ms)
	if len(ms.Accounts) != 0 {
		t.Fatalf("after unmute %+v", ms)
	}
	f.expectError("PUT", "/api/v1/mutes/"+f.n.Account().String(), "", 400, wire.CodeBadRequest, "you cannot mute yourself")
}
