package cli_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/cli"
	"github.com/kithnet/kith/internal/node"
)

// serveHome runs the API over the node of e's home on loopback, as 'kith
// serve' does (the node holds the home's lock, the endpoint file names the
// server), until stop is called.
func serveHome(t *testing.T, e env) (stop func()) {
	t.Helper()
	home := e["KITH_HOME"]
	n, err := node.Open(home, node.Options{Passphrase: []byte(e["KITH_PASSPHRASE"])})
	if err != nil {
		t.Fatal(err)
	}
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(n, api.Options{Token: token}).Handler())
	if err := api.WriteEndpoint(home, api.Endpoint{URL: srv.URL, Token: token, PID: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		srv.Close()
		if err := api.RemoveEndpoint(home); err != nil {
			t.Error(err)
		}
		if err := n.Close(); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// runs runs each command line and returns the results, in order.
func (e env) runs(t *testing.T, cmds [][]string) []result {
	t.Helper()
	out := make([]result, len(cmds))
	for i, args := range cmds {
		out[i] = e.run(t, nil, args...)
	}
	return out
}

// TestThroughAPI runs the commands on a home directly and then, while a
// node runs on it, through its API: the outputs (stdout, stderr, exit
// code) must be the same, and the commands must work although the running
// node holds the home's lock.
func TestThroughAPI(t *testing.T) {
	e := newEnv(t)
	me := initHome(t, e)
	other := initHome(t, newEnv(t))
	dir := t.TempDir()
	_, withGPS := gpsPNG(t)
	photo := filepath.Join(dir, "photo.png")
	if err := os.WriteFile(photo, withGPS, 0o644); err != nil {
		t.Fatal(err)
	}
	post := strings.TrimSpace(e.ok(t, "post", "hello, kith"))
	var withImage struct {
		ID     string   `json:"id"`
		Images []string `json:"images"`
	}
	e.okJSON(t, &withImage, "post", "look", "--image", photo, "--reply-to", post)
	e.ok(t, "profile", "set", "--name", "Ada", "--about", "counts things")
	e.ok(t, "follow", other.Account)
	e.ok(t, "post", strings.Repeat("é", 40)) // a long summary, cut in the human log
	absentBlob := blob.Sum([]byte("absent")).String()
	out := filepath.Join(dir, "blob.out")

	reads := [][]string{
		{"id"}, {"--json", "id"},
		{"log"}, {"--json", "log"}, {"log", me.Device}, {"--json", "log", me.Account}, {"log", strings.ToUpper(me.Device)},
		{"show", post}, {"--json", "show", post}, {"show", "--raw", post}, {"--json", "show", "--raw", withImage.ID},
		{"device", "list"}, {"--json", "device", "list"},
		{"blob", "get", withImage.Images[0]},
		{"--json", "blob", "get", withImage.Images[0], "--out", out},
		{"timeline"}, {"--json", "timeline"}, {"timeline", "--limit", "1"}, {"thread", withImage.ID}, {"--json", "thread", post},
		{"following"}, {"--json", "followers"}, {"profile", "show"}, {"--json", "profile", "show", other.Account},
		// Failures print the same too.
		{"log", other.Account}, {"--json", "log", other.Device},
		{"show", strings.Replace(post, post[4:8], "aaaa", 1)},
		{"blob", "get", absentBlob, "--out", out},
		{"device", "revoke", me.Device},
		{"device", "revoke", other.Device},
		{"delete", other.Account},
		{"log", post},
		{"thread", strings.Replace(post, post[4:8], "aaaa", 1)},
	}
	direct := e.runs(t, reads)
	for i, r := range direct {
		if r.stdout == "" && r.stderr == "" {
			t.Fatalf("kith %s printed nothing", strings.Join(reads[i], " "))
		}
	}

	stop := serveHome(t, e)
	viaAPI := e.runs(t, reads)
	for i := range reads {
		if viaAPI[i] != direct[i] {
			t.Errorf("kith %s\nthrough the API: exit %d\nstdout %q\nstderr %q\ndirectly: exit %d\nstdout %q\nstderr %q",
				strings.Join(reads[i], " "), viaAPI[i].code, viaAPI[i].stdout, viaAPI[i].stderr, direct[i].code, direct[i].stdout, direct[i].stderr)
		}
	}

	// Writes go through the API too, while the node holds the lock.
	var p struct {
		ID      string   `json:"id"`
		Seq     uint64   `json:"seq"`
		Images  []string `json:"images"`
		Removed []string `json:"location_removed_from"`
	}
	e.okJSON(t, &p, "post", "via the API", "--image", photo)
	if p.Seq != 6 || len(p.Images) != 1 || p.Images[0] != withImage.Images[0] || len(p.Removed) != 1 || p.Removed[0] != photo {
		t.Errorf("post through the API = %+v", p)
	}
	if r := e.run(t, nil, "post", "again", "--image", photo); r.code != 0 || r.stderr != "removed location metadata from "+photo+"\n" {
		t.Errorf("post --image through the API: exit %d, stderr %q", r.code, r.stderr)
	}
	var prof map[string]any
	e.okJSON(t, &prof, "profile", "set", "--about", "via API", "--image", photo)
	if prof["name"] != "Ada" || prof["about"] != "via API" || prof["image"] != withImage.Images[0] || len(prof) != 4 {
		t.Errorf("profile set through the API = %v", prof)
	}
	var del map[string]any
	e.okJSON(t, &del, "delete", post)
	if del["deleted"] != post || len(del) != 2 {
		t.Errorf("delete through the API = %v", del)
	}
	for _, cmd := range []string{"unfollow", "block", "unblock"} {
		var o map[string]any
		e.okJSON(t, &o, cmd, other.Account)
		if o["account"] != other.Account || o[cmd] != true || len(o) != 3 {
			t.Errorf("%s through the API = %v", cmd, o)
		}
	}
	var added map[string]any
	e.okJSON(t, &added, "blob", "add", "--publish", photo)
	if added["id"] != withImage.Images[0] || added["location_removed"] != true || len(added) != 3 {
		t.Errorf("blob add --publish through the API = %v", added)
	}
	if r := e.run(t, nil, "blob", "add", "--publish", photo); r.code != 0 || r.stderr != "removed location metadata\n" || r.stdout != withImage.Images[0]+"\n" {
		t.Errorf("blob add --publish through the API: %+v", r)
	}
	bundle := filepath.Join(dir, "a.kithbundle")
	var ex map[string]any
	e.okJSON(t, &ex, "export", "--out", bundle)
	if ex["entries"] != float64(13) || ex["logs"] != float64(2) || ex["blobs"] != float64(1) || ex["out"] != bundle {
		t.Errorf("export through the API = %v", ex)
	}
	if fi, err := os.Stat(bundle); err != nil || ex["bytes"] != float64(fi.Size()) || fi.Mode().Perm() != 0o600 {
		t.Errorf("exported bundle: %v, size vs %v", err, ex["bytes"])
	}
	if r := e.run(t, nil, "export"); r.code != 0 || !strings.HasPrefix(r.stdout, "KITHBNDL") || !strings.Contains(r.stderr, "exported 13 entries from 2 logs and 1 blobs") {
		t.Errorf("export to stdout through the API: exit %d, stderr %q", r.code, r.stderr)
	}
	logBefore := e.ok(t, "--json", "log")
	if n := strings.Count(logBefore, "\n"); n != 13 {
		t.Errorf("log through the API has %d lines, want 13", n)
	}
	// init refuses a home a node runs on.
	if r := e.run(t, nil, "init"); r.code != 1 || !strings.Contains(r.stderr, "a node is running on "+e["KITH_HOME"]) {
		t.Errorf("init under a running node: exit %d, stderr %q", r.code, r.stderr)
	}

	// Stopped, the commands open the home again and see the same.
	stop()
	if got := e.ok(t, "--json", "log"); got != logBefore {
		t.Errorf("log after the node stopped:\n%s\nwant what the API showed:\n%s", got, logBefore)
	}
	// A stale endpoint file (a node that crashed) does not stand in the way.
	if err := api.WriteEndpoint(e["KITH_HOME"], api.Endpoint{URL: "http://127.0.0.1:9", Token: "stale", PID: 1}); err != nil {
		t.Fatal(err)
	}
	if got := e.ok(t, "--json", "log"); got != logBefore {
		t.Errorf("log with a stale endpoint file differs")
	}
}

// TestImportThroughAPI checks that an import prints the same progress
// lines and result through the API as directly.
func TestImportThroughAPI(t *testing.T) {
	defer cli.SetProgressEvery(0)()
	a := newEnv(t)
	initHome(t, a)
	for _, text := range []string{"one", "two", "three"} {
		a.ok(t, "post", text)
	}
	bundle := filepath.Join(t.TempDir(), "a.kithbundle")
	a.ok(t, "export", "--out", bundle)
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.kithbundle")
	if err := os.WriteFile(cut, data[:len(data)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"import", bundle}, {"import", cut}, {"--json", "import", cut}} {
		d := newEnv(t)
		initHome(t, d)
		direct := d.run(t, nil, args...)
		v := newEnv(t)
		initHome(t, v)
		serveHome(t, v)
		viaAPI := v.run(t, nil, args...)
		if args[0] == "--json" {
			// Only the seconds differ.
			direct.stdout, viaAPI.stdout = withoutSeconds(t, direct.stdout), withoutSeconds(t, viaAPI.stdout)
		}
		if viaAPI != direct {
			t.Errorf("kith %s\nthrough the API: %+v\ndirectly:        %+v", strings.Join(args, " "), viaAPI, direct)
		}
		if args[0] == "import" && !strings.HasPrefix(direct.stderr, "imported 4 new, 0 known, 0 rejected (0.0 MB read)\n") {
			t.Errorf("kith %s: stderr %q, want a progress line", strings.Join(args, " "), direct.stderr)
		}
	}
	// From stdin.
	v := newEnv(t)
	initHome(t, v)
	serveHome(t, v)
	if r := v.run(t, data, "import", "-"); r.code != 0 || !strings.Contains(r.stdout, "entries: 4 new, 0 already known, 0 rejected") {
		t.Errorf("import - through the API: %+v", r)
	}
}

func withoutSeconds(t *testing.T, s string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v in %q", err, s)
	}
	if _, ok := m["seconds"].(float64); !ok {
		t.Fatalf("no seconds in %q", s)
	}
	delete(m, "seconds")
	b, _ := json.Marshal(m)
	return string(b)
}
