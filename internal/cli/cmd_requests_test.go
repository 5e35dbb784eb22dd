package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// kith requests lists the letters collected from the dropboxes, the
// sender's name escaped for the terminal; answer sends the text to the
// API; --json gives the API's answer.
func TestRequestsCommand(t *testing.T) {
	e := newEnv(t)
	id := strings.Repeat("ab", 32)
	list := `{"requests":[{"id":"` + id + `","from":"acc_x","from_name":"Ali\u001b[2Jce","device":"` + devA + `","text":"hello\nsecond line","sent_ms":0,"collected_ms":1,"hub":"` + devB + `","following":false}]}`
	fake := startFakeNode(t, e, map[string]string{
		"GET /api/v1/requests":                  list,
		"POST /api/v1/requests/abababab/answer": `{"conversation":"` + strings.Repeat("cd", 32) + `"}`,
	})
	out := e.ok(t, "requests")
	if want := "abababababab  Ali\\x1b[2Jce (acc_x)  hello …\n"; out != want {
		t.Errorf("requests prints %q, want %q", out, want)
	}
	var got wire.Requests
	e.okJSON(t, &got, "requests", "list")
	if len(got.Requests) != 1 || got.Requests[0].Text != "hello\nsecond line" {
		t.Errorf("requests --json = %+v", got)
	}
	out = e.ok(t, "requests", "answer", "abababab", "welcome")
	if !strings.Contains(out, "answered: conversation "+strings.Repeat("cd", 32)) {
		t.Errorf("answer prints %q", out)
	}
	var req wire.RequestAnswer
	if err := json.Unmarshal([]byte(fake.sent("POST /api/v1/requests/abababab/answer")), &req); err != nil || req.Text != "welcome" {
		t.Errorf("the answer sent %+v (%v)", req, err)
	}
}
