package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostRefusesNonImagesAndEmptyPosts: 'kith post --image' of a text
// file, 'kith profile set --image' of one, and an empty post are refused
// with a message that says what to do, directly and through a running
// node's API, and nothing is published.
func TestPostRefusesNonImagesAndEmptyPosts(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("bread, eggs, milk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(logLines(t, e.ok(t, "--json", "log")))
	check := func(t *testing.T) {
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"post", "look", "--image", notes}, "kith: image " + notes + ": not an image kith can show: it is text; use a JPEG, PNG, GIF or WebP picture\n"},
			{[]string{"profile", "set", "--image", notes}, "kith: image " + notes + ": not an image kith can show: it is text; use a JPEG, PNG, GIF or WebP picture\n"},
			{[]string{"post", ""}, "kith: nothing to post: write a text or attach an image\n"},
			{[]string{"post", "  "}, "kith: nothing to post: write a text or attach an image\n"},
		} {
			if r := e.run(t, nil, c.args...); r.code != 1 || r.stderr != c.want {
				t.Errorf("kith %s: exit %d, stderr %q, want 1 and %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
			}
		}
		if l := logLines(t, e.ok(t, "--json", "log")); len(l) != before {
			t.Errorf("%d entries, want the %d there were before", len(l), before)
		}
	}
	t.Run("direct", check)
	stop := serveHome(t, e)
	defer stop()
	t.Run("through the API", check)
}
