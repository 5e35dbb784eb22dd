package node_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// A device revoked while it goes on writing: what it wrote after the
// revocation reaches nobody (refused and counted on import), and once the
// revocation reaches it, it drops those entries, refuses to write and says
// so in its status (payloads.md §6.1).
func TestRevokedDeviceStopsWriting(t *testing.T) {
	old, cur, _ := twoDevices(t)
	ctx := t.Context()
	before, err := old.Publish(ctx, &content.Post{Text: "before the revocation"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := old.Export(ctx, &b, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cur.Import(ctx, &b, nil); err != nil {
		t.Fatal(err)
	}
	rev, err := cur.RevokeDevice(ctx, old.Device().Key(), "lost", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The old device, not knowing yet, writes on.
	after, err := old.Publish(ctx, &content.Post{Text: "after the revocation"})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if _, err := old.Export(ctx, &b, nil, nil); err != nil {
		t.Fatal(err)
	}
	st, err := cur.Import(ctx, &b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.EntriesRejected != 1 {
		t.Fatalf("import of the revoked device's bundle: %+v, want 1 entry rejected", st)
	}
	if _, err := cur.Store().Get(ctx, after.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the entry written after the revocation reached the account's other device: %v", err)
	}
	if _, err := cur.Store().Get(ctx, before.ID); err != nil {
		t.Fatalf("the kept entry: %v", err)
	}
	// The revocation reaches the old device.
	if s, err := old.Status(ctx); err != nil || s.Revoked != nil {
		t.Fatalf("status before the revocation arrives: %+v, %v", s.Revoked, err)
	}
	b.Reset()
	if _, err := cur.Export(ctx, &b, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Import(ctx, &b, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Store().Get(ctx, after.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the revoked device still holds what it wrote after: %v", err)
	}
	if _, err := old.Store().Get(ctx, before.ID); err != nil {
		t.Fatalf("the revoked device lost a kept entry: %v", err)
	}
	_, err = old.Publish(ctx, &content.Post{Text: "still here?"})
	if !errors.Is(err, node.ErrDeviceRevoked) {
		t.Fatalf("publish on a revoked device: %v, want ErrDeviceRevoked", err)
	}
	for _, want := range []string{rev.ID.String(), cur.Account().String(), "kith init --pair", "kith init --restore"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := old.Follow(ctx, cur.Account().Key(), true); !errors.Is(err, node.ErrDeviceRevoked) {
		t.Fatalf("follow on a revoked device: %v", err)
	}
	s, err := old.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Revoked == nil || s.Revoked.By != rev.ID || s.Revoked.Reason != "lost" || s.Revoked.Account != cur.Account() {
		t.Fatalf("status of the revoked device: %+v", s.Revoked)
	}
	// The account's other device writes on.
	if _, err := cur.Publish(ctx, &content.Post{Text: "still fine"}); err != nil {
		t.Fatal(err)
	}
}
