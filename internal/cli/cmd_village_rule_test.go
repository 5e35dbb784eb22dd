package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestVillageFoundRules: a charter rule other than unanimous or majority,
// from --admit's short forms or --admit-expr, reaches the found entry
// and 'kith village show' says it in plain words; a bad one is refused
// with what to change and founds nothing.
func TestVillageFoundRules(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	initHome(t, a)
	bo := initHome(t, b)

	var fe wire.VillageEntry
	a.okJSON(t, &fe, "village", "found", "Elm street", "--with", bo.Account, "--admit", "2/3 no-block", "--exclude", "qualified 3/4")
	var v wire.Village
	a.okJSON(t, &v, "village", "show", fe.Village)
	if v.Admit != "cel" || v.AdmitExpr != "agree * 3 >= participants * 2 && block == 0" || v.Exclude != "qualified" || len(v.ExcludeParams) != 2 || v.ExcludeParams[0] != 3 || v.ExcludeParams[1] != 4 {
		t.Fatalf("charter %+v", v)
	}
	out := a.ok(t, "village", "show", fe.Village)
	want := "charter   admit by cel, exclude by qualified 3/4\n" +
		"          admit when at least two thirds of the active locals agree, and nobody blocks;\n" +
		"          exclude when at least three quarters of the active locals agree\n"
	if !strings.Contains(out, want) {
		t.Fatalf("show:\n%s\nwant it to contain\n%s", out, want)
	}

	var q wire.VillageEntry
	a.okJSON(t, &q, "village", "found", "Oak lane", "--with", bo.Account, "--admit", "quorum 2", "--exclude-expr", "agree >= 2 && block == 0")
	a.okJSON(t, &v, "village", "show", q.Village)
	if v.Admit != "quorum" || len(v.AdmitParams) != 1 || v.AdmitParams[0] != 2 || v.Exclude != "cel" || v.ExcludeRule != "the expression agree >= 2 && block == 0 is true" || v.AdmitRule != "2 of the active locals agree" {
		t.Fatalf("charter %+v", v)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--admit-expr", "endorsers >= 2"}, "admit: the expression does not compile: ERROR: <input>:1:1: undeclared reference to 'endorsers'"},
		{[]string{"--admit-expr", "agree"}, "admit: the expression yields int; a consensus method must yield true or false (bool)"},
		{[]string{"--exclude", "qualified 3/2"}, "exclude: a qualified majority is [numerator, denominator] with 0 < numerator ≤ denominator, got [3 2]"},
		{[]string{"--admit", "dictator"}, `--admit: "dictator" is not a rule: say unanimous, majority, consent`},
		{[]string{"--exclude", "quorum"}, `--exclude: "quorum" is not a rule`},
		{[]string{"--admit", "two thirds"}, `--admit: "two thirds" is not a rule`},
		{[]string{"--admit", "majority", "--admit-expr", "agree > 1"}, "--admit and --admit-expr: give one of them"},
	} {
		r := a.run(t, nil, append([]string{"village", "found", "Bad", "--with", bo.Account}, c.args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to say %q", c.args, r.code, r.stderr, c.want)
		}
	}
	var l wire.VillageList
	a.okJSON(t, &l, "village", "list")
	if len(l.Villages) != 2 {
		t.Fatalf("refused foundings wrote something: %+v", l)
	}
}

// TestVillagePositionBlocks: under "2/3 no-block", a local's block keeps
// an invitation out whatever the endorsements, 'kith village show' says
// so with the reason, and the blocker endorsing lifts it.
func TestVillagePositionBlocks(t *testing.T) {
	a, b, x := newEnv(t), newEnv(t), newEnv(t)
	initHome(t, a)
	bo := initHome(t, b)
	xo := initHome(t, x)
	var fe wire.VillageEntry
	a.okJSON(t, &fe, "village", "found", "Elm street", "--with", bo.Account, "--admit", "2/3 no-block")
	id := fe.Village
	syncHomes(t, a, b)
	idLine(t, b, "village", "accept", id)
	syncHomes(t, b, a)

	if r := a.run(t, nil, "village", "position", id, xo.Account, "block", "--reason", "who?"); r.code != 1 || !strings.Contains(r.stderr, "no open invitation of this account is held") {
		t.Fatalf("position before any invitation: exit %d %q", r.code, r.stderr)
	}
	if r := a.run(t, nil, "village", "position", id, xo.Account, "block"); r.code != 2 || !strings.Contains(r.stderr, "block: give --reason") {
		t.Fatalf("block without a reason: exit %d %q", r.code, r.stderr)
	}
	idLine(t, a, "village", "invite", id, xo.Account)
	syncHomes(t, a, b)
	idLine(t, b, "village", "position", id, xo.Account, "block", "--reason", "nobody knows them")
	syncHomes(t, b, a)
	var v wire.Village
	a.okJSON(t, &v, "village", "show", id)
	if len(v.Invitations) != 1 || v.Invitations[0].Needed != -1 || v.Invitations[0].Admitted || len(v.Invitations[0].Stances) != 1 || v.Invitations[0].Stances[0] != (wire.VillageStance{Local: bo.Account, Position: "block", Reason: "nobody knows them"}) {
		t.Fatalf("invitations %+v", v.Invitations)
	}
	out := a.ok(t, "village", "show", id)
	want := "  " + xo.Account + "  invited by "
	if !strings.Contains(out, want) || !strings.Contains(out, "more invitations alone cannot admit it: the charter admits when at least two thirds of the active locals agree, and nobody blocks\n    block: "+bo.Account+` ("nobody knows them")`+"\n") {
		t.Fatalf("show:\n%s", out)
	}
	// The blocker endorses: the block is lifted and two of two admit.
	idLine(t, b, "village", "invite", id, xo.Account)
	syncHomes(t, b, a)
	var after wire.Village // a fresh value: JSON leaves fields it does not name as they were
	a.okJSON(t, &after, "village", "show", id)
	if len(after.Invitations) != 1 || !after.Invitations[0].Admitted || len(after.Invitations[0].Stances) != 0 {
		t.Fatalf("after lifting: %+v", after.Invitations)
	}
}
