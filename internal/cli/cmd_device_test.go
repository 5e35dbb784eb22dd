package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type deviceListOut struct {
	Account string `json:"account"`
	Devices []struct {
		ID         string `json:"id"`
		Name       string `json:"name"`
		Revoked    bool   `json:"revoked"`
		ThisDevice bool   `json:"this_device"`
		Cert       string `json:"cert"`
		RevokedBy  string `json:"revoked_by"`
	} `json:"devices"`
}

func TestDeviceListAndRevoke(t *testing.T) {
	a := newEnv(t)
	var ao initOut
	a.okJSON(t, &ao, "init", "--name", "old")
	b := newEnv(t)
	if r := b.run(t, []byte(ao.RecoveryPhrase), "init", "--restore", "--name", "new"); r.code != 0 {
		t.Fatalf("restore: %q", r.stderr)
	}
	var bo initOut
	b.okJSON(t, &bo, "id")
	bundle := filepath.Join(t.TempDir(), "a.kithbundle")
	a.ok(t, "export", "--out", bundle)
	b.ok(t, "import", bundle)

	var l deviceListOut
	b.okJSON(t, &l, "device", "list")
	if l.Account != ao.Account || len(l.Devices) != 2 {
		t.Fatalf("device list = %+v, want 2 devices of %s", l, ao.Account)
	}
	for _, d := range l.Devices {
		wantName, this := "old", false
		if d.ID == bo.Device {
			wantName, this = "new", true
		} else if d.ID != ao.Device {
			t.Errorf("unexpected device %s", d.ID)
		}
		if d.Name != wantName || d.ThisDevice != this || d.Revoked || !strings.HasPrefix(d.Cert, "ent_") {
			t.Errorf("device %+v, want name %q this_device %v, not revoked", d, wantName, this)
		}
	}
	human := b.ok(t, "device", "list")
	if !strings.Contains(human, "* "+bo.Device+"  new") || !strings.Contains(human, "this device") || !strings.Contains(human, "  "+ao.Device+"  old") {
		t.Errorf("device list prints %q", human)
	}

	// Revoke the old device.
	var rev map[string]any
	b.okJSON(t, &rev, "device", "revoke", ao.Device, "--reason", "lost")
	if rev["device"] != ao.Device || rev["revoked"] != true || !strings.HasPrefix(rev["id"].(string), "ent_") {
		t.Errorf("device revoke = %v", rev)
	}
	b.okJSON(t, &l, "device", "list")
	for _, d := range l.Devices {
		if (d.ID == ao.Device) != d.Revoked || (d.Revoked && d.RevokedBy != rev["id"]) {
			t.Errorf("after revoke: %+v", d)
		}
	}
	if human := b.ok(t, "device", "list"); !strings.Contains(human, ao.Device+"  old              revoked") {
		t.Errorf("device list after revoke prints %q", human)
	}
	var shown entryOut
	b.okJSON(t, &shown, "show", rev["id"].(string))
	if shown.Type == nil || *shown.Type != "device.revoke" || shown.Payload["reason"] != "lost" {
		t.Errorf("show revocation = %+v", shown)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"device", "revoke", ao.Device}, 1, "already revoked"},
		{[]string{"device", "revoke", bo.Device}, 1, "this is the device you are using; revoke it from another device"},
		{[]string{"device", "revoke", ao.Account}, 2, "expected a device id (dev_…), got an account id (acc_…)"},
		{[]string{"device", "revoke"}, 2, "usage: kith device revoke DEVICE_ID"},
		{[]string{"device"}, 2, `"device" needs a subcommand: kith device list, kith device pair, kith device revoke`},
		{[]string{"device", "list", "x"}, 2, "usage: kith device list"},
	} {
		r := b.run(t, nil, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("kith %s: exit %d, stderr %q; want %d and %q", strings.Join(c.args, " "), r.code, r.stderr, c.code, c.want)
		}
	}
}

func TestDeviceRevokeWithoutAccountKey(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	if err := os.Remove(filepath.Join(e["KITH_HOME"], "keys", "account.key")); err != nil {
		t.Fatal(err)
	}
	other := initHome(t, newEnv(t))
	r := e.run(t, nil, "device", "revoke", other.Device)
	if r.code != 1 || !strings.Contains(r.stderr, "this device does not hold the account key; revoke from the device that does, or restore the account with its recovery phrase") {
		t.Errorf("revoke without the account key: exit %d, stderr %q", r.code, r.stderr)
	}
	// Listing needs no account key.
	var l deviceListOut
	e.okJSON(t, &l, "device", "list")
	if len(l.Devices) != 1 || !l.Devices[0].ThisDevice {
		t.Errorf("device list = %+v", l)
	}
}

// TestDeviceRevokeWithPassphrase checks that the account key is decrypted
// for a revocation with the key-file passphrase.
func TestDeviceRevokeWithPassphrase(t *testing.T) {
	a := env{"KITH_HOME": t.TempDir(), "KITH_PASSPHRASE": "pw"}
	orig := initHome(t, a)
	b := env{"KITH_HOME": t.TempDir(), "KITH_PASSPHRASE": "pw2"}
	if r := b.run(t, []byte(orig.RecoveryPhrase), "init", "--restore"); r.code != 0 {
		t.Fatalf("restore: %q", r.stderr)
	}
	bundle := filepath.Join(t.TempDir(), "a.kithbundle")
	a.ok(t, "export", "--out", bundle)
	b.ok(t, "import", bundle)
	b.ok(t, "device", "revoke", orig.Device)
}
