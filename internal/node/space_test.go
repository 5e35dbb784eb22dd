package node_test

import (
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/space"
)

// shareAll makes every node hold every entry of every other.
func shareAll(t *testing.T, ns ...*node.Node) {
	t.Helper()
	for _, from := range ns {
		for _, to := range ns {
			if from != to {
				share(t, from, to)
			}
		}
	}
}

func texts(t *testing.T, n *node.Node, id entry.ID) map[string]node.SpaceStatus {
	t.Helper()
	ms, err := n.SpaceMessages(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]node.SpaceStatus{}
	for _, m := range ms {
		key := m.Text
		if m.Status != node.SpaceReadable {
			key = m.ID.String()
		}
		out[key] = m.Status
	}
	return out
}

func TestSpaceRemovalShutsOutNewContent(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	c, _ := initNode(t, node.Options{})
	// Each publishes its encryption key before the space exists: the
	// creator wraps the first epoch to all three at once.
	shareAll(t, a, b, c)
	ce, err := a.CreateSpace(ctx, "Garden", entry.ID{}, nil, []identity.PublicKey{acc(b), acc(c)})
	if err != nil {
		t.Fatal(err)
	}
	id := ce.ID
	// b and c publish their encryption keys when they learn of the space;
	// a's node then gives them the epoch.
	shareAll(t, a, b, c)
	for _, n := range []*node.Node{b, c} {
		if _, err := n.SpaceMessages(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	shareAll(t, a, b, c)
	if _, err := a.SpaceMessages(ctx, id); err != nil { // a wraps to the new keys
		t.Fatal(err)
	}
	shareAll(t, a, b, c)
	if _, err := b.PostToSpace(ctx, id, "before the removal", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	shareAll(t, a, b, c)
	for _, n := range []*node.Node{a, b, c} {
		if got := texts(t, n, id); got["before the removal"] != node.SpaceReadable {
			t.Fatalf("before the removal: %v", got)
		}
	}
	if _, err := a.RemoveFromSpace(ctx, id, acc(c)); err != nil {
		t.Fatal(err)
	}
	// b has not heard of the removal yet: it may still seal under the old
	// epoch (kσ); once it hears, it seals under the new one only.
	shareAll(t, a, b, c)
	if _, err := b.PostToSpace(ctx, id, "after the removal", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PostToSpace(ctx, id, "removed member writes", entry.ID{}); err == nil {
		t.Fatal("a removed member sealed a post")
	}
	shareAll(t, a, b, c)
	if got := texts(t, a, id); got["after the removal"] != node.SpaceReadable || got["before the removal"] != node.SpaceReadable {
		t.Fatalf("a reads %v", got)
	}
	got := texts(t, c, id)
	if got["before the removal"] != node.SpaceReadable {
		t.Fatalf("the removed member lost what it could read: %v", got)
	}
	if _, ok := got["after the removal"]; ok {
		t.Fatalf("the removed member read a post sealed after its removal: %v", got)
	}
	sealed := 0
	for _, s := range got {
		if s == node.SpaceUnknownEpoch {
			sealed++
		}
	}
	if sealed != 1 {
		t.Fatalf("the removed member holds %d sealed entries, want 1: %v", sealed, got)
	}
	if _, err := b.AddToSpace(ctx, id, acc(c), space.Member); !errors.Is(err, node.ErrSpaceRule) {
		t.Fatalf("a member (not an admin) added someone: %v", err)
	}
}
