package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func TestMessageCommands(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	ao, bo := initHome(t, a), initHome(t, b)
	a.ok(t, "profile", "set", "--name", "Ann")
	b.ok(t, "profile", "set", "--name", "Bea")
	if out := b.ok(t, "message", "list"); out != "no conversations; start one with 'kith message send --to NAME TEXT'\n" {
		t.Fatalf("empty list: %q", out)
	}
	a.ok(t, "follow", bo.Account)
	b.ok(t, "follow", ao.Account)
	syncHomes(t, a, b)
	syncHomes(t, b, a)
	if r := a.run(t, nil, "message", "send", "tea?"); r.code != 2 || !strings.Contains(r.stderr, "--to: name at least one person") {
		t.Fatalf("send without --to: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := a.run(t, nil, "message", "send", "--to", "Cleo", "tea?"); r.code != 1 || !strings.Contains(r.stderr, `no one you follow is named "Cleo"`) {
		t.Fatalf("send to an unknown name: exit %d, stderr %q", r.code, r.stderr)
	}
	conv := strings.TrimSpace(a.ok(t, "message", "send", "--to", "Bea", "tea", "at", "five?"))
	if len(conv) != 64 {
		t.Fatalf("send printed %q", conv)
	}
	syncHomes(t, a, b)
	list := b.ok(t, "message", "list")
	if !strings.HasPrefix(list, conv[:12]+"  🔒 ") || !strings.Contains(list, "  1 message  Ann: tea at five?\n") ||
		!strings.Contains(list, "Ann") || !strings.Contains(list, "Bea") {
		t.Fatalf("b's list: %q", list)
	}
	show := b.ok(t, "message", "show", conv[:8])
	for _, want := range []string{"conversation " + conv + "\n", "🔒 sealed: who can read this: ", "Ann  ", "\n  tea at five?\n"} {
		if !strings.Contains(show, want) {
			t.Fatalf("b's show lacks %q:\n%s", want, show)
		}
	}
	rid := idLine(t, b, "message", "reply", conv[:8], "yes,", "with", "cake")
	syncHomes(t, b, a)
	var v wire.Conversation
	a.okJSON(t, &v, "message", "show", conv)
	if len(v.Thread) != 2 || v.Thread[1].ID != rid || v.Thread[1].Text != "yes, with cake" || v.Thread[1].Author.Name != "Bea" ||
		v.Thread[1].Parent != v.Thread[0].ID || !v.Verified || len(v.Participants) != 2 {
		t.Fatalf("a reads %+v", v)
	}
	show = a.ok(t, "message", "show", conv)
	if !strings.Contains(show, "\n  Bea  ") || !strings.Contains(show, "\n    yes, with cake\n") {
		t.Fatalf("a's show, the reply indented under the start:\n%s", show)
	}
	// A page of the last message, then the one before it.
	var last wire.Conversation
	a.okJSON(t, &last, "message", "show", conv, "--limit", "1")
	if len(last.Thread) != 1 || last.Thread[0].ID != rid || last.Earlier != 1 || last.Older != v.Thread[1].ID {
		t.Fatalf("show --limit 1: %+v", last)
	}
	hint := "(1 earlier message not shown: 'kith message show " + conv + " --before " + last.Older + "' shows it)\n"
	if show := a.ok(t, "message", "show", conv, "--limit", "1"); !strings.Contains(show, hint) || strings.Contains(show, "tea at five?") {
		t.Fatalf("show --limit 1 lacks %q or shows more:\n%s", hint, show)
	}
	var before wire.Conversation
	a.okJSON(t, &before, "message", "show", conv, "--limit", "1", "--before", last.Older)
	if len(before.Thread) != 1 || before.Thread[0].Text != "tea at five?" || before.Earlier != 0 || before.Older != "" {
		t.Fatalf("show --before: %+v", before)
	}
	if r := a.run(t, nil, "message", "show", conv, "--limit", "0"); r.code != 2 || !strings.Contains(r.stderr, "--limit: \"0\" is not a number from 1 to 1000") {
		t.Fatalf("show --limit 0: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := a.run(t, nil, "message", "show", "zz"); r.code != 2 || !strings.Contains(r.stderr, "is not a conversation id") {
		t.Fatalf("show zz: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := a.run(t, nil, "message", "show", "abcdef"); r.code != 1 || !strings.Contains(r.stderr, "no conversation here starts with abcdef") {
		t.Fatalf("show of an unknown prefix: exit %d, stderr %q", r.code, r.stderr)
	}
}
