package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBlobMaxSizeWithRunningNode: --blob-max-size given to a command that
// goes through a running node's API is refused with a message saying that
// the node keeps the limit it started with and what to do; it used to be
// ignored without a word. Nothing is stored.
func TestBlobMaxSizeWithRunningNode(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	f := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(f, []byte("two thousand bytes would do as well"), 0o644); err != nil {
		t.Fatal(err)
	}
	serveHome(t, e)
	want := "kith: --blob-max-size: a node runs on " + e["KITH_HOME"] + " and keeps the blob size limit it started with; " +
		"to change it, stop the node and start it again with 'kith serve --blob-max-size SIZE' (or KITH_BLOB_MAX_SIZE), or leave the flag out\n"
	for _, args := range [][]string{
		{"blob", "add", f, "--blob-max-size", "10"},
		{"--blob-max-size", "1GiB", "blob", "add", f},
		{"post", "hello", "--blob-max-size", "1KiB"},
		{"status", "--blob-max-size", "1KiB"},
	} {
		if r := e.run(t, nil, args...); r.code != 2 || r.stderr != want {
			t.Errorf("kith %s: exit %d, stderr %q; want 2 and %q", strings.Join(args, " "), r.code, r.stderr, want)
		}
	}
	if out := e.ok(t, "--json", "log"); strings.Contains(out, `"hello"`) {
		t.Errorf("the post was published: %s", out)
	}
	// Without the flag, the command goes through.
	e.ok(t, "blob", "add", f)
}
