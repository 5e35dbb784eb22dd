package node_test

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// Issue 14 (head tracking, left open): a hub tells an asker the heads of
// only the logs it would offer it in a sync session. The hub holds the
// public log of an account it blocks: a sync session never gives it, so
// the hub answers null for it (not held, as far as the asker learns),
// while it answers the hub's own public log.
func TestHubHeadsOnlyWhatSyncWouldOffer(t *testing.T) {
	ctx := t.Context()
	hub, _ := initNode(t, node.Options{})
	blocked, _ := initNode(t, node.Options{})
	client, _ := initNode(t, node.Options{})
	if _, err := blocked.Post(ctx, "seen by the hub, blocked by it", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.Post(ctx, "the hub's own", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	// The hub holds everything of the blocked account's (its device
	// certificate included), then blocks the account.
	heads, err := blocked.Store().Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var public store.LogKey
	for _, h := range heads {
		es, err := blocked.Store().Log(ctx, h.Log, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if res, err := hub.Store().Append(ctx, e.Entry); err != nil || res.Err != nil {
				t.Fatalf("copying %s seq %d: %v %v", h.Log, e.Header.Seq, err, res.Err)
			}
		}
		if h.Log.Author == identity.PublicKey(blocked.Device()) && h.Log.LogID == entry.PublicLog {
			public = h.Log
		}
	}
	if public == (store.LogKey{}) {
		t.Fatal("the blocked account's device has no public log")
	}
	if _, err := hub.Block(ctx, blocked.Account().Key(), true); err != nil {
		t.Fatal(err)
	}
	if h, err := hub.Store().Head(ctx, public); err != nil || h.Seq < 1 {
		t.Fatalf("the hub holds the blocked log at %+v, %v; want seq ≥ 1", h, err)
	}
	own := store.LogKey{Author: identity.PublicKey(hub.Device()), LogID: entry.PublicLog}

	serveHub(t, hub, node.HubConfig{On: true})
	serveLoopback(t, client)
	if _, err := client.AddPeer(ctx, hub.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	got, err := client.HubHeads(ctx, identity.PublicKey(hub.Device()), []store.LogKey{public, own})
	if err != nil {
		t.Fatalf("HubHeads: %v", err)
	}
	for _, g := range got {
		switch g.Log {
		case public:
			if g.HubSeq != 0 || g.HubID != "" {
				t.Errorf("the blocked account's log: the hub told seq %d (%s); want null, as a sync would not offer it", g.HubSeq, g.HubID)
			}
		case own:
			if g.HubSeq < 1 {
				t.Errorf("the hub's own public log: seq %d, want ≥ 1", g.HubSeq)
			}
		}
	}
}
