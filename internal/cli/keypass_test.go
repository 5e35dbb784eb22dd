package cli_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// TestInitSaysKeysUnencrypted: 'kith init' without a key passphrase, and
// not on a terminal, stores the keys unencrypted and says so on stderr
// (the JSON output says it too); with KITH_PASSPHRASE it encrypts them and
// says nothing.
func TestInitSaysKeysUnencrypted(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  env
	}{
		{"init", []string{"init"}, nil},
		{"init --json", []string{"--json", "init"}, nil},
		{"restore", []string{"init", "--restore"}, nil},
		{"init with KITH_PASSPHRASE", []string{"--json", "init"}, env{"KITH_PASSPHRASE": "s3cret"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			for k, v := range c.env {
				e[k] = v
			}
			var stdin []byte
			if c.name == "restore" {
				stdin = []byte(strings.Repeat("abandon ", 23) + "art\n")
			}
			r := e.run(t, stdin, c.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			home := e["KITH_HOME"]
			encrypted := e["KITH_PASSPHRASE"] != ""
			for _, f := range []string{"account.key", "device.key"} {
				_, _, err := identity.ReadKeyFile(filepath.Join(home, "keys", f), nil)
				if got := errors.Is(err, identity.ErrPassphraseRequired); got != encrypted {
					t.Errorf("%s: read without passphrase: %v; want encrypted = %v", f, err, encrypted)
				}
			}
			warning := "warning: the keys in " + filepath.Join(home, "keys") + " are stored unencrypted: anyone who can read them can act as this device and its account. To encrypt them, create the home with --passphrase-file FILE or KITH_PASSPHRASE set (on a terminal, kith init asks for a passphrase).\n"
			if encrypted {
				warning = ""
			}
			if c.name == "restore" {
				warning += "Note: this device now holds your account key, which can add and revoke your devices.\n" +
					"Keep it on as few machines as possible: a machine you only want as another device can\n" +
					"be paired from one that holds the key ('kith device pair' there, 'kith init --pair CODE'\n" +
					"on it), and 'kith account key remove' takes the key off this one.\n"
			}
			if r.stderr != warning {
				t.Errorf("stderr %q\nwant %q", r.stderr, warning)
			}
			if strings.Contains(r.stdout, "unencrypted") {
				t.Errorf("stdout %q: the warning belongs on stderr", r.stdout)
			}
			if strings.Contains(c.name, "json") || strings.Contains(c.name, "KITH_PASSPHRASE") {
				want := `"keys_encrypted":false`
				if encrypted {
					want = `"keys_encrypted":true`
				}
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout %q, want %s", r.stdout, want)
				}
			}
		})
	}
}
