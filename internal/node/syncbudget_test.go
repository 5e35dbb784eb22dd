package node_test

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/replicate"
)

// TestSyncBudget: the node's sync sessions take the logs they want from a
// peer out of the node's budget while the session runs, and give them back
// when it ends.
func TestSyncBudget(t *testing.T) {
	mn := newMockNet(t)
	a, _ := initNode(t, node.Options{})
	if u := a.SyncBudget(); u != (replicate.BudgetUsage{}) {
		t.Fatalf("budget before the network runs: %+v, want zero", u)
	}
	serveMock(t, mn, a)
	b := mockNode(t, mn)
	follow(t, a, b)
	if _, err := b.Post(t.Context(), "hello", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPeer(t.Context(), b.Addrs()[0]); err != nil {
		t.Fatalf("AddPeer: %v", err)
	}
	eventually(t, "a to hold b's post", func() bool {
		return slices.Equal(postTexts(t, a, b.Account()), []string{"hello"})
	})
	u := a.SyncBudget()
	if u.Limit != replicate.DefaultBudget || u.Used < 1 || u.Peak < u.Used {
		t.Fatalf("budget while syncing with b: %+v; want some of %d used", u, replicate.DefaultBudget)
	}
	if err := b.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a's session with b to give its budget back", func() bool { return a.SyncBudget().Used == 0 })
}
