package node_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// TestRevokedDeviceRefusesEveryWrite: once a device holds its own
// revocation, every write is refused with ErrDeviceRevoked and its
// message: posts and the other payloads, villages and spaces, and also an
// invite code, a join, a pairing code and a revocation, which would make
// others (or itself) publish on its word.
func TestRevokedDeviceRefusesEveryWrite(t *testing.T) {
	old, cur, phrase := twoDevices(t)
	ctx := t.Context()
	before, err := old.Post(ctx, "before", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cur.RevokeDevice(ctx, old.Device().Key(), "lost", nil); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := cur.Export(ctx, &b, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Import(ctx, &b, nil); err != nil {
		t.Fatal(err)
	}
	other, _ := initNode(t, node.Options{})
	name := "x"
	mn := newMockNet(t)
	serveMock(t, mn, old)
	serveMock(t, mn, other)
	inv, err := other.NewInvite(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	writes := []struct {
		name string
		do   func() error
	}{
		{"post", func() error { _, err := old.Post(ctx, "after", nil, entry.ID{}); return err }},
		{"profile", func() error { _, _, err := old.SetProfile(ctx, node.ProfileUpdate{Name: &name}); return err }},
		{"follow", func() error { _, err := old.Follow(ctx, other.Account().Key(), true); return err }},
		{"block", func() error { _, err := old.Block(ctx, other.Account().Key(), true); return err }},
		{"delete", func() error { _, err := old.Delete(ctx, before.ID); return err }},
		{"village", func() error {
			_, err := old.FoundVillage(ctx, "v", village.Unanimous, village.Majority, []identity.PublicKey{other.Account().Key()})
			return err
		}},
		{"space", func() error { _, err := old.CreateSpace(ctx, "s", entry.ID{}, nil, nil); return err }},
		{"invite", func() error { _, err := old.NewInvite(time.Hour); return err }},
		{"join", func() error { _, err := old.Join(ctx, inv.Code); return err }},
		{"pairing", func() error { _, err := old.NewPairing(0, &node.PhraseAuth{Phrase: phrase}); return err }},
		{"revoke", func() error {
			_, err := old.RevokeDevice(ctx, cur.Device().Key(), "", &node.PhraseAuth{Phrase: phrase})
			return err
		}},
	}
	for _, w := range writes {
		if err := w.do(); !errors.Is(err, node.ErrDeviceRevoked) {
			t.Errorf("%s on a revoked device: %v, want ErrDeviceRevoked", w.name, err)
		}
	}
	// The join was refused before it reached the inviter: the code is
	// still good for someone else.
	third := mockNode(t, mn)
	if _, err := third.Join(ctx, inv.Code); err != nil {
		t.Errorf("the invite after the revoked device's refused join: %v", err)
	}
}
