package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShareFilesFetch: a directory shared as a collection lists and
// fetches back, in part, byte for byte; names that could leave their
// directory are refused, and a fetch never overwrites a file.
func TestShareFilesFetch(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	src := filepath.Join(t.TempDir(), "garden")
	plain, withGPS := gpsPNG(t)
	files := map[string][]byte{
		"notes.txt":            []byte("plant beans in May\n"),
		"photos/beans.png":     withGPS,
		"photos/shed.png":      plain,
		"photos/old/a.txt":     []byte("a"),
		"empty/.keep":          nil,
		"r\u00e9sum\u00e9.txt": []byte("caf\u00e9"),
	}
	for p, data := range files {
		full := filepath.Join(src, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var shared struct {
		ID              string
		Files, Size     uint64
		LocationRemoved int `json:"location_removed"`
	}
	e.okJSON(t, &shared, "share", src)
	if shared.Files != 6 || shared.LocationRemoved != 1 {
		t.Fatalf("share: %+v", shared)
	}
	out := e.ok(t, "files", shared.ID, "photos")
	if !strings.HasPrefix(out, "garden/photos\n") || !strings.Contains(out, "old/") || !strings.Contains(out, "shed.png") {
		t.Errorf("files photos: %q", out)
	}
	dst := filepath.Join(t.TempDir(), "got")
	e.ok(t, "fetch", "--out", dst, shared.ID, "photos/old")
	if b, err := os.ReadFile(filepath.Join(dst, "a.txt")); err != nil || string(b) != "a" {
		t.Fatalf("fetched a.txt: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "notes.txt")); !os.IsNotExist(err) {
		t.Fatalf("fetching photos/old also wrote notes.txt: %v", err)
	}
	all := filepath.Join(t.TempDir(), "all")
	e.ok(t, "fetch", "--out", all, shared.ID)
	for p, data := range files {
		if p == "photos/beans.png" {
			continue // its location was removed
		}
		b, err := os.ReadFile(filepath.Join(all, filepath.FromSlash(p)))
		if err != nil || string(b) != string(data) {
			t.Errorf("fetched %s: %q, %v", p, b, err)
		}
	}
	r := e.run(t, nil, "fetch", "--out", all, shared.ID, "notes.txt")
	if r.code != 1 || !strings.Contains(r.stderr, "file exists") {
		t.Errorf("fetch over an existing file: exit %d, stderr %q", r.code, r.stderr)
	}
	r = e.run(t, nil, "fetch", shared.ID, "../../etc/passwd")
	if r.code != 2 || !strings.Contains(r.stderr, "would leave the directory") {
		t.Errorf("fetch ../..: exit %d, stderr %q", r.code, r.stderr)
	}
	r = e.run(t, nil, "files", shared.ID, "nope")
	if r.code != 1 || !strings.Contains(r.stderr, `no "nope" in "/"`) {
		t.Errorf("files nope: exit %d, stderr %q", r.code, r.stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "a\nb"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = e.run(t, nil, "share", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "holds U+000A") || !strings.Contains(r.stderr, "rename it") {
		t.Errorf("share a name with a newline: exit %d, stderr %q", r.code, r.stderr)
	}
}
