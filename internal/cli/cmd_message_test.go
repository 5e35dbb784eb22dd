package cli_test

import (
	"encoding/json"
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

// After Bea revokes her phone, Ann's next message renews the
// conversation's key: 'kith message show' says so with names, and on the
// phone says that it was not given the new key (messages.md §11).
func TestMessageShowRenewal(t *testing.T) {
	a, b1, b2 := newEnv(t), newEnv(t), newEnv(t)
	var ao, bo, po initOut
	a.okJSON(t, &ao, "init", "--name", "desk")
	b1.okJSON(t, &bo, "init", "--name", "laptop")
	if r := b2.run(t, []byte(bo.RecoveryPhrase+"\n"), "--json", "init", "--restore", "--name", "phone"); r.code != 0 {
		t.Fatalf("restore: %s", r.stderr)
	} else if err := json.Unmarshal([]byte(r.stdout), &po); err != nil {
		t.Fatal(err)
	}
	a.ok(t, "profile", "set", "--name", "Ann")
	b1.ok(t, "profile", "set", "--name", "Bea")
	a.ok(t, "follow", bo.Account)
	b1.ok(t, "follow", ao.Account)
	for _, e := range []env{a, b1, b2} {
		e.ok(t, "message", "list") // publishes the device's encryption key
	}
	all := func() {
		for _, from := range []env{a, b1, b2} {
			for _, to := range []env{a, b1, b2} {
				if from["KITH_HOME"] != to["KITH_HOME"] {
					syncHomes(t, from, to)
				}
			}
		}
	}
	all()
	conv := strings.TrimSpace(a.ok(t, "message", "send", "--to", "Bea", "tea?"))
	all()
	for _, e := range []env{b1, b2} {
		e.ok(t, "message", "list")
	}
	b1.ok(t, "device", "revoke", po.Device)
	all()
	a.ok(t, "message", "reply", conv, "after the phone")
	all()
	show := b1.ok(t, "message", "show", conv)
	if want := "key renewed by Ann (desk): phone was revoked (messages are sealed under it now)\n"; !strings.Contains(show, want) || !strings.Contains(show, "after the phone") {
		t.Fatalf("the laptop's show lacks %q:\n%s", want, show)
	}
	var v wire.Conversation
	b1.okJSON(t, &v, "message", "show", conv)
	if len(v.Renewals) != 1 || v.Renewals[0].By.Name != "Ann" || v.Renewals[0].Device != "desk" || !v.Renewals[0].Given ||
		!v.Renewals[0].Current || len(v.Renewals[0].Revoked) != 1 || v.Renewals[0].Revoked[0] != "phone" {
		t.Fatalf("--json renewals %+v", v.Renewals)
	}
	show = b2.ok(t, "message", "show", conv)
	for _, want := range []string{"key renewed by Ann (desk) after a device was revoked; this device was not given the new key", "not-decrypted (sealed under a renewed key this device was not given", "\n  tea?\n"} {
		if !strings.Contains(show, want) {
			t.Fatalf("the phone's show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "after the phone") {
		t.Fatalf("the revoked phone reads what was sealed after:\n%s", show)
	}
}
