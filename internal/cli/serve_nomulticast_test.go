package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/cli"
)

// TestServeWithoutMulticast runs 'kith serve' with mDNS on (the default)
// inside a network namespace whose only interface is loopback: the node
// must run without mDNS and say so, on stderr and in --json's "listening"
// event (before, it exited with "starting mDNS: no supported interface").
func TestServeWithoutMulticast(t *testing.T) {
	const child = "KITH_TEST_NETNS_SERVE"
	if os.Getenv(child) == "" {
		unshare, err := exec.LookPath("unshare")
		if err != nil {
			t.Skipf("skipped: no unshare command to make a network namespace with (util-linux): %v", err)
		}
		if out, err := exec.Command(unshare, "-n", "true").CombinedOutput(); err != nil {
			t.Skipf("skipped: cannot make a network namespace here (needs root or user namespaces): %v: %s", err, out)
		}
		cmd := exec.Command(unshare, "-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`,
			os.Args[0], "-test.run=^TestServeWithoutMulticast$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), child+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("in the namespace:\n%s", out)
		if err != nil || !bytes.Contains(out, []byte("--- PASS: TestServeWithoutMulticast")) {
			t.Fatalf("the test failed inside the namespace: %v", err)
		}
		return
	}
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := cli.Main(ctx, []string{"--json", "serve", "--init", "--no-dht", "--no-nat", "--listen", "/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:0"},
		cli.Env{Stdin: bytes.NewReader(nil), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return e[k] }})
	if code != 0 {
		t.Fatalf("exit %d, stdout %q, stderr %q: want the node to run without mDNS", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "level=WARN msg=\"running without LAN discovery\"") || !strings.Contains(errb.String(), "mDNS is off: no supported interface") {
		t.Errorf("stderr %q: want a warning that mDNS is off", errb.String())
	}
	var listening struct {
		Event    string   `json:"event"`
		Warnings []string `json:"warnings"`
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	if err := json.Unmarshal([]byte(first), &listening); err != nil {
		t.Fatalf("first line %q: %v", first, err)
	}
	if listening.Event != "listening" || len(listening.Warnings) != 1 || !strings.HasPrefix(listening.Warnings[0], "mDNS is off: no supported interface") {
		t.Fatalf("listening event %+v: want one warning that mDNS is off", listening)
	}
}
