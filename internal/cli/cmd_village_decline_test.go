package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestVillageDecline: a co-founder declines a founding it does not want:
// the founder's found log (one entry) is dropped, the village is no longer
// listed, and declining again, or declining the founder's own village, is
// refused with a reason.
func TestVillageDecline(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	initHome(t, a)
	bo := initHome(t, b)
	id := strings.TrimSpace(a.ok(t, "village", "found", "Junk", "--with", bo.Account))
	syncHomes(t, a, b)
	if out := b.ok(t, "village", "decline", id); out != "Declined "+id+"; its founder's found log (1 entry) was dropped from this node.\n" {
		t.Errorf("village decline prints %q", out)
	}
	var l wire.VillageList
	b.okJSON(t, &l, "village", "list")
	if len(l.Villages) != 0 {
		t.Errorf("after declining, b lists %+v", l.Villages)
	}
	if r := b.run(t, nil, "village", "decline", id); r.code != 1 || !strings.Contains(r.stderr, "no such village") {
		t.Errorf("declining twice: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := a.run(t, nil, "village", "decline", id); r.code != 1 || !strings.Contains(r.stderr, "a device of your account founded the village") {
		t.Errorf("the founder declining: exit %d, stderr %q", r.code, r.stderr)
	}
	var d wire.VillageDeclined
	id2 := strings.TrimSpace(a.ok(t, "village", "found", "Junk again", "--with", bo.Account))
	syncHomes(t, a, b)
	b.okJSON(t, &d, "village", "decline", id2)
	if d.Village != id2 || !d.Dropped || d.Entries != 2 {
		t.Errorf("village decline --json = %+v, want the found log's 2 entries dropped", d)
	}
}

// TestVillageDeclineInvitation: an invitee declines an invitation it has
// not joined: every village log it holds of the village is dropped, the
// village is no longer listed, and it says so.
func TestVillageDeclineInvitation(t *testing.T) {
	a, b, c := newEnv(t), newEnv(t), newEnv(t)
	initHome(t, a)
	bo, co := initHome(t, b), initHome(t, c)
	id := strings.TrimSpace(a.ok(t, "village", "found", "Elm street", "--with", bo.Account))
	syncHomes(t, a, b)
	b.ok(t, "village", "accept", id)
	syncHomes(t, b, a)
	a.ok(t, "village", "invite", id, co.Account)
	syncHomes(t, a, c)
	syncHomes(t, b, c)
	var l wire.VillageList
	c.okJSON(t, &l, "village", "list")
	if len(l.Villages) != 1 || l.Villages[0].Role != "invitee" {
		t.Fatalf("c's villages before declining: %+v", l.Villages)
	}
	var d wire.VillageDeclined
	c.okJSON(t, &d, "village", "decline", id)
	if d.Village != id || !d.Invitation || !d.Dropped || d.Entries != 2 {
		t.Errorf("village decline --json = %+v, want the 2 village entries held (a's invite, b's accept) dropped", d)
	}
	c.okJSON(t, &l, "village", "list")
	if len(l.Villages) != 0 {
		t.Errorf("after declining, c lists %+v", l.Villages)
	}
}
