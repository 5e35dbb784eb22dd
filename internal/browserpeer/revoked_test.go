package browserpeer

import (
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/store"
)

// TestRevokedDeviceCannotPost: once the peer holds its account's
// revocation of its device, Revocation says so and Post fails with
// ErrRevoked, making nothing.
func TestRevokedDeviceCannotPost(t *testing.T) {
	var kept keptLog
	p, acc := newPeer(t, "revoked", &kept)
	ctx := t.Context()
	if msg, err := p.Revocation(ctx); err != nil || msg != "" {
		t.Fatalf("before the revocation: %q, %v", msg, err)
	}
	if _, err := p.Post(ctx, "before"); err != nil {
		t.Fatal(err)
	}
	rs, err := p.store.Log(ctx, store.LogKey{Author: acc.Public(), LogID: content.DeviceCertLog(p.Device())}, 1, 1)
	if err != nil || len(rs) != 1 {
		t.Fatalf("the certificate: %v %d", err, len(rs))
	}
	rev, err := content.NewDeviceRevoke(acc, rs[0].Entry, "lost", nil, 1_700_000_000_001)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.append(ctx, rev); err != nil {
		t.Fatal(err)
	}
	msg, err := p.Revocation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "This browser (device " + p.Device().Device().String() + ") was revoked by its account " + acc.Public().Account().String() + ` (reason: "lost"). It can no longer post`
	if !strings.HasPrefix(msg, want) {
		t.Fatalf("Revocation = %q, want it to start with %q", msg, want)
	}
	e, err := p.Post(ctx, "after")
	if !errors.Is(err, ErrRevoked) || e != nil || err.Error() != msg {
		t.Fatalf("Post after the revocation: %v, %v; want ErrRevoked with the message", e, err)
	}
	// The revocation kept none of the device's logs, so the store drops
	// the post before it too; the refused one was never made.
	if h, err := p.store.Head(ctx, store.LogKey{Author: p.Device()}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the device's public log after the revocation: head %+v, %v; want none", h, err)
	}
}
