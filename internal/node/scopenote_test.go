package node

import (
	"bytes"
	"maps"
	"slices"
	"testing"

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
