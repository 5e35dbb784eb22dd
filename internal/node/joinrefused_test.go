package node_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/node"
)

// publicSeq returns how many entries n's device has in its public log.
func publicSeq(t *testing.T, n *node.Node) uint64 {
	t.Helper()
	heads, err := n.LogsOf(t.Context(), n.Device().Key())
	if err != nil {
		t.Fatal(err)
	}
	var seq uint64
	for _, h := range heads {
		seq += h.Seq
	}
	return seq
}

// TestMockJoinRefusedPublishesNothing: joining with a used invite code
// fails and publishes nothing (no follow of the inviter), and says so.
func TestMockJoinRefusedPublishesNothing(t *testing.T) {
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 3)
	a, b, c := ns[0], ns[1], ns[2]
	inv, err := a.NewInvite(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(t.Context(), inv.Code); err != nil {
		t.Fatalf("Join: %v", err)
	}
	before := publicSeq(t, c)
	res, err := c.Join(t.Context(), inv.Code)
	if !errors.Is(err, node.ErrInviteRefused) || res.Mutual || res.FollowID != "" {
		t.Fatalf("Join with a used code = %+v, %v; want ErrInviteRefused and no follow", res, err)
	}
	if want := "nothing was published: ask them for a new invite code"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if got := publicSeq(t, c); got != before {
		t.Errorf("c's device wrote %d entries after a refused join, want %d (no follow)", got, before)
	}
}
