package node_test

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/services"
	"github.com/kithnet/kith/internal/store"
)

// serveHub starts n's network on loopback as a hub with hub's table.
func serveHub(t *testing.T, n *node.Node, hub node.HubConfig) {
	t.Helper()
	serveLoopbackWith(t, n, func(c *node.Config) { c.Hub = hub })
}

// Issue 14, item 4: a client asks a hub for the heads of its watch list
// and learns exactly which logs it is behind on and the hub's seqs; a
// request over the hub's limit, or from an account it does not serve, is
// refused with a reason.
func TestHubHeads(t *testing.T) {
	ctx := t.Context()
	hub, _ := initNode(t, node.Options{})
	for _, text := range []string{"one", "two", "three"} {
		if _, err := hub.Post(ctx, text, nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	heads, err := hub.Store().Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The client holds every log of the hub's but only the first entry
	// of the hub's public log.
	client, _ := initNode(t, node.Options{})
	var public store.Head
	for _, h := range heads {
		es, err := hub.Store().Log(ctx, h.Log, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if h.Log.LogID == entry.PublicLog && len(es) == 3 {
			public, es = h, es[:1]
		}
		for _, e := range es {
			if res, err := client.Store().Append(ctx, e.Entry); err != nil || res.Err != nil {
				t.Fatalf("copying %s seq %d: %v %v", h.Log, e.Header.Seq, err, res.Err)
			}
		}
	}
	if public.Seq != 3 {
		t.Fatalf("the hub's public log: %+v, want seq 3", public)
	}
	var unseen store.LogKey
	unseen.Author[0], unseen.LogID[0] = 0xee, 0xee

	serveHub(t, hub, node.HubConfig{On: true, HeadsLogs: 4})
	serveLoopback(t, client)
	if _, err := client.AddPeer(ctx, hub.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	hubDevice := identity.PublicKey(hub.Device())

	eventually(t, "the client to hear that the hub tracks heads, 4 logs a request", func() bool {
		for _, p := range client.Peers() {
			if p.Device == hub.Device() {
				for _, s := range p.Services {
					if v, ok := s.Limit(services.LimitLogs); ok && s.Name == services.Heads {
						return v == 4
					}
				}
			}
		}
		return false
	})

	watch := []store.LogKey{unseen, public.Log}
	for _, h := range heads {
		if h.Log != public.Log {
			watch = append(watch, h.Log)
		}
	}
	got, err := client.HubHeads(ctx, hubDevice, watch)
	if err != nil {
		t.Fatalf("HubHeads: %v", err)
	}
	if len(got) != len(heads)+1 {
		t.Fatalf("%d heads, want %d", len(got), len(heads)+1)
	}
	// What the hub holds now (starting the network may have added to its
	// logs) and what the client holds.
	now := map[store.LogKey]store.Head{}
	hs, err := hub.Store().Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		now[h.Log] = h
	}
	for _, g := range got {
		own, err := client.Store().Head(ctx, g.Log)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if g.Log == unseen {
			if g.HubSeq != 0 || g.HubID != "" || g.Seq != 0 || g.Behind {
				t.Errorf("a log nobody holds: %+v", g)
			}
			continue
		}
		h := now[g.Log]
		if g.HubSeq != h.Seq || g.HubID != h.ID.String() || g.Seq != own.Seq || g.Behind != (h.Seq > own.Seq) {
			t.Errorf("log %s: %+v, want hub seq %d (%s), own seq %d", g.Log, g, h.Seq, h.ID, own.Seq)
		}
		if g.Log == public.Log && (g.Seq != 1 || g.HubSeq < 3 || !g.Behind) {
			t.Errorf("the hub's public log: %+v, want own seq 1, hub seq at least 3, behind", g)
		}
	}
	// Over the hub's limit of 4: refused, saying so.
	many := []store.LogKey{}
	for i := range 5 {
		var k store.LogKey
		k.Author[0] = byte(i + 1)
		many = append(many, k)
	}
	_, err = client.HubHeads(ctx, hubDevice, many)
	var refused *node.HeadsRefusedError
	if !errors.As(err, &refused) || refused.Code != services.RefuseTooMany || refused.Reason != "5 logs asked for; this hub answers at most 4 a request: split the list" {
		t.Fatalf("5 logs from a hub answering 4: %v, want a refusal saying so", err)
	}
}

// TestHubHeadsNotServed: a hub serving a list of accounts refuses the
// heads of a peer whose account is not on it, and a node that is no hub
// refuses everyone, each with a reason.
func TestHubHeadsNotServed(t *testing.T) {
	ctx := t.Context()
	other, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		hub    node.HubConfig
		reason string
	}{
		{"a list without the asker", node.HubConfig{On: true, Serve: node.HubServeAccounts, Accounts: []string{other.Public().Account().String()}}, "this hub serves a list of accounts, and not your account"},
		{"not a hub", node.HubConfig{}, "this node is not a hub: it tracks heads for no one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hub, _ := initNode(t, node.Options{})
			client, _ := initNode(t, node.Options{})
			serveHub(t, hub, tc.hub)
			serveLoopback(t, client)
			if _, err := client.AddPeer(ctx, hub.Addrs()[0]); err != nil {
				t.Fatal(err)
			}
			var k store.LogKey
			_, err := client.HubHeads(ctx, identity.PublicKey(hub.Device()), []store.LogKey{k})
			var refused *node.HeadsRefusedError
			if !errors.As(err, &refused) || refused.Code != services.RefuseNotServed || refused.Reason != tc.reason {
				t.Fatalf("HubHeads: %v, want refusal %q", err, tc.reason)
			}
		})
	}
}
