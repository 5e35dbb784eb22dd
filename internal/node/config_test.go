package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/node"
)

func TestLoadConfigWritesDefaults(t *testing.T) {
	home := t.TempDir()
	c, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	d := node.DefaultConfig()
	if strings.Join(c.Listen, " ") != strings.Join(d.Listen, " ") || c.API != "127.0.0.1:7690" || *c.Hops != 1 || !*c.MDNS || !*c.DHT || c.ConnLow != 100 || c.ConnHigh != 200 {
		t.Fatalf("defaults: %+v", c)
	}
	path := filepath.Join(home, node.ConfigFile)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode %v, want 0600", st.Mode().Perm())
	}
	// Reading the written file gives the same values.
	again, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(again.Listen, " ") != strings.Join(c.Listen, " ") || *again.Hops != 1 || again.API != c.API {
		t.Fatalf("re-read: %+v", again)
	}
}

func TestLoadConfigValues(t *testing.T) {
	for _, tc := range []struct {
		name, text, wantErr string
		check               func(node.Config) bool
	}{
		{"partial file keeps defaults", "hops = 0\nmdns = false\n", "", func(c node.Config) bool {
			return *c.Hops == 0 && !*c.MDNS && *c.DHT && c.API == node.DefaultAPI && len(c.Listen) == 8
		}},
		{"explicit log", `logs = ["dev_suz4xsymys55ymom3ikwlwude75l266s3vw2ugrso4wfyg5f2z2olslqle/log_a4aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaamcxfumm"]`, "", func(c node.Config) bool { return len(c.Logs) == 1 }},
		{"unknown setting", "hopz = 2\n", "unknown setting hopz", nil},
		{"hops too far", "hops = 4\n", "hops = 4: it must be 0…3", nil},
		{"bad log", `logs = ["nonsense"]`, `logs: "nonsense" must be AUTHOR/LOG`, nil},
		{"watermarks", "conn_low = 300\nconn_high = 200\n", "need 1 ≤ conn_low ≤ conn_high", nil},
		{"not toml", "listen = [\n", "config.toml", nil},
		{"memory limit", "memory_limit_mb = 96\n", "", func(c node.Config) bool { return c.MemoryLimitMB == 96 }},
		{"no memory limit", "", "", func(c node.Config) bool { return c.MemoryLimitMB == 0 }},
		{"memory limit too low", "memory_limit_mb = 8\n", "memory_limit_mb = 8: give 0 (no limit) or at least 32", nil},
		{"memory limit below 0", "memory_limit_mb = -1\n", "memory_limit_mb = -1", nil},
		{"strangers' work", "stranger_work = 200\n", "", func(c node.Config) bool { return c.StrangerWork == 200 }},
		{"strangers' work below 0", "stranger_work = -5\n", "stranger_work = -5: give 1…100000 units a second (0 for the default, 20)", nil},
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
			if tc.check != nil && !tc.check(c) {
				t.Fatalf("values: %+v", c)
			}
		})
	}
}
