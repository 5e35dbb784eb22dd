package cli_test

import (
	"encoding/json"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// kith online shows who is online at which hub, by name, and the
// messages that came; kith signal sends one and says which hub handed it
// on; --json gives the API's answers.
func TestOnlineCommand(t *testing.T) {
	e := newEnv(t)
	online := `{"hubs":[{"device":"` + devA + `","name":"Village hub","session":3}],
		"online":[{"device":"` + devB + `","device_name":"laptop","account":"acc_b","name":"Bea","hubs":[{"device":"` + devA + `","name":"Village hub"}],"heads":[{"log":"log_a","seq":4,"id":"ent_x"}]}],
		"signals":[{"from":"` + devB + `","from_name":"Bea","from_account":"acc_b","hub":"` + devA + `","text":"on my way","received":"2026-12-07T10:04:00Z"}]}`
	fake := startFakeNode(t, e, map[string]string{
		"GET /api/v1/online":   online,
		"POST /api/v1/signals": `{"hub":{"device":"` + devA + `","name":"Village hub"}}`,
	})
	out := e.ok(t, "online")
	var o wire.Online
	_ = json.Unmarshal([]byte(online), &o)
	want := "this node is online at Village hub (" + devA + ")\n" +
		"● Bea (laptop)  " + devB + "  online via Village hub (" + devA + ")\n" +
		"message from Bea (" + devB + ") at " + o.Signals[0].Received.Local().Format("15:04") + ": on my way\n"
	if out != want {
		t.Errorf("online prints:\n%s\nwant:\n%s", out, want)
	}
	var got wire.Online
	e.okJSON(t, &got, "online")
	if len(got.Online) != 1 || got.Online[0].Heads[0].Seq != 4 || got.Hubs[0].Session != 3 {
		t.Errorf("online --json = %+v", got)
	}
	if out := e.ok(t, "signal", devB, "are", "you", "in?"); out != "handed on by Village hub ("+devA+")\n" {
		t.Errorf("signal prints %q", out)
	}
	var req wire.SendSignalRequest
	if err := json.Unmarshal([]byte(fake.sent("POST /api/v1/signals")), &req); err != nil || req.To != devB || req.Text != "are you in?" {
		t.Errorf("the request was %+v (%v)", req, err)
	}
}
