package node_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// custodyOf returns what n knows of each of its account's devices' custody
// of the account key.
func custodyOf(t *testing.T, n *node.Node) map[identity.PublicKey]node.Custody {
	t.Helper()
	devs, err := n.Devices(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.DeviceCustody(t.Context(), devs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// custodyEntries returns the device.custody statements in n's own public log.
func custodyEntries(t *testing.T, n *node.Node) []bool {
	t.Helper()
	public := entry.PublicLog
	found, err := n.Store().Find(t.Context(), store.Query{Type: content.TypeCustody, LogID: &public, Authors: []identity.PublicKey{n.Device().Key()}})
	if err != nil {
		t.Fatal(err)
	}
	var out []bool
	for _, s := range found {
		p, err := content.Decode(s.Payload)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.(*content.Custody).AccountKey)
	}
	return out
}

// TestRemoveAccountKey: the key is removed only with this account's phrase;
// afterwards the device says so (one device.custody entry, not repeated on
// reopening), its other devices see it, and a revocation needs the phrase,
// which then works.
func TestRemoveAccountKey(t *testing.T) {
	ctx := t.Context()
	home := t.TempDir()
	a, phrase, err := node.Init(home, node.Options{DeviceName: "laptop"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := node.Restore(t.TempDir(), phrase, node.Options{DeviceName: "phone"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// Made from the phrase, both hold the key and say nothing.
	if got := custodyEntries(t, a); len(got) != 0 {
		t.Errorf("a fresh device wrote custody statements %v, want none", got)
	}
	if c := custodyOf(t, b)[b.Device().Key()]; c != node.CustodyHeld {
		t.Errorf("b's own custody = %v, want held", c)
	}

	wrong, err := identity.NewPhrase(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		auth node.PhraseAuth
		want error
	}{
		{node.PhraseAuth{Phrase: wrong}, node.ErrWrongPhrase},
		{node.PhraseAuth{Phrase: phrase, PhrasePassphrase: "TREZOR"}, node.ErrWrongPhrase},
	} {
		if err := a.RemoveAccountKey(ctx, c.auth); !errors.Is(err, c.want) || !strings.Contains(err.Error(), "the account key was not removed") {
			t.Errorf("RemoveAccountKey(wrong phrase): %v, want %v", err, c.want)
		}
	}
	if !a.HoldsAccountKey() {
		t.Fatal("a wrong phrase removed the key")
	}
	if _, err := os.Stat(filepath.Join(home, "keys", "account.key")); err != nil {
		t.Fatalf("a wrong phrase touched the key file: %v", err)
	}

	if err := a.RemoveAccountKey(ctx, node.PhraseAuth{Phrase: phrase}); err != nil {
		t.Fatalf("RemoveAccountKey: %v", err)
	}
	if a.HoldsAccountKey() {
		t.Error("HoldsAccountKey after removal")
	}
	if _, err := os.Stat(filepath.Join(home, "keys", "account.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("account key file after removal: %v", err)
	}
	if got := custodyEntries(t, a); len(got) != 1 || got[0] {
		t.Errorf("custody statements after removal = %v, want [false]", got)
	}
	if err := a.RemoveAccountKey(ctx, node.PhraseAuth{Phrase: phrase}); err == nil || !strings.Contains(err.Error(), "does not hold the account key") {
		t.Errorf("second RemoveAccountKey: %v", err)
	}

	// Reopened: still without the key, and no second statement.
	a.Close()
	a, err = node.Open(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.HoldsAccountKey() {
		t.Error("reopened home holds the key")
	}
	if got := custodyEntries(t, a); len(got) != 1 {
		t.Errorf("custody statements after reopening = %v, want one", got)
	}

	// b learns it from a's log.
	var buf bytes.Buffer
	if _, err := a.Export(ctx, &buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Import(ctx, &buf, nil); err != nil {
		t.Fatal(err)
	}
	got := custodyOf(t, b)
	if got[a.Device().Key()] != node.CustodyNotHeld || got[b.Device().Key()] != node.CustodyHeld {
		t.Errorf("b sees custody %v, want a not_held, b held", got)
	}

	// a revokes b only with the phrase; the wrong one changes nothing.
	buf.Reset()
	if _, err := b.Export(ctx, &buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Import(ctx, &buf, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RevokeDevice(ctx, b.Device().Key(), "", nil); !errors.Is(err, node.ErrNoAccountKey) {
		t.Errorf("revoke without key or phrase: %v", err)
	}
	if _, err := a.RevokeDevice(ctx, b.Device().Key(), "", &node.PhraseAuth{Phrase: wrong}); !errors.Is(err, node.ErrWrongPhrase) {
		t.Errorf("revoke with another account's phrase: %v", err)
	}
	if d := deviceState(t, a, b.Device().Key()); d.Revoked {
		t.Fatal("revoked by a refused call")
	}
	if _, err := a.RevokeDevice(ctx, b.Device().Key(), "lost", &node.PhraseAuth{Phrase: phrase}); err != nil {
		t.Fatalf("revoke with the phrase: %v", err)
	}
	if d := deviceState(t, a, b.Device().Key()); !d.Revoked {
		t.Error("not revoked with the phrase")
	}
	if a.HoldsAccountKey() {
		t.Error("the phrase left the key on the device")
	}
	if _, err := os.Stat(filepath.Join(home, "keys", "account.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the phrase wrote a key file: %v", err)
	}
}

// TestSettleCustodyAfterCrash: a home whose key file is gone but whose
// device never said so (the statement was not written) says it the next
// time it opens.
func TestSettleCustodyAfterCrash(t *testing.T) {
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	if err := os.Remove(filepath.Join(home, "keys", "account.key")); err != nil {
		t.Fatal(err)
	}
	n, err = node.Open(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if got := custodyEntries(t, n); len(got) != 1 || got[0] {
		t.Errorf("custody statements = %v, want [false]", got)
	}
}
