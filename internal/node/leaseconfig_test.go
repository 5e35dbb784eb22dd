package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/node"
)

// The lease settings are read from [hub] (and leases from the top), are
// written with their defaults into a new config file, and out-of-range
// values are refused with the setting's name.
func TestLeaseConfig(t *testing.T) {
	home := t.TempDir()
	if _, err := node.LoadConfig(home); err != nil { // writes the defaults
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(home, node.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lease = false", "lease_mb = 1024", "lease_entries = 1000000", "lease_seconds = 2592000", "lease_accounts = 64", "leases = []"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("a new config file lacks %q:\n%s", want, raw)
		}
	}
	write := func(body string) (node.Config, error) {
		if err := os.WriteFile(filepath.Join(home, node.ConfigFile), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return node.LoadConfig(home)
	}
	c, err := write("[hub]\non = true\nlease = true\nlease_mb = 5\nlease_seconds = 60\n")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Hub.Lease || c.Hub.LeaseMB != 5 || c.Hub.LeaseSeconds != 60 || c.Hub.LeaseEntries != node.DefaultLeaseEntries || c.Hub.LeaseAccounts != node.DefaultLeaseAccounts {
		t.Fatalf("read %+v", c.Hub.HubLease)
	}
	if _, err := write("[hub]\nlease_accounts = -1\n"); err == nil || !strings.Contains(err.Error(), "hub.lease_accounts") {
		t.Fatalf("lease_accounts = -1: %v", err)
	}
	if _, err := write("leases = [\"/ip4/127.0.0.1/tcp/1\"]\n"); err == nil || !strings.Contains(err.Error(), "leases") {
		t.Fatalf("a holder without /p2p/: %v", err)
	}
}
