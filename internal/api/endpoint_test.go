package api_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
)

func TestEndpointFile(t *testing.T) {
	home := t.TempDir()
	e := api.Endpoint{URL: "http://127.0.0.1:7690", Token: strings.Repeat("ab", 32), PID: 4242}
	if err := api.WriteEndpoint(home, e); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(home, "api.json")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("api.json: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"url":"http://127.0.0.1:7690","token":"` + e.Token + `","pid":4242}` + "\n"; string(b) != want {
		t.Errorf("api.json = %q, want %q", b, want)
	}
	if got, err := wire.ReadEndpoint(home); err != nil || got != e {
		t.Errorf("ReadEndpoint = %+v, %v", got, err)
	}
	// Rewriting replaces it; no temporary file stays behind.
	e.PID = 7
	if err := api.WriteEndpoint(home, e); err != nil {
		t.Fatal(err)
	}
	if got, _ := wire.ReadEndpoint(home); got.PID != 7 {
		t.Errorf("after rewriting, pid %d", got.PID)
	}
	ents, _ := os.ReadDir(home)
	if len(ents) != 1 || ents[0].Name() != "api.json" {
		t.Errorf("home holds %v, want only api.json", ents)
	}
	// An endpoint no client would take is refused.
	for _, bad := range []api.Endpoint{
		{URL: "http://0.0.0.0:7690", Token: "t", PID: 1},
		{URL: "http://127.0.0.1:7690", Token: "", PID: 1},
		{URL: "http://127.0.0.1:7690", Token: "t", PID: 0},
	} {
		if err := api.WriteEndpoint(home, bad); err == nil || !strings.HasPrefix(err.Error(), "endpoint file: ") {
			t.Errorf("WriteEndpoint(%+v) = %v, want an error", bad, err)
		}
	}
	if got, _ := wire.ReadEndpoint(home); got.PID != 7 {
		t.Errorf("a refused write changed the file: %+v", got)
	}
	if err := api.RemoveEndpoint(home); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("api.json still there: %v", err)
	}
	if err := api.RemoveEndpoint(home); err != nil {
		t.Errorf("removing a missing endpoint file: %v", err)
	}
	if err := api.WriteEndpoint(filepath.Join(home, "missing"), e); err == nil || !strings.Contains(err.Error(), filepath.Join(home, "missing", "api.json")) {
		t.Errorf("writing into a missing home: %v", err)
	}
}

func TestNewToken(t *testing.T) {
	a, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	if !hex64.MatchString(a) || !hex64.MatchString(b) || a == b {
		t.Errorf("tokens %q and %q: want two different 64-digit hex strings", a, b)
	}
	if err := wire.CheckToken(a); err != nil {
		t.Errorf("a new token fails CheckToken: %v", err)
	}
}
