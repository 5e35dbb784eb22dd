package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBinary runs the real kith binary as a process on a home of its own
// (KITH_HOME): init, post and log --json, an unknown command and a home
// without an account, with their exit codes and messages. (It was
// internal/cli's, which built the binary for it alone; the package's
// TestMain builds it for every test here.)
func TestBinary(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	environ := []string{"KITH_HOME=" + home, "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(kithBin, args...)
		cmd.Env = environ
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("run %v: %v", args, err)
		}
		return code, out.String(), errb.String()
	}

	code, out, stderr := run("init", "--name", "ci")
	if code != 0 || !strings.HasPrefix(out, "Created account acc_") {
		t.Fatalf("kith init: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if fi, err := os.Stat(filepath.Join(home, "keys", "device.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("device key: %v", err)
	}
	code, out, stderr = run("post", "from a real process")
	id := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(id, "ent_") || stderr != "" {
		t.Fatalf("kith post: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, out, stderr = run("log", "--json")
	if code != 0 {
		t.Fatalf("kith log --json: exit %d, stderr %q", code, stderr)
	}
	lines := binaryLogLines(t, out)
	if len(lines) != 2 {
		t.Fatalf("log has %d lines, want 2: %q", len(lines), out)
	}
	found := false
	for _, l := range lines {
		if l.ID == id {
			found = true
			if *l.Type != "post" || l.Payload["text"] != "from a real process" || l.Seq != 1 {
				t.Errorf("post line = %+v", l)
			}
		}
	}
	if !found {
		t.Errorf("log does not list %s: %q", id, out)
	}
	code, _, stderr = run("frobnicate")
	if code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("kith frobnicate: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run("--home", t.TempDir(), "log")
	if code != 1 || !strings.Contains(stderr, "kith init") {
		t.Errorf("kith log on an empty home: exit %d, stderr %q", code, stderr)
	}
}

// binaryLogLine is what TestBinary reads of a line of 'kith log --json'.
type binaryLogLine struct {
	ID      string         `json:"id"`
	Seq     uint64         `json:"seq"`
	Type    *string        `json:"type"`
	Payload map[string]any `json:"payload"`
}

// binaryLogLines decodes the lines of 'kith log --json', each with every
// field of an entry's line (internal/cli's logLines checks the same).
func binaryLogLines(t *testing.T, out string) []binaryLogLine {
	t.Helper()
	var res []binaryLogLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &fields); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		for _, f := range []string{"id", "author", "log_id", "seq", "backlink", "timestamp", "type", "payload"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("log line lacks %q: %s", f, sc.Text())
			}
		}
		var e binaryLogLine
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Type == nil {
			t.Fatalf("log line without type: %s", sc.Text())
		}
		res = append(res, e)
	}
	return res
}
