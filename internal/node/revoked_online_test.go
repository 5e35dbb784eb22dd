package node_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// TestMockRevokedWhileConnected: two devices of one account, connected;
// one revokes the other. The revocation reaches the revoked device, which
// then refuses to post with the device_revoked error.
func TestMockRevokedWhileConnected(t *testing.T) {
	mn := newMockNet(t)
	old, cur, _ := twoDevices(t)
	serveMock(t, mn, old)
	serveMock(t, mn, cur)
	if _, err := old.AddPeer(t.Context(), cur.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Post(t.Context(), "before", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "cur to hold old's post", func() bool { return len(postTexts(t, cur, cur.Account())) == 1 })
	if _, err := cur.RevokeDevice(t.Context(), old.Device().Key(), "lost", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := old.OwnRevocation(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if r != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the revocation did not reach the connected revoked device in 15 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := old.Post(t.Context(), "after", nil, entry.ID{}); !errors.Is(err, node.ErrDeviceRevoked) {
		t.Fatalf("post on the revoked device: %v, want ErrDeviceRevoked", err)
	}
}
