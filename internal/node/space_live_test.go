package node_test

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

func readable(t *testing.T, n *node.Node, id entry.ID, text string) bool {
	t.Helper()
	ms, err := n.SpaceMessages(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Status == node.SpaceReadable && m.Text == text {
			return true
		}
	}
	return false
}

func heldSealed(t *testing.T, n *node.Node, id entry.ID) int {
	t.Helper()
	ms, err := n.SpaceMessages(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for _, m := range ms {
		if m.Status == node.SpaceUnknownEpoch {
			k++
		}
	}
	return k
}

// TestMockSpaceLive: a space of three running nodes. The members' nodes
// publish their encryption keys when the space reaches them, the
// creator's node gives them the epoch, posts travel and open; after a
// removal the creator's node starts a new epoch by itself and the removed
// member's node stores the next post without reading it.
func TestMockSpaceLive(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 3)
	a, b, c := ns[0], ns[1], ns[2]
	for _, x := range ns {
		for _, y := range ns {
			if x != y {
				follow(t, x, y)
			}
		}
	}
	for _, x := range []*node.Node{b, c} {
		if _, err := x.AddPeer(ctx, a.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
	}
	ce, err := a.CreateSpace(ctx, "Allotment", entry.ID{}, nil, []identity.PublicKey{acc(b), acc(c)})
	if err != nil {
		t.Fatal(err)
	}
	id := ce.ID
	for _, x := range []*node.Node{b, c} {
		eventually(t, "a member's node holds the space's key", func() bool {
			v, err := x.Space(ctx, id)
			return err == nil && v.CanWrite
		})
	}
	if _, err := b.PostToSpace(ctx, id, "who brings the seeds?", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*node.Node{a, c} {
		eventually(t, "the post opens on the other members' nodes", func() bool { return readable(t, x, id, "who brings the seeds?") })
	}
	if _, err := a.RemoveFromSpace(ctx, id, acc(c)); err != nil {
		t.Fatal(err)
	}
	// Until b's node knows of the removal it may still seal under the
	// first epoch (kσ); once it knows, it seals only under a new one.
	eventually(t, "b's node learns the removal and the new epoch", func() bool {
		v, err := b.Space(ctx, id)
		if err != nil || !v.CanWrite {
			return false
		}
		for _, m := range v.Members {
			if m.Account == acc(c) {
				return false
			}
		}
		return true
	})
	if _, err := b.PostToSpace(ctx, id, "c is gone", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a reads b's post", func() bool { return readable(t, a, id, "c is gone") })
	eventually(t, "c stores b's post sealed", func() bool { return heldSealed(t, c, id) == 1 })
	if readable(t, c, id, "c is gone") {
		t.Fatal("the removed member read a post sealed after its removal")
	}
	if !readable(t, c, id, "who brings the seeds?") {
		t.Fatal("the removed member lost what it could read before")
	}
}

// A member's account revokes one of its devices: the admin's node starts
// a new epoch without it, and the revoked device stores what follows
// sealed while the account's other device reads it (space-membership.md
// §5, spaces.md §3).
func TestSpaceRevokedDeviceShutOut(t *testing.T) {
	ctx := t.Context()
	old, cur, _ := twoDevices(t)
	a, _ := initNode(t, node.Options{})
	shareAll(t, a, old, cur)
	ce, err := a.CreateSpace(ctx, "Two devices", entry.ID{}, nil, []identity.PublicKey{acc(cur)})
	if err != nil {
		t.Fatal(err)
	}
	id := ce.ID
	step := func() { // every node keeps its keys, then all share
		t.Helper()
		for _, n := range []*node.Node{a, old, cur} {
			if _, err := n.Space(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		shareAll(t, a, old, cur)
	}
	shareAll(t, a, old, cur)
	step()
	step()
	if _, err := old.PostToSpace(ctx, id, "from the old laptop", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	// The revocation keeps what the account's other device held of the
	// old one when it revoked it (payloads.md §6.1).
	shareAll(t, a, old, cur)
	if _, err := cur.RevokeDevice(ctx, old.Device().Key(), "lost", nil); err != nil {
		t.Fatal(err)
	}
	shareAll(t, a, old, cur)
	step()
	if _, err := a.PostToSpace(ctx, id, "after the revocation", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	shareAll(t, a, old, cur)
	if !readable(t, cur, id, "after the revocation") || !readable(t, cur, id, "from the old laptop") {
		ms, _ := cur.SpaceMessages(ctx, id)
		t.Fatalf("the account's current device cannot read the space: %+v", ms)
	}
	ms, err := old.SpaceMessages(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sealed := 0
	for _, m := range ms {
		if m.Text == "after the revocation" {
			t.Fatal("the revoked device read a post sealed after its revocation")
		}
		if m.Status == node.SpaceUnknownEpoch {
			sealed++
		}
	}
	if sealed != 1 {
		t.Fatalf("the revoked device holds %d sealed posts, want 1: %+v", sealed, ms)
	}
}
