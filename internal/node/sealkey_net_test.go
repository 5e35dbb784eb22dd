package node_test

import (
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// sealKeys returns the seal.key payloads of device held by n, in the
// order the store gives them, with the log each is in.
func sealKeys(t *testing.T, n *node.Node, device identity.PublicKey) []*store.Stored {
	t.Helper()
	es, err := n.Store().Find(t.Context(), store.Query{Type: "seal.key", Authors: []identity.PublicKey{device}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// A node made by Init that never touched spaces or messages publishes its
// encryption key when its network first starts (keyring.md §1), once:
// starting again publishes nothing more, and the key is no post.
func TestSealKeyPublishedAtFirstStart(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	me := n.Device().Key()
	if es := sealKeys(t, n, me); len(es) != 0 {
		t.Fatalf("%d seal.key entries before the node started", len(es))
	}
	serveLoopback(t, n)
	es := sealKeys(t, n, me)
	if len(es) != 1 {
		t.Fatalf("%d seal.key entries after the first start, want 1", len(es))
	}
	e := es[0]
	if e.Header.LogID != entry.PublicLog || e.Header.Seq != 1 {
		t.Fatalf("seal.key in log %s at seq %d, want the public log at seq 1", e.Header.LogID, e.Header.Seq)
	}
	k, err := seal.DecodeDeviceKey(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if k.Rotation != 0 || k.Key.KEM != seal.KEMHybrid {
		t.Fatalf("published key rotation %d KEM %#x, want rotation 0 of the hybrid KEM", k.Rotation, k.Key.KEM)
	}
	if err := n.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	serveLoopback(t, n)
	if es := sealKeys(t, n, me); len(es) != 1 {
		t.Fatalf("%d seal.key entries after a second start, want 1", len(es))
	}
	page, err := n.Timeline(t.Context(), store.TimeKey{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 {
		t.Fatalf("the timeline shows %d items, want none (a seal.key is no post)", len(page.Items))
	}
}

// connect links a to b on loopback.
func connect(t *testing.T, a, b *node.Node) {
	t.Helper()
	if _, err := a.AddPeer(t.Context(), b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
}

// Two fresh accounts on real nodes over loopback TCP: A writes a private
// message to B, whose device never opened its messages, and B's node
// opens it as it arrives (nobody there reads first); A adds B to a space
// and B reads a post.
func TestSealKeyFreshDeviceReceives(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	serveLoopback(t, a)
	serveLoopback(t, b)
	follow(t, a, b)
	follow(t, b, a)
	bEvents, cancel := b.Subscribe(100)
	defer cancel()
	connect(t, b, a)
	var conv message.ID
	var start *entry.Entry
	eventually(t, "a to hold b's encryption key and write to b", func() bool {
		var err error
		conv, start, err = a.SendMessage(ctx, []identity.PublicKey{acc(b)}, "the gate code is 4711")
		return err == nil
	})
	waitMessageEvent(t, bEvents, conv, start.ID)
	v, err := b.Conversation(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Thread) != 1 || v.Thread[0].Status != node.MessageReadable || v.Thread[0].Text != "the gate code is 4711" {
		t.Fatalf("b's view of the conversation: %+v", v.Thread)
	}

	ce, err := a.CreateSpace(ctx, "Allotment", entry.ID{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddToSpace(ctx, ce.ID, acc(b), space.Member); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PostToSpace(ctx, ce.ID, "seeds on Saturday", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b reads a's post in the space", func() bool { return readable(t, b, ce.ID, "seeds on Saturday") })
}

// A second device of an account, paired and never used for messages,
// reads what is addressed to the account: a message from another account
// and one from its own account's first device.
func TestSealKeyPairedDeviceReceives(t *testing.T) {
	ctx := t.Context()
	a1, _ := initNode(t, node.Options{})
	c, _ := initNode(t, node.Options{})
	serveLoopback(t, a1)
	serveLoopback(t, c)
	pr, err := a1.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, err := node.Pair(ctx, filepath.Join(t.TempDir(), "phone"), pr.Code, node.Options{DeviceName: "phone"}, node.PairOptions{Listen: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatalf("Pair: %v", err)
	}
	t.Cleanup(func() { a2.Close() })
	if es := sealKeys(t, a2, a2.Device().Key()); len(es) != 0 {
		t.Fatalf("%d seal.key entries on the paired device before it started", len(es))
	}
	serveLoopback(t, a2)
	if es := sealKeys(t, a2, a2.Device().Key()); len(es) != 1 {
		t.Fatalf("%d seal.key entries on the paired device after its first start, want 1", len(es))
	}
	a2Events, cancel := a2.Subscribe(100)
	defer cancel()
	follow(t, a1, c)
	follow(t, c, a1)
	connect(t, a2, a1)
	connect(t, c, a1)
	connect(t, c, a2)
	// c writes once it holds the keys of both of a's devices, as a's
	// first device does to b: neither is left out.
	eventually(t, "c to hold the encryption keys of both of a's devices", func() bool {
		return len(sealKeys(t, c, a1.Device().Key())) == 1 && len(sealKeys(t, c, a2.Device().Key())) == 1
	})
	convC, startC, err := c.SendMessage(ctx, []identity.PublicKey{acc(a1)}, "dinner at eight")
	if err != nil {
		t.Fatal(err)
	}
	waitMessageEvent(t, a2Events, convC, startC.ID)
	eventually(t, "a1 to hold a2's encryption key", func() bool { return len(sealKeys(t, a1, a2.Device().Key())) == 1 })
	convA, startA, err := a1.SendMessage(ctx, []identity.PublicKey{acc(c)}, "see you there")
	if err != nil {
		t.Fatal(err)
	}
	waitMessageEvent(t, a2Events, convA, startA.ID)
	for conv, text := range map[message.ID]string{convC: "dinner at eight", convA: "see you there"} {
		v, err := a2.Conversation(ctx, conv)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Thread) != 1 || v.Thread[0].Status != node.MessageReadable || v.Thread[0].Text != text {
			t.Fatalf("a2's view of a conversation: %+v, want %q", v.Thread, text)
		}
	}
}
