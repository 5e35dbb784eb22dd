package api_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// decisionVillage founds a village whose locals are the fixtures'
// accounts (a founds it, the others accept).
func decisionVillage(t *testing.T, a *fixture, others ...*fixture) string {
	t.Helper()
	ctx := t.Context()
	var co []identity.PublicKey
	for _, o := range others {
		co = append(co, o.n.Account().Key())
	}
	fe, err := a.n.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, co)
	if err != nil {
		t.Fatal(err)
	}
	all := append([]*fixture{a}, others...)
	spread(t, all...)
	for _, o := range others {
		if _, err := o.n.AcceptVillage(ctx, fe.ID); err != nil {
			t.Fatal(err)
		}
	}
	spread(t, all...)
	return fe.ID.String()
}

func personLines(ps []wire.ConversationPerson) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name+" "+p.Position+" "+p.Ballot)
	}
	return out
}

func TestDecisionEndpoints(t *testing.T) {
	a := spaceFixture(t, "Ann")
	b := spaceFixture(t, "Bea")
	c := spaceFixture(t, "Cyd")
	vid := decisionVillage(t, a, b, c)

	// Bad starts: a clear message, nothing published.
	for _, tc := range []struct{ body, want string }{
		{`{"village":"` + vid + `","topic":"Paint","pattern":"proposal","method":"cel","expr":"agree >","text":"blue"}`, "the expression does not compile"},
		{`{"village":"` + vid + `","topic":"Paint","pattern":"proposal","method":"cel","expr":"agreed >= 2","text":"blue"}`, "undeclared reference to 'agreed'"},
		{`{"village":"` + vid + `","topic":"Paint","pattern":"proposal","method":"cel","expr":"votes.map(x, votes.map(y, votes.map(z, x+y+z))).size() > 0","text":"blue"}`, "costs more than the limit of 10000"},
		{`{"village":"` + vid + `","topic":"Paint","pattern":"proposal","method":"quorum","params":[0],"text":"blue"}`, "a quorum of 0"},
		{`{"topic":"Paint","pattern":"proposal","method":"consent","text":"blue"}`, "say who decides"},
	} {
		a.expectError("POST", "/api/v1/decisions", tc.body, 400, wire.CodeBadRequest, tc.want)
	}
	a.expectError("POST", "/api/v1/decisions", `{"village":"`+vid+`","topic":"Paint","pattern":"proposal","method":"cel","expr":"agree >","text":"blue"}`, 400, wire.CodeBadRequest, "(nothing was published)")
	a.expectError("POST", "/api/v1/decisions", `{"people":["Zed"],"topic":"Paint","pattern":"proposal","method":"consent","text":"blue"}`, 404, wire.CodeNotFound, `people: no one you follow is named "Zed"`)
	var list wire.DecisionList
	a.call("GET", "/api/v1/decisions", nil, &list)
	if len(list.Conversations) != 0 {
		t.Fatalf("conversations after refused starts: %+v", list)
	}

	var started wire.ConversationEntry
	a.call("POST", "/api/v1/decisions", wire.ConversationStart{Village: vid, Topic: "Paint the gate", Pattern: "proposal",
		Method: "qualified", Params: []uint64{2, 3}, Text: "Paint it blue"}, &started)
	if started.Conversation != started.ID || started.Place != (wire.ConversationPlace{Kind: "village", ID: vid, Name: "Elm street"}) {
		t.Fatalf("start answer %+v", started)
	}
	path := "/api/v1/decisions/" + started.ID
	var d wire.Decision
	a.call("GET", path, nil, &d)
	if d.Rule != "qualified majority: at least 2/3 of the 3 participants agree" || d.Needed != "2 more agreements" || d.Closed || d.Topic != "Paint the gate" || d.Starter.Name != "Ann" {
		t.Fatalf("A's view: rule %q, needed %q, closed %v, %+v", d.Rule, d.Needed, d.Closed, d)
	}
	if got, want := personLines(d.Participants), []string{"Ann  ", "Bea  ", "Cyd  "}; !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Fatalf("participants %q", got)
	}
	a.expectError("POST", path+"/vote", `{"options":["1"]}`, 409, wire.CodeConflict, "this is a proposal, not a poll")
	a.expectError("POST", path+"/position", `{"position":"maybe"}`, 400, wire.CodeBadRequest, `"maybe" is not agree, disagree, abstain or block`)
	a.expectError("POST", path+"/position", `{"position":"block"}`, 400, wire.CodeBadRequest, "a block needs a reason")
	a.expectError("GET", "/api/v1/decisions/"+entry.ID{9}.String(), "", 404, wire.CodeNotFound, "kith conversation list")

	spread(t, a, b, c)
	events, _ := openEvents(t, t.Context(), a.srv.URL, a.token)
	if e := nextEvent(t, events, false); e.name != "hello" {
		t.Fatalf("first event %+v", e)
	}
	var pos wire.ConversationEntry
	b.call("POST", path+"/position", wire.ConversationPosition{Position: "agree", Reason: "blue is calm"}, &pos)
	// Stored on A through an import (as replication stores): an event.
	var bundle bytes.Buffer
	if _, err := b.n.Export(t.Context(), &bundle, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.n.Import(t.Context(), &bundle, nil); err != nil {
		t.Fatal(err)
	}
	var ev wire.ConversationChanged
	for i := 0; ev.ID == ""; i++ {
		if i == 100 {
			t.Fatal("100 events and no decision event")
		}
		e := nextEvent(t, events, false)
		if e.name == wire.EventDecision {
			if err := json.Unmarshal([]byte(e.data), &ev); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(e.data, "calm") {
				t.Errorf("the event carries the text: %s", e.data)
			}
		}
	}
	if want := (wire.ConversationChanged{Place: wire.ConversationPlace{Kind: "village", ID: vid}, ID: pos.ID, Local: true}); ev != want {
		t.Errorf("decision event %+v, want %+v", ev, want)
	}
	a.call("GET", path, nil, &d)
	if d.Needed != "1 more agreement" || d.Tally.Agree != 1 || d.Tally.Answered != 1 {
		t.Fatalf("after Bea agrees: needed %q, tally %+v", d.Needed, d.Tally)
	}
	var last wire.ConversationEntry
	a.call("POST", path+"/position", wire.ConversationPosition{Position: "agree"}, &last)
	a.call("GET", path, nil, &d)
	if !d.Closed || d.Needed != "" || d.Outcome == nil || d.Outcome.At != last.ID || d.Outcome.Summary != `accepted: "Paint it blue"; agreed by Ann, Bea` {
		t.Fatalf("after Ann agrees: closed %v, needed %q, outcome %+v", d.Closed, d.Needed, d.Outcome)
	}
	// Cyd has not heard of the outcome: its node takes its block, which
	// is concurrent with the outcome; every node orders it alike.
	c.call("POST", path+"/position", wire.ConversationPosition{Position: "block", Reason: "green"}, nil)
	spread(t, a, b, c)
	var views []string
	for _, f := range []*fixture{a, b, c} {
		d = wire.Decision{}
		f.call("GET", path, nil, &d)
		if !d.Closed || d.Outcome == nil || d.Outcome.At != last.ID {
			t.Fatalf("after the late block: closed %v, outcome %+v", d.Closed, d.Outcome)
		}
		var hs []string
		for _, h := range d.History {
			hs = append(hs, h.ID+" "+h.Reason)
		}
		views = append(views, strings.Join(hs, "\n"))
	}
	if views[0] != views[1] || views[1] != views[2] {
		t.Fatalf("the nodes' histories differ:\n%s\n--\n%s\n--\n%s", views[0], views[1], views[2])
	}
	// Now that Cyd's node holds the outcome, it refuses a new position.
	c.expectError("POST", path+"/position", `{"position":"agree"}`, 409, wire.CodeConflict, "the conversation is closed")

	// A poll among the village, by names and numbers.
	var poll wire.ConversationEntry
	a.call("POST", "/api/v1/decisions", wire.ConversationStart{Village: vid, Topic: "Lunch", Pattern: "poll",
		Method: "approval", Options: []string{"Soup", "Bread", "Pie"}, Ballot: "approval"}, &poll)
	pp := "/api/v1/decisions/" + poll.ID
	a.expectError("POST", pp+"/vote", `{"options":["Cake"]}`, 400, wire.CodeBadRequest, `"Cake" is not an option of this poll (1 "Soup", 2 "Bread", 3 "Pie")`)
	a.expectError("POST", pp+"/vote", `{"options":["soup","1"]}`, 400, wire.CodeBadRequest, `"Soup" is named twice`)
	a.expectError("POST", pp+"/position", `{"position":"agree"}`, 409, wire.CodeConflict, "positions belong to the proposal and debate patterns; this is a poll")
	a.call("POST", pp+"/vote", wire.ConversationVote{Options: []string{"pie", "2"}}, nil)
	d = wire.Decision{}
	a.call("GET", pp, nil, &d)
	if d.Needed != "2 more ballots" || len(d.Options) != 3 || d.Options[2].Votes != 1 || d.Options[1].Votes != 1 || d.Options[0].Votes != 0 {
		t.Fatalf("poll: needed %q, options %+v", d.Needed, d.Options)
	}
	if got := personLines(d.Participants); !slices.Contains(got, `Ann  approves "Bread", "Pie"`) {
		t.Fatalf("poll participants %q", got)
	}
	a.call("GET", "/api/v1/decisions", nil, &list)
	if len(list.Conversations) != 2 || list.Conversations[0].ID != poll.ID || list.Conversations[1].Outcome != `accepted: "Paint it blue"; agreed by Ann, Bea` {
		t.Fatalf("list %+v", list)
	}
}
