package node_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// TestMockPairWithPhrase (issue 12 item 2): a device that does not hold
// the account key pairs a new device only with the account's recovery
// phrase; another account's phrase makes no code. The paired device says
// it does not hold the key (device.custody), and the device that paired
// it shows so at once, before their logs meet.
func TestMockPairWithPhrase(t *testing.T) {
	mn := newMockNet(t)
	a, phrase := initNode(t, node.Options{})
	if err := a.RemoveAccountKey(t.Context(), node.PhraseAuth{Phrase: phrase}); err != nil {
		t.Fatal(err)
	}
	serveMock(t, mn, a)
	if _, err := a.NewPairing(0, nil); !errors.Is(err, node.ErrNoAccountKey) {
		t.Fatalf("NewPairing without key or phrase: %v, want ErrNoAccountKey", err)
	}
	wrong, err := identity.NewPhrase(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.NewPairing(0, &node.PhraseAuth{Phrase: wrong}); !errors.Is(err, node.ErrWrongPhrase) {
		t.Fatalf("NewPairing with another account's phrase: %v, want ErrWrongPhrase", err)
	}
	pr, err := a.NewPairing(0, &node.PhraseAuth{Phrase: phrase})
	if err != nil {
		t.Fatalf("NewPairing with the phrase: %v", err)
	}
	b, res, err := node.Pair(t.Context(), filepath.Join(t.TempDir(), "tablet"), pr.Code, node.Options{DeviceName: "tablet"}, node.PairOptions{Mock: mn})
	if err != nil {
		t.Fatalf("Pair: %v", err)
	}
	defer b.Close()
	if res.Account != a.Account() || b.HoldsAccountKey() || a.HoldsAccountKey() {
		t.Fatalf("result %+v; a holds the key %v, b %v", res, a.HoldsAccountKey(), b.HoldsAccountKey())
	}
	if names := deviceNames(t, a); names[b.Device().String()] != "tablet" {
		t.Fatalf("a's devices %v, want the tablet", names)
	}
	// The key derived from the phrase is gone with the code: a second
	// code needs the phrase again.
	if _, err := a.NewPairing(0, nil); !errors.Is(err, node.ErrNoAccountKey) {
		t.Fatalf("second NewPairing without the phrase: %v, want ErrNoAccountKey", err)
	}
	// a knows it, though b's statement has not reached it: a paired b.
	if c := custodyOf(t, a)[b.Device().Key()]; c != node.CustodyNotHeld {
		t.Errorf("a sees b's custody %v before any sync, want not_held", c)
	}
	// b said at once that it does not hold the key.
	if c := custodyOf(t, b)[b.Device().Key()]; c != node.CustodyNotHeld {
		t.Errorf("b's own custody %v, want not_held", c)
	}
	if got := custodyEntries(t, b); len(got) != 1 || got[0] {
		t.Errorf("b's custody statements %v, want [false]", got)
	}
}
