package node

import (
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
)

// TestCopiesCountOnlyMirrors: heads a peer says it holds count only when
// the peer is a current device of this node's account and the logs are
// the account's own: a stranger, a friend or a revoked device claiming to
// hold the account's logs adds no copy, and a mirror's heads of other logs
// are not kept.
func TestCopiesCountOnlyMirrors(t *testing.T) {
	ctx := t.Context()
	a, phrase, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	phone, err := Restore(t.TempDir(), phrase, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { phone.Close() })
	// The phone's certificate reaches a.
	certs, err := phone.Store().Log(ctx, store.LogKey{Author: phone.account, LogID: content.DeviceCertLog(phone.device.Public())}, 1, 10)
	if err != nil || len(certs) != 1 {
		t.Fatalf("the phone's certificate: %v (%d)", err, len(certs))
	}
	if _, err := a.Store().Ingest(ctx, []*entry.Entry{certs[0].Entry}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := a.Publish(ctx, &content.Post{Text: "mine"}); err != nil {
			t.Fatal(err)
		}
	}
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	off := false
	cfg := DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	if err := a.StartNetwork(ctx, ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatal(err)
	}
	nw := a.net.Load()
	// a's public log holds 4 entries: the 3 posts and the encryption
	// key its first start published (keyring.md §1).
	mine := store.LogKey{Author: a.device.Public(), LogID: entry.PublicLog}
	stranger, _ := identity.GenerateKey(nil)
	other := store.LogKey{Author: stranger.Public(), LogID: entry.PublicLog}
	claim := []replicate.Item{{Log: mine, Seq: 4}, {Log: other, Seq: 7}}

	a.peerHeads(nw, stranger.Public(), claim)
	st, err := a.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := st.Copies; len(c.Complete) != 1 || !c.Complete[0].This || len(c.Single) != 1 || c.Single[0].Entries != 4 || len(c.Unsynced) != 1 {
		t.Fatalf("after a stranger's claim: %+v, want one copy (this device) and the phone never synced", c)
	}
	a.peerHeads(nw, phone.device.Public(), claim)
	st, err = a.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := st.Copies; len(c.Complete) != 2 || len(c.Single) != 0 || len(c.Unsynced) != 0 {
		t.Fatalf("after the phone's heads: %+v, want two copies", c)
	}
	if got := nw.copies.snapshot()[phone.device.Public()]; len(got) != 1 || got[mine] != 4 {
		t.Fatalf("the book keeps %v of the phone, want only the account's log at 4", got)
	}
	if len(nw.copies.snapshot()[stranger.Public()]) != 0 {
		t.Fatal("the book keeps a stranger's claim")
	}
	// Revoked, the phone's copy no longer counts.
	if _, err := a.RevokeDevice(ctx, phone.device.Public(), "lost", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for nw.scope.Mirror(phone.device.Public()) {
		if time.Now().After(deadline) {
			t.Fatal("the revoked phone is still a mirror after 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.peerHeads(nw, phone.device.Public(), []replicate.Item{{Log: mine, Seq: 5}})
	st, err = a.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := st.Copies; len(c.Complete) != 1 || !c.Complete[0].This || len(c.Devices) != 1 || len(c.Single) != 1 || c.Single[0].Entries != 4 {
		t.Fatalf("after revoking the phone: %+v, want one copy", c)
	}
	if got := nw.copies.snapshot()[phone.device.Public()][mine]; got != 4 {
		t.Fatalf("the book took a revoked device's claim: %d", got)
	}
}
