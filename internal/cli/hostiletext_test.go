package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// hostilePost clears the screen, writes the clipboard (OSC 52), hides the
// text after it, overrides its direction and sends a C1 CSI.
const hostilePost = "hi\x1b[2J\x1b]52;c;cm0gLXJm\x07\x1b[8mX\u202eevil\u009b1m"

// hostilePostShown is how 'kith log' shows it: every control and bidi
// character escaped (issue 11, item 15).
const hostilePostShown = `hi\x1b[2J\x1b]52;c;cm0gLXJm\x07\x1b[8mX\u202eevil\u009b1m`

// TestLogEscapesPeerText: a peer's post carrying terminal escape sequences
// reaches 'kith log' escaped, not as bytes a terminal would act on; --json
// gives the exact text back.
func TestLogEscapesPeerText(t *testing.T) {
	a := newEnv(t)
	aid := initHome(t, a)
	a.ok(t, "post", hostilePost)
	file := filepath.Join(t.TempDir(), "a.kith")
	a.ok(t, "export", "--out", file)
	b := newEnv(t)
	initHome(t, b)
	b.ok(t, "import", file)

	out := b.ok(t, "log", aid.Account)
	if strings.ContainsAny(out, "\x1b\x07\u202e\u009b") {
		t.Errorf("kith log writes raw control or bidi characters: %q", out)
	}
	if !strings.Contains(out, "  "+hostilePostShown+"\n") {
		t.Errorf("kith log = %q\nwant a line ending in %q", out, hostilePostShown)
	}

	js := b.ok(t, "--json", "log", aid.Account)
	if strings.ContainsAny(js, "\x1b\x07\u202e\u009b") {
		t.Errorf("kith --json log writes raw control or bidi characters: %q", js)
	}
	var found bool
	for _, l := range logLines(t, js) {
		if l.Payload["text"] == hostilePost {
			found = true
		}
	}
	if !found {
		t.Errorf("kith --json log does not give the post's exact text: %q", js)
	}
	var shown map[string]any
	id := ""
	for _, l := range logLines(t, js) {
		if *l.Type == "post" {
			id = l.ID
		}
	}
	human := b.ok(t, "show", id)
	if strings.ContainsAny(human, "\x1b\x07\u202e\u009b") {
		t.Errorf("kith show writes raw control or bidi characters: %q", human)
	}
	if err := json.Unmarshal([]byte(human), &shown); err != nil || shown["payload"].(map[string]any)["text"] != hostilePost {
		t.Errorf("kith show: %v, payload %v", err, shown["payload"])
	}
}

// TestVillageEscapesPeerText: a village name and locals' names from a node
// that holds them (an older node's data, which today's decoders refuse)
// reach 'kith village list' and 'kith village show' escaped, and two
// locals whose names look alike are marked.
func TestVillageEscapesPeerText(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	devC := identity.DeviceID{3}.String()
	vil := entry.ID{1, 2, 3}.String()
	name := "\x1b]52;c;cm0gLXJm\x07Our \u202eegalliv\x1b[2J"
	list, _ := json.Marshal(map[string]any{"villages": []any{map[string]any{
		"id": vil, "known": true, "name": name, "founded": true, "role": "local", "mode": "active", "locals": 3}}})
	show, _ := json.Marshal(map[string]any{"id": vil, "name": name, "admit": "majority", "exclude": "majority",
		"founders": []string{devA, devB}, "founded": true, "me": devA,
		"locals": []any{
			map[string]any{"key": devA, "status": "local", "mode": "active", "accepted": true, "name": "Carol"},
			map[string]any{"key": devB, "status": "local", "mode": "active", "accepted": true, "name": "\u0421arol"},
			map[string]any{"key": devC, "status": "local", "mode": "active", "accepted": true, "name": "Dan"},
		}})
	startFakeNode(t, e, map[string]string{
		"GET /api/v1/villages":        string(list),
		"GET /api/v1/villages/" + vil: string(show),
	})
	shown := `\x1b]52;c;cm0gLXJm\x07Our \u202eegalliv\x1b[2J`
	out := e.ok(t, "village", "list")
	if strings.ContainsAny(out, "\x1b\x07\u202e") || !strings.HasSuffix(out, "  "+shown+"\n") {
		t.Errorf("kith village list = %q\nwant a line ending in %q", out, shown)
	}
	out = e.ok(t, "village", "show", vil)
	if strings.ContainsAny(out, "\x1b\x07\u202e") || !strings.HasPrefix(out, shown+"  "+vil+"\n") {
		t.Errorf("kith village show = %q\nwant it to start with %q", out, shown)
	}
	for _, want := range []string{
		devA + "  active   local  \"Carol\" (2 locals named alike) (me)\n",
		devB + "  active   local  \"Сarol\" (2 locals named alike)\n",
		"  active   local  \"Dan\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kith village show = %q\nwant a line with %q", out, want)
		}
	}
	js := e.ok(t, "--json", "village", "list")
	var got struct {
		Villages []struct{ Name string } `json:"villages"`
	}
	if strings.ContainsAny(js, "\x1b\x07\u202e") || json.Unmarshal([]byte(js), &got) != nil || len(got.Villages) != 1 || got.Villages[0].Name != name {
		t.Errorf("kith --json village list = %q, want the exact name %q, escaped", js, name)
	}
}
