package node

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/scope"
)

// A serving node keeps its scope from the statements it stores (Note,
// Recompute), and after every follow, unfollow, block and delete of a
// follow it answers what a scope computed from scratch answers; so do
// Follows and the message loop's authors (ownRelations). Deleting the
// follow that counted brings back the unfollow before it (this failed
// before: a delete did not recompute the scope).
func TestFollowScopeKeptIncrementally(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	off := false
	cfg := DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	if err := n.StartNetwork(t.Context(), ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var x, y, z identity.PublicKey
	for _, k := range []*identity.PublicKey{&x, &y, &z} {
		p, _ := identity.GenerateKey(nil)
		*k = p.Public()
	}
	check := func(step string, following, blocked []identity.PublicKey) {
		t.Helper()
		sorted := func(ks []identity.PublicKey) []identity.PublicKey {
			ks = slices.Clone(ks)
			slices.SortFunc(ks, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
			return ks
		}
		var want []identity.AccountID
		for _, k := range sorted(following) {
			want = append(want, k.Account())
		}
		sc := n.net.Load().scope
		if got := sc.Following(); !slices.Equal(got, want) {
			t.Fatalf("%s: the scope follows %v, want %v", step, got, want)
		}
		for _, k := range []identity.PublicKey{x, y, z} {
			if got, want := sc.Blocked(k), slices.Contains(blocked, k); got != want {
				t.Fatalf("%s: the scope blocks %s: %v, want %v", step, k.Account(), got, want)
			}
		}
		full, err := scope.New(ctx, n.store, scope.Config{Account: n.account, Device: n.device.Public(), Hops: *cfg.Hops})
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(sc.Accounts(), full.Accounts()) {
			t.Fatalf("%s: the scope's accounts %v, computed from scratch %v", step, sc.Accounts(), full.Accounts())
		}
		fol, blk, err := n.Follows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var gotF, gotB []identity.PublicKey
		for _, r := range fol {
			gotF = append(gotF, r.Account)
		}
		for _, r := range blk {
			gotB = append(gotB, r.Account)
		}
		if !slices.Equal(gotF, sorted(following)) || !slices.Equal(gotB, sorted(blocked)) {
			t.Fatalf("%s: Follows says following %v, blocked %v; want %v, %v", step, gotF, gotB, sorted(following), sorted(blocked))
		}
	}
	do := func(step string, f func() error) {
		t.Helper()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	check("at start", nil, nil)
	do("follow x", func() error { _, err := n.Follow(ctx, x, true); return err })
	do("follow y", func() error { _, err := n.Follow(ctx, y, true); return err })
	check("x and y followed", []identity.PublicKey{x, y}, nil)
	do("block z", func() error { _, err := n.Block(ctx, z, true); return err })
	check("z blocked", []identity.PublicKey{x, y}, []identity.PublicKey{z})
	do("unfollow x", func() error { _, err := n.Follow(ctx, x, false); return err })
	check("x unfollowed", []identity.PublicKey{y}, []identity.PublicKey{z})
	e, err := n.Follow(ctx, x, true)
	if err != nil {
		t.Fatal(err)
	}
	check("x followed again", []identity.PublicKey{x, y}, []identity.PublicKey{z})
	do("delete the follow of x", func() error { _, err := n.Delete(ctx, e.ID); return err })
	check("the follow of x deleted: the unfollow counts", []identity.PublicKey{y}, []identity.PublicKey{z})
	do("unblock z", func() error { _, err := n.Block(ctx, z, false); return err })
	check("z unblocked", []identity.PublicKey{y}, nil)
}

// The message loop's authors (messageAuthors), kept from the scope's
// changes while the network runs (a follow adds one account's devices),
// are after every follow, unfollow, block, unblock and device certificate
// what they are read from scratch: the devices of this account and of the
// accounts followed, blocked ones left out.
func TestMessageAuthorsKeptFromFollows(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	off := false
	cfg := DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	if err := n.StartNetwork(t.Context(), ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	accounts := make([]identity.PrivateKey, 4)
	devices := map[identity.PublicKey]identity.PublicKey{} // device -> account
	certify := func(i int) {
		t.Helper()
		d, _ := identity.GenerateKey(nil)
		cert, err := content.NewDeviceCert(accounts[i], d, "d", uint64(len(devices)+1))
		if err != nil {
			t.Fatal(err)
		}
		if err := n.appendCert(ctx, cert); err != nil {
			t.Fatal(err)
		}
		devices[d.Public()] = accounts[i].Public()
	}
	for i := range accounts {
		accounts[i], _ = identity.GenerateKey(nil)
		certify(i)
	}
	following, blocking := map[int]bool{}, map[int]bool{}
	check := func(step string) {
		t.Helper()
		want := map[identity.PublicKey]identity.PublicKey{}
		own, err := n.store.Devices(ctx, n.account)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range own {
			want[d.Device] = n.account
		}
		for d, a := range devices {
			for i := range accounts {
				if accounts[i].Public() == a && following[i] && !blocking[i] {
					want[d] = a
				}
			}
		}
		n.msgs.mu.Lock()
		got, err := n.messageAuthors(ctx)
		n.msgs.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			var missing, extra int
			for d, a := range want {
				if got[d] != a {
					missing++
				}
			}
			for d := range got {
				if _, ok := want[d]; !ok {
					extra++
				}
			}
			t.Fatalf("%s: the message loop's authors are %d devices, want %d: %d missing or with another account, %d extra", step, len(got), len(want), missing, extra)
		}
	}
	follow := func(i int, on bool) {
		t.Helper()
		if _, err := n.Follow(ctx, accounts[i].Public(), on); err != nil {
			t.Fatal(err)
		}
		following[i] = on
	}
	block := func(i int, on bool) {
		t.Helper()
		if _, err := n.Block(ctx, accounts[i].Public(), on); err != nil {
			t.Fatal(err)
		}
		blocking[i] = on
	}
	check("at start")
	follow(0, true)
	check("0 followed")
	follow(1, true)
	follow(2, true)
	check("0, 1, 2 followed")
	certify(1)
	check("a second device of 1")
	block(2, true)
	check("2 blocked")
	follow(3, true)
	check("3 followed")
	follow(0, false)
	check("0 unfollowed")
	block(2, false)
	check("2 unblocked")
	follow(0, true)
	certify(0)
	check("0 followed again, with a second device")
}
