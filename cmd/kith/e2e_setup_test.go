package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestSetupModeMultiProcess: 'kith serve' on an empty home starts in
// setup mode; the account is created over HTTP as the web UI does it; the
// CLI then sees it and the node's network runs.
func TestSetupModeMultiProcess(t *testing.T) {
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
