package node_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// twoDevices returns the first device of an account and a second one made
// by restoring its phrase, which has imported the first one's data.
func twoDevices(t *testing.T) (old, cur *node.Node, phrase identity.Phrase) {
	t.Helper()
	old, phrase = initNode(t, node.Options{DeviceName: "old"})
	var b bytes.Buffer
	if _, err := old.Export(t.Context(), &b, nil, nil); err != nil {
		t.Fatal(err)
	}
	cur, err := node.Restore(t.TempDir(), phrase, node.Options{DeviceName: "new", Now: stepClock(epoch.Add(time.Hour), time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cur.Close() })
	if _, err := cur.Import(t.Context(), &b, nil); err != nil {
		t.Fatal(err)
	}
	return old, cur, phrase
}

func deviceState(t *testing.T, n *node.Node, dev identity.PublicKey) store.Device {
	t.Helper()
	devs, err := n.Devices(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Device == dev {
			return d
		}
	}
	t.Fatalf("device %s is not among %+v", dev.Device(), devs)
	return store.Device{}
}

func TestRevokeDevice(t *testing.T) {
	old, cur, _ := twoDevices(t)
	ctx := t.Context()
	if !cur.HoldsAccountKey() {
		t.Fatal("a restored device does not hold the account key")
	}
	if d := deviceState(t, cur, old.Device().Key()); d.Revoked {
		t.Fatal("the old device is revoked before RevokeDevice")
	}
	e, err := cur.RevokeDevice(ctx, old.Device().Key(), "lost on a train", nil)
	if err != nil {
		t.Fatalf("RevokeDevice: %v", err)
	}
	// The revocation is seq 2 of the old device's certificate log, by the
	// account, ending the log.
	d := deviceState(t, cur, old.Device().Key())
	if !d.Revoked || d.RevokedBy != e.ID {
		t.Errorf("after RevokeDevice: %+v, want revoked by %s", d, e.ID)
	}
	h := e.Header
	if h.Author != cur.Account().Key() || h.LogID != content.DeviceCertLog(old.Device().Key()) || h.Seq != 2 || h.Backlink != d.Cert || h.Flags&entry.FlagEndOfLog == 0 {
		t.Errorf("revocation header: author %s log %s seq %d flags %d", h.Author.Account(), h.LogID, h.Seq, h.Flags)
	}
	p, err := content.Decode(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if rev, ok := p.(*content.DeviceRevoke); !ok || rev.Reason != "lost on a train" || rev.Device != old.Device() {
		t.Errorf("revocation payload %+v", p)
	}
	if d := deviceState(t, cur, cur.Device().Key()); d.Revoked {
		t.Error("the current device was revoked too")
	}

	// Twice: refused, and nothing is appended (no fork of the cert log).
	if _, err := cur.RevokeDevice(ctx, old.Device().Key(), "", nil); err == nil || !strings.Contains(err.Error(), "already revoked") {
		t.Errorf("second RevokeDevice: %v, want 'already revoked'", err)
	}
	if forks, _ := cur.Store().Forks(ctx); len(forks) != 0 {
		t.Errorf("forks after a refused second revocation: %+v", forks)
	}
	// The revocation travels: the old device learns it was revoked.
	var b bytes.Buffer
	if _, err := cur.Export(ctx, &b, nil, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := old.Import(ctx, &b, nil); err != nil || st.EntriesRejected != 0 {
		t.Fatalf("Import into the old device: %+v, %v", st, err)
	}
	if d := deviceState(t, old, old.Device().Key()); !d.Revoked {
		t.Error("the old device does not see its revocation after importing it")
	}
}

func TestRevokeDeviceRefusals(t *testing.T) {
	old, cur, _ := twoDevices(t)
	ctx := t.Context()
	// This device.
	_, err := cur.RevokeDevice(ctx, cur.Device().Key(), "", nil)
	if err == nil || err.Error() != "this is the device you are using; revoke it from another device" {
		t.Errorf("revoking this device: %v", err)
	}
	// A device nobody certified.
	k, _ := identity.GenerateKey(nil)
	if _, err := cur.RevokeDevice(ctx, k.Public(), "", nil); err == nil || !strings.Contains(err.Error(), "not known here") {
		t.Errorf("revoking an unknown device: %v", err)
	}
	// A device of another account.
	other, _ := initNode(t, node.Options{})
	var b bytes.Buffer
	if _, err := other.Export(ctx, &b, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Import(ctx, &b, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.RevokeDevice(ctx, other.Device().Key(), "", nil); err == nil || !strings.Contains(err.Error(), "belongs to account "+other.Account().String()) {
		t.Errorf("revoking another account's device: %v", err)
	}
	// Nothing was appended by the refusals.
	for _, d := range []*node.Node{old, cur} {
		if s := deviceState(t, cur, d.Device().Key()); s.Revoked {
			t.Errorf("device %s revoked by a refused call", d.Device())
		}
	}
}

func TestRevokeDeviceWithoutAccountKey(t *testing.T) {
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acc := n.Account()
	other, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	// A home without the account key still opens, and knows its account
	// from its certificate.
	if err := os.Remove(filepath.Join(home, "keys", "account.key")); err != nil {
		t.Fatal(err)
	}
	n, err = node.Open(home, node.Options{})
	if err != nil {
		t.Fatalf("Open without the account key: %v", err)
	}
	defer n.Close()
	if n.Account() != acc || n.HoldsAccountKey() {
		t.Errorf("Account() = %s, HoldsAccountKey() = %v; want %s, false", n.Account(), n.HoldsAccountKey(), acc)
	}
	_, err = n.RevokeDevice(t.Context(), other.Public(), "", nil)
	if !errors.Is(err, node.ErrNoAccountKey) || err.Error() != "this device does not hold the account key: give the account's recovery phrase for this one operation (it is not stored), or do it on a device that holds the key" {
		t.Errorf("RevokeDevice without the account key: %v", err)
	}
}

// TestOpenDoesNotDecryptAccountKey checks that Open reads only the account's
// public key: with an account key file that the passphrase cannot decrypt,
// Open still works, and only RevokeDevice, which needs the private key,
// reports the error. With the right key file, RevokeDevice decrypts it then.
func TestOpenDoesNotDecryptAccountKey(t *testing.T) {
	home := t.TempDir()
	pass := []byte("device passphrase")
	n, phrase, err := node.Init(home, node.Options{Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	acc := n.Account()
	accountKey, err := identity.AccountKeyFromPhrase(phrase, "")
	if err != nil {
		t.Fatal(err)
	}
	// A second device of the account, to revoke.
	second, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := content.NewDeviceCert(accountKey, second, "second", uint64(epoch.UnixMilli()))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := n.Store().Append(t.Context(), cert); err != nil || r.Outcome != store.Added {
		t.Fatalf("Append(cert): %+v, %v", r, err)
	}
	n.Close()

	accountFile := filepath.Join(home, "keys", "account.key")
	saved, err := os.ReadFile(accountFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := identity.WriteKeyFile(accountFile, accountKey, identity.RoleAccount, []byte("another passphrase")); err != nil {
		t.Fatal(err)
	}
	n, err = node.Open(home, node.Options{Passphrase: pass})
	if err != nil {
		t.Fatalf("Open with an account key file the passphrase does not decrypt: %v", err)
	}
	if n.Account() != acc || !n.HoldsAccountKey() {
		t.Errorf("Account() = %s, HoldsAccountKey() = %v", n.Account(), n.HoldsAccountKey())
	}
	if _, err := n.RevokeDevice(t.Context(), second.Public(), "", nil); !errors.Is(err, identity.ErrWrongPassphrase) {
		t.Errorf("RevokeDevice with an undecryptable account key: %v, want ErrWrongPassphrase", err)
	}
	n.Close()

	// With the original file, the revocation works after a plain Open.
	if err := os.WriteFile(accountFile, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	n, err = node.Open(home, node.Options{Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := n.RevokeDevice(t.Context(), second.Public(), "test", nil); err != nil {
		t.Fatalf("RevokeDevice: %v", err)
	}
	if d := deviceState(t, n, second.Public()); !d.Revoked {
		t.Error("second device not revoked")
	}
}

func TestOpenAccountKeyOfAnotherAccount(t *testing.T) {
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	other, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := identity.WriteKeyFile(filepath.Join(home, "keys", "account.key"), other, identity.RoleAccount, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := node.Open(home, node.Options{}); err == nil || !strings.Contains(err.Error(), "mixed up") {
		t.Errorf("Open with another account's key file: %v", err)
	}
}
