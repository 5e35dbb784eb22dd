package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenWithStoreConfig: Open takes the [store] table the caller read
// (Options.Store, as 'kith serve' passes it) and does not read config.toml
// again; without it, it reads the file (a start listing a million logs
// read it three times).
func TestOpenWithStoreConfig(t *testing.T) {
	home := t.TempDir()
	n, _, err := Init(home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	// A config.toml that does not parse: reading it is an error.
	if err := os.WriteFile(filepath.Join(home, ConfigFile), []byte("logs = [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := Open(home, Options{}); err == nil || !strings.Contains(err.Error(), ConfigFile) {
		if n != nil {
			n.Close()
		}
		t.Fatalf("Open without Options.Store = %v, want the error of reading %s", err, ConfigFile)
	}
	sc := defaultStore()
	n, err = Open(home, Options{Store: &sc})
	if err != nil {
		t.Fatalf("Open with Options.Store read config.toml: %v", err)
	}
	defer n.Close()
	if got := n.StoreInfo(); !strings.HasPrefix(got, "sqlite ") {
		t.Fatalf("StoreInfo = %q, want the home's SQLite store", got)
	}
}
