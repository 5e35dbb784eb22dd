package node_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/pairing"
)

// pairMock pairs a new home on mn with code; the home is removed at the
// end of the test.
func pairMock(t *testing.T, mn *netnode.MockNet, home, code, name string) (*node.Node, node.PairResult, error) {
	t.Helper()
	n, res, err := node.Pair(t.Context(), home, code, node.Options{DeviceName: name}, node.PairOptions{Mock: mn})
	if err == nil {
		t.Cleanup(func() { n.Close() })
	}
	return n, res, err
}

func deviceNames(t *testing.T, n *node.Node) map[string]string {
	t.Helper()
	ds, err := n.Devices(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range ds {
		out[d.Device.Device().String()] = d.Name
	}
	return out
}

// A device that holds the account key pairs a new home: the new device is
// certified with its name, never gets the account key, knows its
// account's devices, and replicates the account's logs both ways.
func TestMockPairNewDevice(t *testing.T) {
	mn := newMockNet(t)
	a := mockNode(t, mn)
	pr, err := a.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pr.Code, pairing.Prefix) || time.Until(pr.Expires) < 9*time.Minute || time.Until(pr.Expires) > 11*time.Minute {
		t.Fatalf("pairing %+v: want a %s code valid for 10 minutes", pr, pairing.Prefix)
	}
	home := filepath.Join(t.TempDir(), "phone")
	var steps []string
	b, res, err := node.Pair(t.Context(), home, pr.Code, node.Options{DeviceName: "phone"}, node.PairOptions{Mock: mn, Progress: func(s string) { steps = append(steps, s) }})
	if err != nil {
		t.Fatalf("Pair: %v", err)
	}
	defer b.Close()
	if b.Account() != a.Account() || res.Account != a.Account() || res.Device != b.Device() || res.PairingDevice != a.Device() || res.Name != "phone" || res.Certificates != 2 {
		t.Fatalf("result %+v; b is %s of %s, a is %s of %s", res, b.Device(), b.Account(), a.Device(), a.Account())
	}
	if len(steps) != 3 || steps[2] != "certified" {
		t.Errorf("progress %q", steps)
	}
	if b.HoldsAccountKey() {
		t.Fatal("the new device holds the account key")
	}
	if _, err := os.Stat(filepath.Join(home, "keys", "account.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("account key file in the new home: %v", err)
	}
	st, err := a.PairingStatus(pr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != node.PairUsed || st.Device != b.Device() || st.Name != "phone" || st.Failures != 0 {
		t.Fatalf("status %+v, want used by %s named phone", st, b.Device())
	}
	for _, n := range []*node.Node{a, b} {
		names := deviceNames(t, n)
		if len(names) != 2 || names[b.Device().String()] != "phone" {
			t.Fatalf("devices known to %s: %v", n.Device(), names)
		}
		if _, ok := names[a.Device().String()]; !ok {
			t.Fatalf("devices known to %s lack a: %v", n.Device(), names)
		}
	}
	// The new device replicates its account's logs, both ways. (On a
	// second mock network: the mock does not tell the pairing's host and
	// the serving one, which have one key, apart.)
	if err := a.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	mn2 := newMockNet(t)
	serveMock(t, mn2, a)
	serveMock(t, mn2, b)
	if _, err := b.AddPeer(t.Context(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Publish(t.Context(), &content.Post{Text: "from the laptop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(t.Context(), &content.Post{Text: "from the phone"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both posts on both devices", func() bool {
		return len(postTexts(t, a, a.Account())) == 2 && len(postTexts(t, b, a.Account())) == 2
	})
	// Without the account key the new device cannot pair another.
	if _, err := b.NewPairing(0, nil); !errors.Is(err, node.ErrNoAccountKey) {
		t.Fatalf("NewPairing on the new device: %v, want ErrNoAccountKey", err)
	}
	// The home opens again as an ordinary home.
	_ = b.StopNetwork()
	b.Close()
	b2, err := node.Open(home, node.Options{})
	if err != nil {
		t.Fatalf("reopen the paired home: %v", err)
	}
	defer b2.Close()
	if b2.Account() != a.Account() || b2.HoldsAccountKey() {
		t.Fatalf("reopened: account %s, holds key %v", b2.Account(), b2.HoldsAccountKey())
	}
}

// withSecret returns code with another secret (a code whose check digits
// are right, so it reaches the pairing device: tampered, not mistyped).
func withCode(t *testing.T, code string, change func(*pairing.Code)) string {
	t.Helper()
	c, err := pairing.Parse(code)
	if err != nil {
		t.Fatal(err)
	}
	change(&c)
	s, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantRefused(t *testing.T, err error, home string, want string) {
	t.Helper()
	if !errors.Is(err, node.ErrPairRefused) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err %v, want ErrPairRefused with %q", err, want)
	}
	if _, serr := os.Stat(home); !errors.Is(serr, os.ErrNotExist) {
		t.Fatalf("a failed pairing left %s behind (%v)", home, serr)
	}
}

// A wrong, reused, unknown or void code fails with its reason and
// certifies nothing; three wrong runs void the code.
func TestMockPairRefusals(t *testing.T) {
	mn := newMockNet(t)
	a := mockNode(t, mn)
	dir := t.TempDir()
	pr, err := a.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	wrong := withCode(t, pr.Code, func(c *pairing.Code) { c.Secret[0] ^= 1 })
	for i, left := range []string{"2 attempts left", "1 attempt left", "the code is now void"} {
		home := filepath.Join(dir, "wrong", string(rune('a'+i)))
		_, _, err := pairMock(t, mn, home, wrong, "thief")
		wantRefused(t, err, home, "wrong code; "+left)
	}
	st, err := a.PairingStatus(pr.ID)
	if err != nil || st.State != node.PairBurnt || st.Failures != 3 {
		t.Fatalf("after 3 wrong runs: %+v %v, want void", st, err)
	}
	home := filepath.Join(dir, "right-after-void")
	_, _, err = pairMock(t, mn, home, pr.Code, "phone")
	wantRefused(t, err, home, "tried wrongly too often")

	unknown := withCode(t, pr.Code, func(c *pairing.Code) { c.ID[0] ^= 1 })
	home = filepath.Join(dir, "unknown")
	_, _, err = pairMock(t, mn, home, unknown, "phone")
	wantRefused(t, err, home, "does not know this code")

	pr2, err := a.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := pairMock(t, mn, filepath.Join(dir, "first"), pr2.Code, "phone"); err != nil {
		t.Fatal(err)
	}
	home = filepath.Join(dir, "again")
	_, _, err = pairMock(t, mn, home, pr2.Code, "tablet")
	wantRefused(t, err, home, "used already")

	pr3, err := a.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CancelPairing(pr3.ID); err != nil {
		t.Fatal(err)
	}
	home = filepath.Join(dir, "cancelled")
	_, _, err = pairMock(t, mn, home, pr3.Code, "phone")
	wantRefused(t, err, home, "does not know this code")

	if names := deviceNames(t, a); len(names) != 2 {
		t.Fatalf("a certified %d devices, want 2 (itself and the one right code's): %v", len(names), names)
	}
}

// A code expired by the new device's clock is refused before any
// connection; a mistyped code before anything is made.
func TestPairCodeRefusedLocally(t *testing.T) {
	mn := newMockNet(t)
	a := mockNode(t, mn)
	pr, err := a.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := withCode(t, pr.Code, func(c *pairing.Code) { c.Expires = time.Now().Add(-time.Second) })
	home := filepath.Join(t.TempDir(), "late")
	if _, _, err := pairMock(t, mn, home, old, "phone"); !errors.Is(err, node.ErrPairCodeExpired) {
		t.Fatalf("expired code: %v", err)
	}
	typo := pr.Code[:20] + "A" + pr.Code[21:]
	if typo == pr.Code {
		typo = pr.Code[:20] + "B" + pr.Code[21:]
	}
	if _, _, err := pairMock(t, mn, home, typo, "phone"); !errors.Is(err, node.ErrBadPairCode) || !strings.Contains(err.Error(), "mistyped") {
		t.Fatalf("mistyped code: %v", err)
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("home made for a refused code: %v", err)
	}
	if st, _ := a.PairingStatus(pr.ID); st.State != node.PairPending || st.Failures != 0 {
		t.Fatalf("status after local refusals %+v", st)
	}
}

// Two devices using one code at once: exactly one is certified.
func TestMockPairRace(t *testing.T) {
	mn := newMockNet(t)
	a := mockNode(t, mn)
	pr, err := a.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const racers = 4
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, _, err := node.Pair(t.Context(), filepath.Join(dir, string(rune('a'+i))), pr.Code, node.Options{}, node.PairOptions{Mock: mn})
			if err == nil {
				n.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, node.ErrPairRefused) && (strings.Contains(err.Error(), "used already") || strings.Contains(err.Error(), "right now")):
		default:
			t.Errorf("racer: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d racers were certified, want 1: %v", won, errs)
	}
	if names := deviceNames(t, a); len(names) != 2 {
		t.Fatalf("a certified %v", names)
	}
}

// At most MaxPendingPairings codes are pending at once.
func TestMockPairPendingLimit(t *testing.T) {
	mn := newMockNet(t)
	a := mockNode(t, mn)
	for range node.MaxPendingPairings {
		if _, err := a.NewPairing(0, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.NewPairing(0, nil); !errors.Is(err, node.ErrTooManyPairings) {
		t.Fatalf("one code too many: %v", err)
	}
	if _, err := a.NewPairing(30*time.Second, nil); err == nil {
		t.Fatal("a 30 s code was made")
	}
}
