package node_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// serveMock starts n's network on the mock network.
func serveMock(t *testing.T, mn *netnode.MockNet, n *node.Node) {
	t.Helper()
	off := false
	cfg := node.DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	if err := n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatalf("StartNetwork: %v", err)
	}
	t.Cleanup(func() { _ = n.StopNetwork() })
}

func newMockNet(t *testing.T) *netnode.MockNet {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	return mn
}

func mockNode(t *testing.T, mn *netnode.MockNet) *node.Node {
	t.Helper()
	n, _ := initNode(t, node.Options{})
	serveMock(t, mn, n)
	return n
}

func mockNodes(t *testing.T, mn *netnode.MockNet, count int) []*node.Node {
	t.Helper()
	var out []*node.Node
	for i := 0; i < count; i++ {
		out = append(out, mockNode(t, mn))
	}
	return out
}

// postTexts returns the post texts of account held by n, in log order.
func postTexts(t *testing.T, n *node.Node, account identity.AccountID) []string {
	t.Helper()
	logs, err := n.LogsOf(t.Context(), account.Key())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = n.EachEntry(t.Context(), logs, func(e *store.Stored) error {
		if e.Type == content.TypePost && e.Payload != nil {
			p, err := content.Decode(e.Payload)
			if err != nil {
				return err
			}
			out = append(out, p.(*content.Post).Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func follow(t *testing.T, n, other *node.Node) {
	t.Helper()
	if _, err := n.Follow(t.Context(), other.Account().Key(), true); err != nil {
		t.Fatal(err)
	}
}

// TestMockReplicatesLive: three nodes following each other, linked in a
// line 0 - 1 - 2. Node 0's posts reach node 2, through node 1 or through
// the direct connection node 2's discovery makes once the follow brings
// node 0's certificate (on the mock network every node is dialable).
// That relaying along a line works alone is replicate's test and the
// multi-process chain test's, where discovery has no way to shortcut.
func TestMockReplicatesLive(t *testing.T) {
	ns := mockNodes(t, newMockNet(t), 3)
	for _, a := range ns {
		for _, b := range ns {
			if a != b {
				follow(t, a, b)
			}
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := ns[i].AddPeer(t.Context(), ns[i+1].Addrs()[0]); err != nil {
			t.Fatalf("AddPeer: %v", err)
		}
	}
	var want []string
	for k := 0; k < 5; k++ {
		text := fmt.Sprintf("post %d", k)
		want = append(want, text)
		if _, err := ns[0].Post(t.Context(), text, nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "node 2 to hold node 0's posts", func() bool {
		return slices.Equal(postTexts(t, ns[2], ns[0].Account()), want)
	})
	if peers := ns[1].Peers(); len(peers) != 2 {
		t.Fatalf("node 1 has %d peers, want 2", len(peers))
	}
	// Every connection runs one session, and each ends caught up.
	eventually(t, "node 2's sessions to be caught up", func() bool {
		st, err := ns[2].Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return st.Serving && st.Peers >= 1 && st.Sync.Sessions == st.Peers && st.Sync.CaughtUp == st.Peers &&
			st.Sync.EntriesReceived == st.Sync.EntriesExpected
	})
}

func TestMockInviteJoinIsMutual(t *testing.T) {
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 2)
	a, b := ns[0], ns[1]
	inv, err := a.NewInvite(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Join(t.Context(), inv.Code)
	if err != nil {
		t.Fatalf("Join: %v", err)
	}
	if !res.Mutual || res.Account != a.Account() || res.Device != a.Device() || res.FollowID == "" {
		t.Fatalf("Join result: %+v", res)
	}
	if _, err := a.Post(t.Context(), "from a", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Post(t.Context(), "from b", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to hold a's post", func() bool { return slices.Equal(postTexts(t, b, a.Account()), []string{"from a"}) })
	eventually(t, "a to hold b's post", func() bool { return slices.Equal(postTexts(t, a, b.Account()), []string{"from b"}) })
	// The invite is single-use.
	c := mockNode(t, mn)
	res, err = c.Join(t.Context(), inv.Code)
	if err == nil || res.Mutual {
		t.Fatalf("a used invite was accepted again: %+v", res)
	}
	if !strings.Contains(err.Error(), "unknown or already used invite") {
		t.Fatalf("error %q does not say the invite was used", err)
	}
}

func TestNotServing(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ctx := context.Background()
	if _, err := n.AddPeer(ctx, "/ip4/127.0.0.1/tcp/1"); err != node.ErrNotServing {
		t.Fatalf("AddPeer: %v", err)
	}
	if _, err := n.NewInvite(0); err != node.ErrNotServing {
		t.Fatalf("NewInvite: %v", err)
	}
	st, err := n.Status(ctx)
	if err != nil || st.Serving || st.Logs != 1 || st.Entries != 1 {
		t.Fatalf("Status: %+v %v", st, err)
	}
}

// TestMockBlockedNeverReplicated: A blocks C. Connected and following each
// other, A takes nothing of C's and gives C nothing; once A lifts the
// block, both posts flow (the control that the link worked all along).
func TestMockBlockedNeverReplicated(t *testing.T) {
	ns := mockNodes(t, newMockNet(t), 2)
	a, c := ns[0], ns[1]
	follow(t, a, c)
	follow(t, c, a)
	if _, err := a.Block(t.Context(), c.Account().Key(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddPeer(t.Context(), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	for _, p := range ns {
		if _, err := p.Post(t.Context(), "from "+p.Device().String()[:12], nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "c to be connected to a", func() bool { return len(c.Peers()) == 1 })
	time.Sleep(500 * time.Millisecond)
	if ps := a.Peers(); len(ps) != 1 || ps[0].Sync != nil {
		t.Fatalf("a runs a sync session with a blocked peer: %+v", ps)
	}
	if got := postTexts(t, a, c.Account()); len(got) != 0 {
		t.Fatalf("a holds posts of the account it blocks: %v", got)
	}
	if got := postTexts(t, c, a.Account()); len(got) != 0 {
		t.Fatalf("a gave its posts to a blocked account: %v", got)
	}
	if _, err := a.Block(t.Context(), c.Account().Key(), false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a to hold c's post after the unblock", func() bool { return len(postTexts(t, a, c.Account())) == 1 })
	eventually(t, "c to hold a's post after the unblock", func() bool { return len(postTexts(t, c, a.Account())) == 1 })
}

// TestMockConfiguredPeerIsKept: a peer in the configuration is dialled and
// kept; an address that cannot work does not stop the node from starting.
// (That a kept peer is redialled after it restarts is netnode's test.)
func TestMockConfiguredPeerIsKept(t *testing.T) {
	mn := newMockNet(t)
	a := mockNode(t, mn)
	b, _ := initNode(t, node.Options{})
	off := false
	cfg := node.DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Peers = []string{a.Addrs()[0], "/ip4/127.0.0.1/tcp/1", "not an address"}
	if err := b.StartNetwork(t.Context(), node.ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatalf("StartNetwork with configured peers: %v", err)
	}
	t.Cleanup(func() { _ = b.StopNetwork() })
	eventually(t, "b to connect to its configured peer", func() bool {
		ps := b.Peers()
		return len(ps) == 1 && ps[0].Device == a.Device()
	})
}

// TestMockHops: A follows B, B follows C, C follows D; A is connected to B
// only, B to C, C to D. With the default of one hop A replicates C (whom
// B follows) but not D; with hops = 0 only B.
func TestMockHops(t *testing.T) {
	for _, tc := range []struct {
		hops  int
		wantC bool
	}{{0, false}, {1, true}} {
		mn := newMockNet(t)
		var ns []*node.Node
		for i := 0; i < 4; i++ {
			n, _ := initNode(t, node.Options{})
			off := false
			cfg := node.DefaultConfig()
			cfg.MDNS, cfg.DHT = &off, &off
			h := 1
			if i == 0 {
				h = tc.hops
			}
			cfg.Hops = &h
			if err := n.StartNetwork(t.Context(), node.ServeOptions{Config: cfg, Mock: mn}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = n.StopNetwork() })
			ns = append(ns, n)
		}
		a, b, c, d := ns[0], ns[1], ns[2], ns[3]
		follow(t, a, b)
		follow(t, b, c)
		follow(t, c, d)
		for i := 0; i < 3; i++ {
			if _, err := ns[i].AddPeer(t.Context(), ns[i+1].Addrs()[0]); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []*node.Node{b, c, d} {
			if _, err := p.Post(t.Context(), "post", nil, entry.ID{}); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "a to hold b's post", func() bool { return len(postTexts(t, a, b.Account())) == 1 })
		eventually(t, "b to hold c's post", func() bool { return len(postTexts(t, b, c.Account())) == 1 })
		eventually(t, "c to hold d's post", func() bool { return len(postTexts(t, c, d.Account())) == 1 })
		if tc.wantC {
			eventually(t, "a to hold c's post (one hop)", func() bool { return len(postTexts(t, a, c.Account())) == 1 })
		}
		time.Sleep(300 * time.Millisecond)
		if got := len(postTexts(t, a, c.Account())); (got == 1) != tc.wantC {
			t.Errorf("hops %d: a holds %d posts of c", tc.hops, got)
		}
		if got := len(postTexts(t, a, d.Account())); got != 0 {
			t.Errorf("hops %d: a holds %d posts of d, two hops away", tc.hops, got)
		}
	}
}
