package node_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/services"
)

// onlineAt returns what n's hubs say of device: its entry in Online.
func onlineAt(n *node.Node, device identity.DeviceID) (node.OnlineDevice, bool) {
	on, _ := n.Online()
	for _, d := range on {
		if d.Device == device {
			return d, true
		}
	}
	return node.OnlineDevice{}, false
}

// Issue 14, item 3, on real nodes over loopback: A and B follow each
// other and are connected only to a hub; C follows A, who does not follow
// it. B learns that A is online at the hub, with A's heads; when A posts,
// B learns the new head without a sync round and fetches the entry
// (connecting to A, through the hub's relay); C learns nothing of A. A's
// message reaches B; C's is refused as unreachable, the same as a device
// not connected; A's 23rd message within a minute is refused as too fast.
// When A goes, B learns it.
func TestPresenceThroughHub(t *testing.T) {
	ctx := t.Context()
	hub, _ := initNode(t, node.Options{})
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	c, _ := initNode(t, node.Options{})
	for _, f := range []struct{ who, whom *node.Node }{{a, b}, {b, a}, {c, a}} {
		if _, err := f.who.Follow(ctx, f.whom.Account().Key(), true); err != nil {
			t.Fatal(err)
		}
	}
	serveHub(t, hub, node.HubConfig{On: true})
	hubAddr := hub.Addrs()[0]
	for _, n := range []*node.Node{a, b, c} {
		serveLoopbackWith(t, n, func(cfg *node.Config) { cfg.Hubs = []string{hubAddr} })
		if _, err := n.AddPeer(ctx, hubAddr); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "B to learn that A is online at the hub, and A that B is", func() bool {
		da, ok := onlineAt(b, a.Device())
		_, ok2 := onlineAt(a, b.Device())
		return ok && ok2 && len(da.Hubs) == 1 && da.Hubs[0] == hub.Device() && da.Account == a.Account()
	})
	_, hubs := b.Online()
	if len(hubs) != 1 || hubs[0].Hub != hub.Device() || hubs[0].Session == 0 {
		t.Fatalf("B is online at %+v, want the hub with a session", hubs)
	}

	// A posts: B learns the head and holds the entry, with no direct
	// connection between them before.
	e, err := a.Post(ctx, "news for my friends", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "B to learn A's new head and fetch the entry", func() bool {
		da, ok := onlineAt(b, a.Device())
		if !ok {
			return false
		}
		told := false
		for _, h := range da.Heads {
			told = told || (h.Log == entry.PublicLog && h.Seq == e.Header.Seq && h.ID == e.ID)
		}
		_, err := b.Store().Get(ctx, e.ID)
		return told && err == nil
	})

	// C follows A, but A does not follow C: C is served (it has a session
	// at the hub; under load it may come after A's and B's), and learns
	// nothing of A.
	eventually(t, "C to be online at the hub", func() bool {
		_, hubs := c.Online()
		return len(hubs) == 1 && hubs[0].Hub == hub.Device() && hubs[0].Session != 0
	})
	if _, ok := onlineAt(c, a.Device()); ok {
		t.Fatal("C, whom A does not follow, learned that A is online")
	}

	// Messages.
	via, err := a.SendSignal(ctx, identity.PublicKey(b.Device()), "are you in?")
	if err != nil || via != hub.Device() {
		t.Fatalf("A's message to B: via %s, %v", via, err)
	}
	eventually(t, "B to see A's message", func() bool {
		for _, s := range b.Signals() {
			if s.From == a.Device() && s.FromAccount == a.Account() && s.Hub == hub.Device() && s.Text == "are you in?" {
				return true
			}
		}
		return false
	})
	var refused *node.SignalRefusedError
	_, err = c.SendSignal(ctx, identity.PublicKey(b.Device()), "let me in")
	if !errors.As(err, &refused) || refused.Code != services.RefuseUnreachable {
		t.Fatalf("C's message to B, who does not follow C: %v, want refused as unreachable", err)
	}
	unreachable := refused.Reason
	nobody, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendSignal(ctx, nobody.Public(), "anyone?")
	if !errors.As(err, &refused) || refused.Code != services.RefuseUnreachable || refused.Reason != unreachable {
		t.Fatalf("a message to a device not connected: %v, want the same refusal as C's to B (%q)", err, unreachable)
	}
	for _, s := range b.Signals() {
		if s.From == c.Device() {
			t.Fatal("B saw C's message")
		}
	}
	// A has sent 1; 19 more are within the burst of 20; the rest are
	// too fast (one token comes back every 3 s).
	var codes []uint64
	for i := range 24 {
		_, err := a.SendSignal(ctx, identity.PublicKey(b.Device()), fmt.Sprintf("spam %d", i))
		switch {
		case err == nil:
			codes = append(codes, 0)
		case errors.As(err, &refused):
			codes = append(codes, refused.Code)
		default:
			t.Fatalf("message %d: %v", i, err)
		}
	}
	for i, code := range codes[21:] {
		if code != services.RefuseTooFast {
			t.Fatalf("message %d of A's flood: code %d, want %d (too fast); all: %v", 22+i, code, services.RefuseTooFast, codes)
		}
	}
	if len(b.Signals()) > 1+21 {
		t.Fatalf("B holds %d messages of A's, more than its burst allows", len(b.Signals()))
	}

	// A goes: B learns it.
	if err := a.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B to learn that A is gone", func() bool {
		_, ok := onlineAt(b, a.Device())
		return !ok
	})
}
