package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/node"
)

// metrics_listen is off by default, loopback for a port alone, refused on
// another address unless metrics_public says so, never the API's; a
// log_format other than text or json is refused.
func TestMetricsConfig(t *testing.T) {
	for _, tc := range []struct {
		name, text, wantErr string
	}{
		{"off", "", ""},
		{"loopback", `metrics_listen = "127.0.0.1:7691"`, ""},
		{"port alone", `metrics_listen = ":7691"`, ""},
		{"ipv6 loopback", `metrics_listen = "[::1]:7691"`, ""},
		{"public refused", `metrics_listen = "0.0.0.0:7691"`, `metrics_listen = "0.0.0.0:7691" is not a loopback address`},
		{"public allowed", "metrics_listen = \"0.0.0.0:7691\"\nmetrics_public = true", ""},
		{"public without address", "metrics_public = true", "metrics_public = true but metrics_listen is empty"},
		{"the API's port", "api = \"127.0.0.1:7690\"\nmetrics_listen = \"127.0.0.1:7690\"", "is the API's address"},
		{"the API's port, port alone", "api = \"127.0.0.1:7690\"\nmetrics_listen = \":7690\"", "is the API's address"},
		{"no port", `metrics_listen = "127.0.0.1"`, "give HOST:PORT"},
		{"a name", `metrics_listen = "example.invalid:7691"`, "give an IP address"},
		{"json logs", `log_format = "json"`, ""},
		{"bad log format", `log_format = "xml"`, `log_format = "xml": give "text" or "json"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if err := os.WriteFile(filepath.Join(home, node.ConfigFile), []byte(tc.text+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := node.LoadConfig(home)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("error %v, want none", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
}
