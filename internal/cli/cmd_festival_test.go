package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestFestivalCommands: create, a location, an event that books it, the
// programme by day with names, a second booking refused in words with
// what to do next, open from another home, and --json.
func TestFestivalCommands(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	initHome(t, a)
	initHome(t, b)
	a.ok(t, "profile", "set", "--name", "Ann")
	var fe wire.FestivalEntry
	a.okJSON(t, &fe, "festival", "create", "Summer Camp", "--text", "By the lake")
	if !strings.HasPrefix(fe.Ref, fe.Festival+"/dev_") {
		t.Fatalf("create: %+v", fe)
	}
	a.ok(t, "festival", "resource", "Summer Camp", "Main stage", "--kind", "location", "--at", "52.52,13.405",
		"--available", "2026-07-04 12:00/2026-07-05 02:00")
	a.ok(t, "festival", "event", "Summer Camp", "Concert", "--from", "2026-07-04 20:00", "--to", "2026-07-04 22:00", "--needs", "Main stage")
	r := a.run(t, nil, "festival", "event", "Summer Camp", "Late show", "--from", "2026-07-04 21:00", "--to", "2026-07-04T23:00:00Z", "--needs", "Main stage")
	if r.code == 0 || !strings.Contains(r.stderr, `"Main stage" is already booked 2026-07-04 20:00–22:00 UTC by "Concert": choose another time or another resource`) {
		t.Fatalf("conflict: %d %q", r.code, r.stderr)
	}
	r = a.run(t, nil, "festival", "show", "Winter")
	if r.code == 0 || !strings.Contains(r.stderr, `no festival named "Winter" is held here: 'kith festival list' shows those that are; open one with 'kith festival open'`) {
		t.Fatalf("unknown festival: %d %q", r.code, r.stderr)
	}
	r = a.run(t, nil, "festival", "event", "Summer Camp", "Dawn", "--from", "tomorrow", "--to", "2026-07-04 23:00")
	if r.code == 0 || !strings.Contains(r.stderr, `--from: "tomorrow" is not a time like 2026-07-04T20:00:00Z or "2026-07-04 20:00" (UTC)`) {
		t.Fatalf("bad time: %d %q", r.code, r.stderr)
	}
	want := "Summer Camp, by you\n" +
		"By the lake\n" +
		"share: kith festival open " + fe.Ref + "\n" +
		"\nProgramme\n" +
		"  Sat 2026-07-04\n" +
		"    20:00–22:00  Concert  @ Main stage  (you)\n" +
		"      Main stage: granted\n" +
		"\nResources\n" +
		"  Main stage  location, first-come, owned by you\n" +
		"    at 52.52, 13.405\n" +
		"    available Sat 2026-07-04 12:00–Sun 2026-07-05 02:00 UTC\n" +
		"    booked Sat 2026-07-04 20:00–22:00 UTC by \"Concert\" (you), not confirmed by the owner yet\n"
	if got := a.ok(t, "festival", "show", "Summer Camp"); got != want {
		t.Fatalf("show:\n%s\nwant\n%s", got, want)
	}
	var l wire.FestivalList
	a.okJSON(t, &l, "festival", "list")
	if len(l.Festivals) != 1 || l.Festivals[0].Name != "Summer Camp" || l.Festivals[0].Ref != fe.Ref {
		t.Fatalf("list: %+v", l)
	}
	// Another home opens it from the reference and sees the same, by name.
	b.ok(t, "festival", "open", fe.Ref)
	syncHomes(t, a, b)
	var v wire.Festival
	b.okJSON(t, &v, "festival", "show", "Summer Camp")
	if v.Creator.Name != "Ann" || len(v.Programme) != 1 || v.Programme[0].Places[0] != "Main stage" || v.Resources[0].Owner.Name != "Ann" {
		t.Fatalf("b's view: %+v", v)
	}
	r = b.run(t, nil, "festival", "authorize", "Summer Camp", "Concert", "Main stage", "deny")
	if r.code == 0 || !strings.Contains(r.stderr, `"Main stage" belongs to Ann: only its owner decides its requests`) {
		t.Fatalf("authorize by another: %d %q", r.code, r.stderr)
	}
}
