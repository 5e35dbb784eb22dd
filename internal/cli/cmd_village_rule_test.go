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
		"          admit when the expression agree * 3 >= participants * 2 && block == 0 is true;\n" +
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
