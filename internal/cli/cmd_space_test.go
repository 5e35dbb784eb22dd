package cli_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// minutes matches the times 'kith space show' prints (the author's clock).
var minutes = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d`)

// syncAll gives every home's entries to every other, through bundles.
func syncAll(t *testing.T, es ...env) {
	t.Helper()
	for _, from := range es {
		for _, to := range es {
			if from["KITH_HOME"] != to["KITH_HOME"] {
				syncHomes(t, from, to)
			}
		}
	}
}

// spaceJSON is what 'kith --json space show' prints.
type spaceJSON struct {
	wire.Space
	Messages []wire.SpaceMessage `json:"messages"`
	Earlier  int                 `json:"earlier"`
	Older    string              `json:"older"`
}

func TestSpaceCommands(t *testing.T) {
	a, b, c := newEnv(t), newEnv(t), newEnv(t)
	ao, bo, co := initHome(t, a), initHome(t, b), initHome(t, c)
	a.ok(t, "profile", "set", "--name", "Ann")
	b.ok(t, "profile", "set", "--name", "Bea")
	c.ok(t, "profile", "set", "--name", "Cyd")
	a.ok(t, "follow", bo.Account)
	a.ok(t, "follow", co.Account)
	syncAll(t, a, b, c)

	if out := a.ok(t, "space", "list"); out != "no spaces; create one with 'kith space create NAME --with PERSON'\n" {
		t.Errorf("empty space list prints %q", out)
	}
	for _, bad := range []struct {
		args []string
		msg  string
	}{
		{[]string{"space", "create", "Garden", "--with", "Zed"}, `--with: no one named "Zed" among the accounts you follow; give their account id (acc_…)`},
		{[]string{"space", "create", "Garden", "--with", bo.Device}, "is a device id"},
		{[]string{"space", "create", "Garden"}, "--with: name at least one person"},
		{[]string{"space", "create", "", "--with", "Bea"}, "NAME: a space needs a name"},
		{[]string{"space", "show", "ent_nope"}, "SPACE_ID"},
		{[]string{"space", "role", entry.ID{1}.String(), "Bea", "owner"}, `ROLE: "owner" is not admin or member`},
	} {
		r := a.run(t, nil, bad.args...)
		if r.code != 2 || !strings.Contains(r.stderr, bad.msg) {
			t.Errorf("kith %s: exit %d, stderr %q; want 2 and %q", strings.Join(bad.args, " "), r.code, r.stderr, bad.msg)
		}
	}

	// Names resolve among the accounts Ann follows.
	r := a.run(t, nil, "space", "create", "Garden", "--with", "bea", "--with", co.Account)
	id := strings.TrimSpace(r.stdout)
	if r.code != 0 || !strings.HasPrefix(id, "ent_") || r.stderr != "\"Bea\" is "+bo.Account+"\nsealed: only the members can read it; see who with 'kith space show "+id+"'\n" {
		t.Fatalf("space create: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if out, want := a.ok(t, "space", "list"), id+"  admin    3 members  Garden\n"; out != want {
		t.Errorf("space list:\n%q\nwant\n%q", out, want)
	}

	// Bea holds the space but no key yet.
	syncAll(t, a, b, c)
	r = b.run(t, nil, "space", "post", id, "too early")
	if want := "kith: the space waits for a new key: this device holds no key of \"Garden\"'s current epoch yet; it arrives from an admin's device (is one online and connected?)\nnothing was sent; try again later ('kith space show " + id + "' says when this device can write)\n"; r.code != 1 || r.stderr != want {
		t.Errorf("a post before the key: exit %d, stderr\n%q\nwant\n%q", r.code, r.stderr, want)
	}
	if out := b.ok(t, "space", "show", id); !strings.Contains(out, "you       member; this device cannot write yet: this device has no key of the current epoch yet") {
		t.Errorf("Bea's space before the key:\n%s", out)
	}
	c.ok(t, "space", "show", id) // Cyd's node publishes its encryption key
	syncAll(t, a, b, c)
	a.ok(t, "space", "show", id) // Ann's wraps the key to them
	syncAll(t, a, b, c)

	post := idLine(t, b, "space", "post", id, "the tomatoes are ripe\nall of them")
	syncAll(t, a, b, c)
	reply := idLine(t, a, "space", "post", id, "I'll bring a basket", "--reply-to", post)
	syncAll(t, a, b, c)
	c.ok(t, "space", "show", id)
	want := "Garden  " + id + "\n" +
		"lock      sealed: only the members' devices can read its messages\n" +
		"history   people added later read from when they join\n" +
		"readers   Ann (admin, you), Bea, Cyd\n" +
		"you       admin; this device can write\n" +
		"\nmembers (3)\n" +
		"  admin   " + ao.Account + "  \"Ann\"  (you)\n" +
		"  member  " + bo.Account + "  \"Bea\"\n" +
		"  member  " + co.Account + "  \"Cyd\"\n" +
		"\nmessages (2)\n" +
		"  " + post + "  TIME  Bea: the tomatoes are ripe\n      all of them\n" +
		"  " + reply + "  TIME  Ann (you): I'll bring a basket\n" +
		"      (a reply to " + post + ")\n"
	if out := minutes.ReplaceAllString(a.ok(t, "space", "show", id), "TIME"); out != want {
		t.Errorf("space show:\n%s\nwant\n%s", out, want)
	}

	// Roles and removal by name, among the members.
	r = a.run(t, nil, "space", "role", id, "Zed", "admin")
	if r.code != 2 || !strings.Contains(r.stderr, `no one named "Zed" among the space's members`) {
		t.Errorf("role of a stranger: exit %d, stderr %q", r.code, r.stderr)
	}
	idLine(t, a, "space", "role", id, "Bea", "admin")
	syncHomes(t, a, b)
	r = b.run(t, nil, "space", "add", id, ao.Account)
	if r.code != 1 || !strings.Contains(r.stderr, "a member already") {
		t.Errorf("adding a member again: exit %d, stderr %q", r.code, r.stderr)
	}
	var removed wire.SpaceEntry
	a.okJSON(t, &removed, "space", "remove", id, "cyd")
	if removed.Space != id || !strings.HasPrefix(removed.ID, "ent_") {
		t.Errorf("space remove --json = %+v", removed)
	}
	syncAll(t, a, b, c)
	after := idLine(t, b, "space", "post", id, "after Cyd left")
	syncAll(t, a, b, c)
	out := c.ok(t, "space", "show", id)
	for _, line := range []string{
		"readers   Ann (admin), Bea (admin)\n",
		"you       not a member (your account is not a member)\n",
		"  " + after + "  [sealed: you cannot read this]  Bea  sealed after your account left or was removed: you read what was sealed while it was a member\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("Cyd's space after the removal lacks %q:\n%s", line, out)
		}
	}
	if strings.Contains(out, "after Cyd left") || !strings.Contains(out, "Bea: the tomatoes are ripe") {
		t.Errorf("Cyd reads what was sealed after its removal, or lost what it read before:\n%s", out)
	}
	if out := c.ok(t, "space", "list"); out != id+"  none     2 members  Garden  (you are no longer a member)\n" {
		t.Errorf("Cyd's space list: %q", out)
	}
	var shown spaceJSON
	c.okJSON(t, &shown, "space", "show", id, "--limit", "1")
	if len(shown.Messages) != 1 || shown.Messages[0].ID != after || shown.Messages[0].Status != "sealed" || shown.Messages[0].Text != "" || shown.Role != "none" {
		t.Errorf("space show --json --limit 1: %+v", shown)
	}
	// Older pages: the cursor the page names, in text and JSON.
	if shown.Earlier != 2 || shown.Older == "" {
		t.Fatalf("space show --json --limit 1: %d earlier, older %q", shown.Earlier, shown.Older)
	}
	hint := "  (2 earlier not shown: 'kith space show " + id + " --before " + shown.Older + "' shows them)\n"
	if out := c.ok(t, "space", "show", id, "--limit", "1"); !strings.Contains(out, "\nmessages (3)\n"+hint) {
		t.Errorf("space show --limit 1 lacks %q:\n%s", hint, out)
	}
	var older spaceJSON
	c.okJSON(t, &older, "space", "show", id, "--limit", "1", "--before", shown.Older)
	if len(older.Messages) != 1 || older.Messages[0].ID != reply || older.Earlier != 1 || older.Older == "" {
		t.Errorf("space show --before: %+v", older)
	}
	if out := minutes.ReplaceAllString(c.ok(t, "space", "show", id, "--limit", "1", "--before", shown.Older), "TIME"); !strings.Contains(out, "\nmessages (1 of the 2 before the page given)\n  (1 earlier not shown: 'kith space show "+id+" --before "+older.Older+"' shows it)\n  "+reply+"  TIME  Ann: I'll bring a basket\n") {
		t.Errorf("space show --before:\n%s", out)
	}
	if r := c.run(t, nil, "space", "show", id, "--before", "nonsense"); r.code != 1 || !strings.Contains(r.stderr, `before: "nonsense" is not a cursor this API gave`) {
		t.Errorf("space show --before nonsense: exit %d, stderr %q", r.code, r.stderr)
	}

	// The same output through a running node's API.
	reads := [][]string{{"space", "list"}, {"space", "show", id}, {"--json", "space", "show", id}, {"space", "post", id, "x", "--reply-to", "ent_bad"}, {"space", "show", entry.ID{1}.String()}}
	direct := a.runs(t, reads)
	serveHome(t, a)
	viaAPI := a.runs(t, reads)
	for i := range reads {
		if viaAPI[i] != direct[i] {
			t.Errorf("kith %s\nthrough the API: %+v\ndirectly: %+v", strings.Join(reads[i], " "), viaAPI[i], direct[i])
		}
	}
	// Changes through the running node's API (the client's methods): a
	// role back, Cyd added again with a role, removed again.
	idLine(t, a, "space", "role", id, "Bea", "member")
	idLine(t, a, "space", "add", id, "Cyd", "--role", "admin")
	var sj spaceJSON
	a.okJSON(t, &sj, "space", "show", id)
	var roles []string
	for _, m := range sj.Members {
		roles = append(roles, m.Name+" "+m.Role)
	}
	if got, want := strings.Join(roles, ", "), "Ann admin, Cyd admin, Bea member"; got != want {
		t.Errorf("members through the API: %q, want %q", got, want)
	}
	idLine(t, a, "space", "remove", id, co.Account)

	// A member's text and name reach the terminal escaped; --json gives
	// them back exactly.
	hostile := idLine(t, b, "space", "post", id, hostilePost)
	syncHomes(t, b, a)
	out = a.ok(t, "space", "show", id)
	if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") || !strings.Contains(out, "  "+hostile+"  ") || !strings.Contains(out, "Bea: "+hostilePostShown+"\n") {
		t.Errorf("space show writes a member's text unescaped:\n%q", out)
	}
	var raw spaceJSON
	a.okJSON(t, &raw, "space", "show", id)
	if last := raw.Messages[len(raw.Messages)-1]; last.ID != hostile || last.Text != hostilePost {
		t.Errorf("space show --json: the last message %+v", last)
	}
	idLine(t, b, "space", "leave", id)
	if r := b.run(t, nil, "space", "leave", id); r.code != 1 || !strings.Contains(r.stderr, "not a member") {
		t.Errorf("leaving twice: exit %d, stderr %q", r.code, r.stderr)
	}
}
