package cli_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
)

func TestUIWithoutNode(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	r := e.run(t, nil, "ui")
	if r.code != 1 || !strings.Contains(r.stderr, "no node is running") || !strings.Contains(r.stderr, "kith serve") {
		t.Errorf("kith ui without a node: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestUIPrintsLink(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	serveHome(t, e)
	ep := readEndpoint(t, e["KITH_HOME"])
	want := ep.URL + "/login?token=" + ep.Token
	if out := e.ok(t, "ui"); out != "Web UI   "+want+"\n" {
		t.Errorf("kith ui printed %q, want the link %s", out, want)
	}
	var j struct {
		Web string `json:"web"`
	}
	e.okJSON(t, &j, "ui")
	if j.Web != want {
		t.Errorf("kith ui --json: %q, want %q", j.Web, want)
	}
}

// TestSetupModeCommands: while a node runs in setup mode, commands say
// how to create the account.
func TestSetupModeCommands(t *testing.T) {
	e := newEnv(t)
	home := e["KITH_HOME"]
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	a := api.NewSetup(api.SetupOptions{Options: api.Options{Token: token}, Home: home})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	if err := api.WriteEndpoint(home, api.Endpoint{URL: srv.URL, Token: token, PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	defer api.RemoveEndpoint(home)
	for _, args := range [][]string{{"id"}, {"post", "hello"}, {"status"}} {
		r := e.run(t, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "this node has no account yet: open the Web UI link") || !strings.Contains(r.stderr, "kith init") {
			t.Errorf("kith %v in setup mode: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	// kith ui works in setup mode: it is how the account gets made.
	if out := e.ok(t, "ui"); !strings.Contains(out, "/login?token="+token) {
		t.Errorf("kith ui: %q", out)
	}
}

func readEndpoint(t *testing.T, home string) api.Endpoint {
	t.Helper()
	b, err := os.ReadFile(home + "/api.json")
	if err != nil {
		t.Fatal(err)
	}
	var ep api.Endpoint
	if err := json.Unmarshal(b, &ep); err != nil {
		t.Fatal(err)
	}
	return ep
}

func TestInitWhileSetupModeNodeRuns(t *testing.T) {
	e := newEnv(t)
	home := e["KITH_HOME"]
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewSetup(api.SetupOptions{Options: api.Options{Token: token}, Home: home}).Handler())
	defer srv.Close()
	if err := api.WriteEndpoint(home, api.Endpoint{URL: srv.URL, Token: token, PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	defer api.RemoveEndpoint(home)
	r := e.run(t, nil, "init")
	if r.code != 1 || !strings.Contains(r.stderr, "in setup mode") || !strings.Contains(r.stderr, "kith ui") {
		t.Errorf("kith init beside a setup-mode node: code %d, stderr %q", r.code, r.stderr)
	}
}
