package cli_test

import (
	"encoding/json"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// kith heads asks the node's API for a hub's heads and prints the logs
// this node is behind on first; --json gives the API's answer.
func TestHeadsCommand(t *testing.T) {
	e := newEnv(t)
	answer := `{"hub":"` + devA + `","behind":1,"heads":[
		{"author":"` + devB + `","log":"log_a","hub_seq":0,"seq":2,"behind":false},
		{"author":"` + devA + `","log":"log_b","hub_seq":12,"hub_id":"ent_x","seq":3,"behind":true,"forked":true},
		{"author":"` + devA + `","log":"log_c","hub_seq":5,"hub_id":"ent_y","seq":5,"behind":false}]}`
	fake := startFakeNode(t, e, map[string]string{"POST /api/v1/hub/heads": answer})
	out := e.ok(t, "heads", devA, devA+"/log_b")
	want := devA + "/log_b  behind: the hub holds up to 12, this node 3 (forked)\n" +
		devB + "/log_a  the hub holds none of it; this node holds up to 2\n" +
		devA + "/log_c  up to date\n" +
		"behind on 1 of 3 logs at hub " + devA + "\n"
	if out != want {
		t.Errorf("heads prints:\n%s\nwant:\n%s", out, want)
	}
	var req wire.HubHeadsRequest
	if err := json.Unmarshal([]byte(fake.sent("POST /api/v1/hub/heads")), &req); err != nil || req.Hub != devA || len(req.Logs) != 1 || req.Logs[0] != devA+"/log_b" {
		t.Errorf("the request was %+v (%v)", req, err)
	}
	var got wire.HubHeads
	e.okJSON(t, &got, "heads", devA)
	if got.Behind != 1 || len(got.Heads) != 3 || got.Heads[1].HubSeq != 12 {
		t.Errorf("heads --json = %+v", got)
	}
}
