package cli_test

import (
	"encoding/json"
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
		AccountKey string `json:"account_key"`
	} `json:"devices"`
}

func TestDeviceListAndRevoke(t *testing.T) {
	a := newEnv(t)
	var ao initOut
	a.okJSON(t, &ao, "init", "--name", "old")
	b := newEnv(t)
	if r := b.run(t, []byte(ao.RecoveryPhrase), "init", "--restore", "--name", "new"); r.code != 0 {
		t.Fatalf("restore: %q", r.stderr)
	} else if !strings.Contains(r.stdout, "'kith status' names the devices that have not synced with this\none; revoke the lost ones with 'kith device revoke DEVICE_ID'.\n") {
		t.Errorf("restore prints %q, without what to do about lost devices", r.stdout)
	}
	var bo initOut
	b.okJSON(t, &bo, "id")
	a.ok(t, "post", "one")
	a.ok(t, "post", "two")
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
	if !strings.Contains(human, "* new              "+bo.Device+"  this device, holds the account key\n") || !strings.Contains(human, "  old              "+ao.Device+"  holds the account key\n") {
		t.Errorf("device list prints %q", human)
	}

	// Revoke the old device.
	var rev map[string]any
	b.okJSON(t, &rev, "device", "revoke", ao.Device, "--reason", "lost")
	if rev["device"] != ao.Device || rev["revoked"] != true || !strings.HasPrefix(rev["id"].(string), "ent_") || rev["kept_logs"] != 1.0 || rev["kept_entries"] != 2.0 {
		t.Errorf("device revoke = %v, want 2 entries in 1 log kept", rev)
	}
	b.okJSON(t, &l, "device", "list")
	for _, d := range l.Devices {
		if (d.ID == ao.Device) != d.Revoked || (d.Revoked && d.RevokedBy != rev["id"]) {
			t.Errorf("after revoke: %+v", d)
		}
	}
	if human := b.ok(t, "device", "list"); !strings.Contains(human, "  old              "+ao.Device+"  revoked\n") {
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
	if r.code != 1 || !strings.Contains(r.stderr, "this device does not hold the account key: run again with --with-phrase and the recovery phrase on stdin") {
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

// TestAccountKeyRemove: 'kith account key remove' removes the key only
// with this account's phrase; 'device list' then says where the key is, on
// this device and on another of the account's devices; a revocation on the
// device without the key works with --with-phrase, and not with a wrong
// phrase.
func TestAccountKeyRemove(t *testing.T) {
	a := newEnv(t)
	var ao initOut
	a.okJSON(t, &ao, "init", "--name", "laptop")
	b := newEnv(t)
	if r := b.run(t, []byte(ao.RecoveryPhrase), "init", "--restore", "--name", "phone"); r.code != 0 {
		t.Fatalf("restore: %q", r.stderr)
	}
	var bo initOut
	b.okJSON(t, &bo, "id")
	other := initHome(t, newEnv(t))
	keyFile := filepath.Join(a["KITH_HOME"], "keys", "account.key")

	for _, c := range []struct {
		name, stdin, want string
		code              int
	}{
		{"no phrase", "", "no recovery phrase on stdin; pipe the 24 words in, e.g. kith account key remove < phrase.txt", 2},
		{"typo", strings.Replace(ao.RecoveryPhrase, " ", "  x", 1), "recovery phrase", 1},
		{"another account", other.RecoveryPhrase, "this recovery phrase (with this phrase passphrase) is not the phrase of this account", 1},
	} {
		r := a.run(t, []byte(c.stdin), "account", "key", "remove")
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want failure with %q", c.name, r.code, r.stderr, c.want)
		}
		if _, err := os.Stat(keyFile); err != nil {
			t.Fatalf("%s: the key file is gone: %v", c.name, err)
		}
	}

	var removed map[string]any
	if r := a.run(t, []byte(ao.RecoveryPhrase), "--json", "account", "key", "remove"); r.code != 0 {
		t.Fatalf("account key remove: exit %d, stderr %q", r.code, r.stderr)
	} else if err := json.Unmarshal([]byte(r.stdout), &removed); err != nil || removed["removed"] != true || removed["device"] != ao.Device {
		t.Errorf("account key remove --json = %q (%v)", r.stdout, err)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("key file after removal: %v", err)
	}
	if human := a.ok(t, "device", "list"); !strings.Contains(human, "* laptop           "+ao.Device+"  this device\n") || !strings.Contains(human, "\nNo device of yours holds the account key: your recovery phrase is what adds and revokes devices.\n") {
		t.Errorf("device list on a after removal prints %q", human)
	}

	// b learns it from a's entries.
	bundle := filepath.Join(t.TempDir(), "a.kithbundle")
	a.ok(t, "export", "--out", bundle)
	b.ok(t, "import", bundle)
	var l deviceListOut
	b.okJSON(t, &l, "device", "list")
	for _, d := range l.Devices {
		want := map[string]string{ao.Device: "not_held", bo.Device: "held"}[d.ID]
		if d.AccountKey != want {
			t.Errorf("b sees %s (%s) account_key %q, want %q", d.Name, d.ID, d.AccountKey, want)
		}
	}
	if human := b.ok(t, "device", "list"); !strings.Contains(human, "  laptop           "+ao.Device+"  \n") || !strings.Contains(human, "* phone            "+bo.Device+"  this device, holds the account key\n") || strings.Contains(human, "No device of yours holds") {
		t.Errorf("device list on b prints %q", human)
	}

	// a revokes b with the phrase, not with another account's.
	bundle = filepath.Join(t.TempDir(), "b.kithbundle")
	b.ok(t, "export", "--out", bundle)
	a.ok(t, "import", bundle)
	if r := a.run(t, []byte(other.RecoveryPhrase), "device", "revoke", bo.Device, "--with-phrase"); r.code != 1 || !strings.Contains(r.stderr, "is not the phrase of this account: it gives account "+other.Account) {
		t.Errorf("revoke with another account's phrase: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := a.run(t, []byte(ao.RecoveryPhrase), "device", "revoke", bo.Device, "--with-phrase", "--reason", "lost"); r.code != 0 || !strings.Contains(r.stdout, "revoked device "+bo.Device) {
		t.Errorf("revoke with the phrase: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("revoking with the phrase left a key file: %v", err)
	}
	if human := a.ok(t, "device", "list"); !strings.Contains(human, "  phone            "+bo.Device+"  revoked\n") || !strings.Contains(human, "\nThe account key is still on phone, revoked: whoever has it can add devices to your account.") {
		t.Errorf("device list after revoke prints %q", human)
	}
}
