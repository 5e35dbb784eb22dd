package node_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// TestMockVillageRequest: a stranger's request through one local reaches
// the other local by sync; once a local vetoes the stranger, both locals'
// nodes refuse its requests.
func TestMockVillageRequest(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 4)
	a, b, x, y := ns[0], ns[1], ns[2], ns[3]
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{dev(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	share(t, a, b)
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	// a and b are connected (and sync the village logs); x reaches only a.
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	// A node that takes part in no such village says so (another
	// village id: each node's test clock starts at the same instant, so a
	// request x wrote now would predate the founding and be ignored).
	if _, err := x.RequestVillage(ctx, entry.ID{1}, y.Addrs()[0], "hello?", [32]byte{}); !errors.Is(err, node.ErrRequestRefused) || !strings.Contains(err.Error(), "no such village") {
		t.Fatalf("request to a non-local: %v", err)
	}
	if _, err := x.RequestVillage(ctx, vid, a.Addrs()[0], "may I sell honey at the market?", [32]byte{}); err != nil {
		t.Fatal(err)
	}
	sx := village.RequestStranger(dev(x), [32]byte(x.Account().Key()))
	inbox := func(n *node.Node) []village.StrangerRequest {
		st, err := n.Village(ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		if sg := st.Stranger(sx); sg != nil && sg.Pending() {
			return sg.Requests
		}
		return nil
	}
	if r := inbox(a); len(r) != 1 || r[0].Text != "may I sell honey at the market?" {
		t.Fatalf("a's inbox: %+v", r)
	}
	eventually(t, "b to see x's request", func() bool { return len(inbox(b)) == 1 })

	// b vetoes x; once a holds the veto, a's node refuses x too.
	if _, err := b.VoteStranger(ctx, vid, sx, village.VoteVeto, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.RequestVillage(ctx, vid, b.Addrs()[0], "please", [32]byte{}); !errors.Is(err, node.ErrRequestVetoed) {
		t.Fatalf("request to the vetoing local: %v", err)
	}
	eventually(t, "a to hold b's veto", func() bool {
		st, err := a.Village(ctx, vid)
		return err == nil && st.Stranger(sx) != nil && st.Stranger(sx).Standing == village.Vetoed
	})
	_, err = x.RequestVillage(ctx, vid, a.Addrs()[0], "please", [32]byte{})
	if !errors.Is(err, node.ErrRequestVetoed) || !strings.Contains(err.Error(), "vetoes") {
		t.Fatalf("request to the other local: %v", err)
	}
	// Neither local took the refused requests.
	for _, n := range []*node.Node{a, b} {
		st, _ := n.Village(ctx, vid)
		if got := len(st.Stranger(sx).Requests); got != 1 {
			t.Fatalf("a local holds %d requests of the vetoed stranger", got)
		}
	}
}
