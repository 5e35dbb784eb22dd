package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeLogJSON: with log_format = "json" in config.toml, kith serve
// writes its log as one JSON object a line, and a hub's refusal of a
// heads request over its limit is one of them, with its service, reason,
// peer and detail.
func TestServeLogJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	home := filepath.Join(dir, "hub")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte("log_format = \"json\"\n[hub]\nheads_logs = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startNode(t, "hub", home, "--hub", "--log-level", "info")
	c := startNode(t, "client", filepath.Join(dir, "client"))
	c.kith("peer", "add", h.addr())
	if out, err := c.try("heads", h.Device, h.Device+"/log_a4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaamcxfumm", c.Device+"/log_a4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaamcxfumm"); err == nil {
		t.Fatalf("two logs at a hub that answers one a request: %s", out)
	}
	var refusal map[string]any
	waitFor(t, 20*time.Second, "the refusal in the hub's log", func() bool {
		for _, line := range strings.Split(strings.TrimSpace(h.stderr.String()), "\n") {
			if !strings.HasPrefix(line, "{") {
				continue // the unencrypted keys' warning is not the log's
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q is not JSON: %v", line, err)
			}
			if rec["msg"] == "refused" {
				refusal = rec
				return true
			}
		}
		return false
	})
	if refusal["level"] != "INFO" || refusal["service"] != "heads" || refusal["reason"] != "too_many" || refusal["peer"] != c.Device ||
		refusal["detail"] != "2 logs asked for; this hub answers at most 1 a request: split the list" {
		t.Errorf("refusal logged as %v", refusal)
	}
}
