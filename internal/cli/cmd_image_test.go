package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageAlbum(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	dir := t.TempDir()
	plain, withGPS := gpsPNG(t)
	a, b, txt := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png"), filepath.Join(dir, "notes.txt")
	for p, data := range map[string][]byte{a: plain, b: withGPS, txt: []byte("shopping list\n")} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var pub struct {
		ID     string
		Images []string
	}
	e.okJSON(t, &pub, "image", "--title", "Allotment", "--caption", "Beans", "--caption", "", a, b)
	if len(pub.Images) != 2 || pub.ID == "" {
		t.Fatalf("image published %+v", pub)
	}
	out := e.ok(t, "images")
	want := "Allotment, 2 pictures  " + pub.ID + "\n  " + pub.Images[0] + "  Beans\n  " + pub.Images[1] + "\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("images output %q, want it to end with %q", out, want)
	}
	var page struct {
		Albums []struct {
			Title  string
			Mine   bool
			Images []struct{ Blob, Caption string }
		}
	}
	e.okJSON(t, &page, "images")
	if len(page.Albums) != 1 || !page.Albums[0].Mine || page.Albums[0].Images[0].Caption != "Beans" {
		t.Fatalf("images --json %+v", page)
	}
	// The location of b.png was removed before it was stored: the album
	// was accepted. A text file is refused before anything is stored.
	r := e.run(t, nil, "image", a, txt)
	if r.code != 1 || !strings.Contains(r.stderr, "notes.txt") || !strings.Contains(r.stderr, "not an image") {
		t.Errorf("image with a text file: exit %d, stderr %q", r.code, r.stderr)
	}
	r = e.run(t, nil, "image", "--caption", "x", "--caption", "y", a)
	if r.code != 2 || !strings.Contains(r.stderr, "2 captions for 1 pictures") {
		t.Errorf("too many captions: exit %d, stderr %q", r.code, r.stderr)
	}
	e.okJSON(t, &page, "images")
	if len(page.Albums) != 1 {
		t.Fatalf("a refused album was published: %+v", page)
	}
}
