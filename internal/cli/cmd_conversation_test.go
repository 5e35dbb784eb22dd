package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func TestConversationCommands(t *testing.T) {
	a, b, c := newEnv(t), newEnv(t), newEnv(t)
	_, bo, co := initHome(t, a), initHome(t, b), initHome(t, c)
	a.ok(t, "profile", "set", "--name", "Ann")
	b.ok(t, "profile", "set", "--name", "Bea")
	c.ok(t, "profile", "set", "--name", "Cyd")
	a.ok(t, "follow", bo.Account)
	a.ok(t, "follow", co.Account)
	syncAll(t, a, b, c)

	if out := a.ok(t, "conversation", "list"); out != "no conversations; start one with 'kith conversation start TOPIC --village VILLAGE_ID --text PROPOSAL'\n" {
		t.Fatalf("empty list: %q", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"conversation", "start", "Paint", "--with", "Bea", "--text", "blue", "--expr", "agree >"}, "the expression does not compile"},
		{[]string{"conversation", "start", "Paint", "--with", "Bea", "--text", "blue", "--expr", "agreed > 1"}, "undeclared reference to 'agreed'"},
		{[]string{"conversation", "start", "Paint", "--with", "Bea", "--text", "blue", "--expr", "agree + 1"}, "see 'kith conversation start --help'"},
		{[]string{"conversation", "start", "Paint", "--with", "Zed", "--text", "blue"}, `no one named "Zed" among the accounts you follow`},
		{[]string{"conversation", "start", "Paint", "--text", "blue"}, "say who decides: --village VILLAGE_ID"},
		{[]string{"conversation", "start", "Paint", "--with", "Bea"}, "--text PROPOSAL makes a proposal, --option OPTION (repeated) a poll"},
		{[]string{"conversation", "start", "Paint", "--with", "Bea", "--text", "blue", "--params", "two"}, "--params"},
		{[]string{"conversation", "show", "ent_nope"}, "CONVERSATION_ID"},
		{[]string{"conversation", "position", "ent_nope", "maybe"}, "CONVERSATION_ID"},
	} {
		r := a.run(t, nil, tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("kith %s: exit %d, stderr %q; want %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
	}
	if out := a.ok(t, "space", "list"); !strings.HasPrefix(out, "no spaces") {
		t.Fatalf("a refused start made a space: %q", out)
	}

	id := idLine(t, a, "conversation", "start", "Lunch", "--with", "Bea", "--with", "Cyd", "--option", "Soup", "--option", "Bread", "--option", "Pie", "--method", "instant-runoff")
	// The members' nodes publish their keys when they look; Ann's wraps
	// the space's key to them.
	for range 2 {
		syncAll(t, a, b, c)
		for _, e := range []env{a, b, c} {
			e.ok(t, "conversation", "list")
		}
	}
	syncAll(t, a, b, c)
	if r := b.run(t, nil, "conversation", "vote", id, "Cake"); r.code != 1 || !strings.Contains(r.stderr, `"Cake" is not an option of this poll (1 "Soup", 2 "Bread", 3 "Pie")`) || !strings.Contains(r.stderr, "nothing was sent") {
		t.Fatalf("a vote for an unknown option: %+v", r)
	}
	if r := b.run(t, nil, "conversation", "position", id, "agree"); r.code != 1 || !strings.Contains(r.stderr, "positions belong to the proposal and debate patterns; this is a poll") {
		t.Fatalf("a position in a poll: %+v", r)
	}
	idLine(t, b, "conversation", "vote", id, "Bread", "soup")
	idLine(t, c, "conversation", "vote", id, "2")
	syncAll(t, a, b, c)
	out := a.ok(t, "conversation", "show", id)
	for _, want := range []string{
		"Lunch  " + id + "\n",
		"a poll in the space \"conversation\", started by Ann (you)\n",
		"rule: ranked choice by instant runoff: the option a majority ranks first as the others drop out wins, once everyone has answered or the deadline has passed\n",
		"tally: 2 of 3 voted; 2 messages\n  1. Soup  0\n  2. Bread  2\n  3. Pie  0\n",
		"still needed: 1 more ballot\n",
		"  Bea  ranks \"Bread\" > \"Soup\"\n",
		"  Ann (you)  (no answer yet)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	idLine(t, a, "conversation", "vote", id, "Pie")
	syncAll(t, a, b, c)
	for _, e := range []env{a, b, c} {
		var d wire.Decision
		e.okJSON(t, &d, "conversation", "show", id)
		if !d.Closed || d.Outcome == nil || d.Outcome.Winner != "Bread" || d.Needed != "" {
			t.Fatalf("decision %+v", d)
		}
	}
	if out := b.ok(t, "conversation", "show", id); !strings.Contains(out, "DECIDED: \"Bread\" wins (closed; later messages change nothing)\n") {
		t.Fatalf("show after the outcome:\n%s", out)
	}
	if r := c.run(t, nil, "conversation", "vote", id, "Soup"); r.code != 1 || !strings.Contains(r.stderr, "the conversation is closed") || !strings.Contains(r.stderr, "'kith conversation show "+id+"' shows where it stands") {
		t.Fatalf("a vote after the outcome: %+v", r)
	}
	idLine(t, c, "conversation", "say", id, "see you there")
	if out := a.ok(t, "conversation", "list"); out != id+"  poll      Lunch (space \"conversation\")  decided: \"Bread\" wins\n" {
		t.Fatalf("list: %q", out)
	}
}

// TestConversationPatternCommands: an invitation's places and answers,
// and the refusals of the new commands, through the CLI.
func TestConversationPatternCommands(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	_, bo := initHome(t, a), initHome(t, b)
	a.ok(t, "profile", "set", "--name", "Ann")
	b.ok(t, "profile", "set", "--name", "Bea")
	a.ok(t, "follow", bo.Account)
	syncAll(t, a, b)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"conversation", "start", "Trip", "--with", "Bea", "--pattern", "invitation", "--method", "quorum", "--params", "1", "--places", "none"}, "--places"},
		{[]string{"conversation", "start", "Trip", "--with", "Bea", "--pattern", "invitation", "--method", "quorum", "--params", "1", "--deadline", "soon"}, `"soon" is not a time`},
		{[]string{"conversation", "answer", "ent_nope", "yes"}, "CONVERSATION_ID"},
		{[]string{"conversation", "argue", "ent_nope", "for", "x"}, "CONVERSATION_ID"},
	} {
		r := a.run(t, nil, tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("kith %s: exit %d, stderr %q; want %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
	}
	id := idLine(t, a, "conversation", "start", "Canoe trip", "--with", "Bea", "--pattern", "invitation", "--method", "quorum", "--params", "2", "--places", "1")
	for range 2 {
		syncAll(t, a, b)
		for _, e := range []env{a, b} {
			e.ok(t, "conversation", "list")
		}
	}
	syncAll(t, a, b)
	if r := a.run(t, nil, "conversation", "answer", id, "perhaps"); r.code == 0 || !strings.Contains(r.stderr, `"perhaps" is not yes, no or maybe`) {
		t.Fatalf("answer perhaps: %+v", r)
	}
	b.ok(t, "conversation", "answer", id, "yes")
	syncAll(t, a, b)
	a.ok(t, "conversation", "answer", id, "yes")
	out := a.ok(t, "conversation", "show", id)
	if !strings.Contains(out, "places: 1, taken by Bea") || !strings.Contains(out, "waiting for a place, in order: Ann (you)") ||
		!strings.Contains(out, "an invitation in the space") || !strings.Contains(out, "  Bea  yes\n") || !strings.Contains(out, "Bea  answer: yes\n") {
		t.Fatalf("show after two yeses:\n%s", out)
	}
	if r := a.run(t, nil, "conversation", "deadline", id); r.code == 0 || !strings.Contains(r.stderr, "states no deadline") {
		t.Fatalf("deadline of a conversation without one: %+v", r)
	}
}
