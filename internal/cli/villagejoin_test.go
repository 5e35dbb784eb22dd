package cli_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestVillageJoinBeforeAdmitted: an invitee that joins before enough
// locals invited it is told so by 'village join', and 'village show'
// lists it, on its side and on a local's, with how many more invitations
// it waits for.
func TestVillageJoinBeforeAdmitted(t *testing.T) {
	v := foundVillage(t)
	c := newEnv(t)
	co := initHome(t, c)
	idLine(t, v.a, "village", "invite", v.id, co.Account)
	syncHomes(t, v.a, c)
	r := c.run(t, nil, "village", "join", v.id)
	id := strings.TrimSpace(r.stdout)
	wantErr := "you joined; you become a local once 1 more local invites you (admit by majority): ask them to run 'kith village invite " + v.id + " " + co.Account + "'\n"
	if r.code != 0 || r.stdout != id+"\n" || !strings.HasPrefix(id, "ent_") || r.stderr != wantErr {
		t.Errorf("village join: exit %d, stdout %q, stderr %q; want an entry id and %q", r.code, r.stdout, r.stderr, wantErr)
	}
	want := "pending invitations (1)\n  " + co.Account + "  invited by " + v.ao.Account + "; joined, waiting for 1 more local to invite it (admit by majority)"
	if out := c.ok(t, "village", "show", v.id); !strings.Contains(out, want+" (me)\n") {
		t.Errorf("the invitee's village show lacks %q:\n%s", want+" (me)", out)
	}
	syncHomes(t, c, v.a)
	if out := v.a.ok(t, "village", "show", v.id); !strings.Contains(out, want+"\n") {
		t.Errorf("a local's village show lacks %q:\n%s", want, out)
	}
	var got wire.Village
	v.a.okJSON(t, &got, "village", "show", v.id)
	if len(got.Invitations) != 1 || got.Invitations[0].Needed != 1 || !got.Invitations[0].Joined {
		t.Errorf("village show --json invitations %+v, want one joined with 1 needed", got.Invitations)
	}
	// b's invitation admits it: it is a local.
	syncHomes(t, v.a, v.b)
	idLine(t, v.b, "village", "invite", v.id, co.Account)
	syncHomes(t, v.b, c)
	if out := c.ok(t, "village", "show", v.id); !strings.Contains(out, "pending invitations (0)\n") || !strings.Contains(out, "  "+co.Account+"  active   local  (me)\n") {
		t.Errorf("after b's invitation, the invitee's village show:\n%s", out)
	}
}
