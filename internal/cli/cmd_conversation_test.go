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
	if r := b.run(t, nil, "conversation", "position", id, "agree"); r.code != 1 || !strings.Contains(r.stderr, "positions belong to the proposal pattern; this is a poll") {
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
