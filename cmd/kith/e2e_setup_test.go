package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestSetupModeMultiProcess: 'kith serve' on an empty home starts in
// setup mode; the account is created over HTTP as the web UI does it; the
// CLI then sees it and the node's network runs.
func TestSetupModeMultiProcess(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	p := &proc{t: t, name: "setup", home: home, noInit: true}
	p.start()
	t.Cleanup(p.stop)
	if !p.Setup || p.Account != "" || !strings.HasPrefix(p.Web, p.API+"/login?token=") {
		t.Fatalf("listening line: setup %v, account %q, web %q, api %q", p.Setup, p.Account, p.Web, p.API)
	}
	if _, err := p.try("id"); err == nil || !strings.Contains(err.Error(), "no account yet") {
		t.Fatalf("kith id in setup mode: %v", err)
	}
	var ui struct {
		Web string `json:"web"`
	}
	if err := json.Unmarshal(p.kith("ui"), &ui); err != nil || ui.Web != p.Web {
		t.Fatalf("kith ui: %+v %v, want %q", ui, err, p.Web)
	}

	ep, err := wire.ReadEndpoint(home)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path string, in, out any) {
		t.Helper()
		var body io.Reader
		if in != nil {
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(t.Context(), method, ep.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+ep.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	var phrase wire.SetupPhrase
	call("POST", "/api/v1/setup/phrase", nil, &phrase)
	if len(phrase.Words) != 24 {
		t.Fatalf("phrase of %d words", len(phrase.Words))
	}
	var id wire.Identity
	call("POST", "/api/v1/setup", wire.SetupRequest{Phrase: strings.Join(phrase.Words, " "), DeviceName: "web"}, &id)

	var cliID struct {
		Account string `json:"account"`
		Device  string `json:"device"`
	}
	if err := json.Unmarshal(p.kith("id"), &cliID); err != nil {
		t.Fatal(err)
	}
	if cliID.Account != id.Account || cliID.Device != id.Device {
		t.Fatalf("kith id %+v, setup answered %+v", cliID, id)
	}
	waitFor(t, 20*time.Second, "the network to start", func() bool {
		var st wire.Status
		out, err := p.try("status")
		return err == nil && json.Unmarshal(out, &st) == nil && st.Serving && len(st.Addrs) > 0
	})

	// The same home starts normally next time.
	p.stop()
	p.start()
	if p.Setup || p.Account != id.Account {
		t.Fatalf("after a restart: setup %v, account %q, want %q", p.Setup, p.Account, id.Account)
	}
}

// TestServeStopsWithOpenEventStream: an open event stream does not hold up
// the node's shutdown, and 'kith serve' prints the Web UI link and the
// setup hint in its text output.
func TestServeStopsWithOpenEventStream(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	cmd := exec.Command(kithBin, "--home", home, "serve", "--listen", "/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:0", "--no-mdns", "--no-nat", "--no-dht")
	cmd.Env = append(os.Environ(), "KITH_PASSPHRASE=", "HOME="+home)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	sc := bufio.NewScanner(stdout)
	var text []string
	for sc.Scan() {
		text = append(text, sc.Text())
		if strings.HasPrefix(sc.Text(), "Press Ctrl-C") {
			break
		}
	}
	all := strings.Join(text, "\n")
	if !strings.Contains(all, "  Web UI   http://127.0.0.1:") || !strings.Contains(all, "/login?token=") ||
		!strings.Contains(all, "No account yet: open the Web UI link to create or restore one (or stop and run 'kith init')") {
		t.Fatalf("serve printed:\n%s\nstderr:\n%s", all, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	ep, err := wire.ReadEndpoint(home)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", ep.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+ep.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("events: %d", resp.StatusCode)
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v; stderr:\n%s", err, stderr.String())
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("serve took %v to stop with an open event stream", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	// The stream ended with the node.
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Logf("reading the ended stream: %v", err)
	}
}
