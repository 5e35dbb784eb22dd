package node

import (
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/store"
)

// TestFollowDuringStartNoted: a follow stored while StartNetwork builds
// the scope, after the scope read this account's follows, is in the
// scope once the network is up. It was not: noteAdded saw no network for
// it, and the scope missed it until its full read ten minutes later.
func TestFollowDuringStartNoted(t *testing.T) {
	ctx := t.Context()
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	other, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	hook := &findHook{Store: n.store}
	fired := false
	hook.after = func(q store.Query) bool {
		if q.Type != content.TypeFollow {
			return false
		}
		// The scope has read this account's follows.
		hook.after, fired = nil, true
		if _, err := n.Follow(ctx, other.Public(), true); err != nil {
			t.Error(err)
		}
		return true
	}
	n.store = hook
	off := false
	cfg := DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	if err := n.StartNetwork(ctx, ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.StopNetwork() })
	if !fired {
		t.Fatal("the scope did not read this account's follows while the network started")
	}
	follows, _, err := n.net.Load().scope.RelationsOf(ctx, n.account, []identity.PublicKey{n.device.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if !follows[other.Public()] {
		t.Fatalf("the scope follows %d accounts, not the one followed while the network started", len(follows))
	}
}
