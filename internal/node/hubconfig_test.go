package node_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// TestHubConfig: the [hub] table and hubs are read, defaulted and checked
// as doc/config.md says.
func TestHubConfig(t *testing.T) {
	key, err := identity.KeyFromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	acc := key.Public().Account().String()
	hub := "/ip4/127.0.0.1/tcp/7696/p2p/12D3KooWK99VoVxNE7XzyBwXEzW7xhK7Gpv85r9F3V3fyKSUKPH5"
	for _, tc := range []struct {
		name, text, wantErr string
		check               func(node.Config) bool
	}{
		{"defaults", "", "", func(c node.Config) bool {
			h := c.Hub
			return !h.On && h.Serve == "everyone" && len(h.Accounts) == 0 && h.RelayMinutes == 60 && h.RelayMB == 1024 && h.RelayConnections == 16 && h.RelaySlots == 1024 && h.HeadsLogs == 1024 && len(c.Hubs) == 0
		}},
		{"a hub for a list", "[hub]\non = true\nserve = \"accounts\"\naccounts = [\"" + acc + "\"]\nrelay_minutes = 30\n", "", func(c node.Config) bool {
			return c.Hub.On && c.Hub.Serve == "accounts" && len(c.Hub.Accounts) == 1 && c.Hub.RelayMinutes == 30 && c.Hub.RelayMB == 1024
		}},
		{"locals", "[hub]\non = true\nserve = \"locals\"\n", "", func(c node.Config) bool { return c.Hub.Serve == "locals" }},
		{"using a hub", "hubs = [\"" + hub + "\"]\n", "", func(c node.Config) bool { return len(c.Hubs) == 1 && *c.Relay }},
		{"unknown serve", "[hub]\nserve = \"friends\"\n", `hub.serve = "friends": give "everyone", "locals" or "accounts"`, nil},
		{"list without accounts", "[hub]\nserve = \"accounts\"\n", `hub.serve = "accounts" but hub.accounts is empty`, nil},
		{"accounts without the list", "[hub]\naccounts = [\"" + acc + "\"]\n", `hub.accounts is set but hub.serve = "everyone"`, nil},
		{"not an account", "[hub]\nserve = \"accounts\"\naccounts = [\"dev_x\"]\n", `hub.accounts: "dev_x"`, nil},
		{"negative limit", "[hub]\nrelay_mb = -1\n", "hub.relay_mb = -1: it must be at least 1", nil},
		{"heads limit", "[hub]\nheads_logs = 100\n", "", func(c node.Config) bool { return c.Hub.HeadsLogs == 100 }},
		{"heads limit over the protocol's", "[hub]\nheads_logs = 1025\n", "hub.heads_logs = 1025: at most 1024", nil},
		{"hub without relay", "relay = false\nhubs = [\"" + hub + "\"]\n", "hubs are set but relay = false", nil},
		{"hub without its peer", "hubs = [\"/ip4/127.0.0.1/tcp/7696\"]\n", "hub 1:", nil},
		{"unknown hub setting", "[hub]\nrelay_gb = 1\n", "unknown setting hub.relay_gb", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if err := os.WriteFile(filepath.Join(home, node.ConfigFile), []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := node.LoadConfig(home)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Fatalf("values: %+v", c)
			}
		})
	}
	// A new config file spells the [hub] table out.
	home := t.TempDir()
	if _, err := node.LoadConfig(home); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(home, node.ConfigFile))
	for _, want := range []string{"hubs = []", "[hub]", "on = false", `serve = "everyone"`, "relay_minutes = 60", "relay_mb = 1024", "relay_connections = 16", "relay_slots = 1024"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("new config.toml lacks %q:\n%s", want, b)
		}
	}
}
