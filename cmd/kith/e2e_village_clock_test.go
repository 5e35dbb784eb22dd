package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// TestVillageForgedClock (issue 11, item 9): a stranger, a libp2p host in
// the test process with a device and account of its own, sends local A a
// request stamped 2^63-1, the largest timestamp an entry may carry. A
// stores it and sync carries it to B. Both locals still write everything
// (a veto, a note, a userspec, a state), the stranger ends vetoed on both,
// and each local's state chain audits clean on the other's node.
func TestVillageForgedClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	locals := []*proc{a, b}
	vid := foundElmStreet(t, a, b)

	// The stranger's request, stamped 2^63-1, through the request protocol.
	id, err := entry.ParseID(vid)
	if err != nil {
		t.Fatal(err)
	}
	host, key, account, cert := clockAttacker(t)
	user := [32]byte{0x5e}
	req, err := entry.Sign(key, entry.Draft{LogID: entry.LogID(id), Seq: 1, Timestamp: entry.MaxTimestamp,
		Payload: village.MustEncode(&village.Request{Village: id, User: user, Text: "let me in", Cert: village.CertOf(cert)})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ak, err := host.Connect(ctx, a.addr())
	if err != nil {
		t.Fatalf("connect to A: %v", err)
	}
	s, err := host.Open(ctx, ak, node.VillageRequestProtocol)
	if err != nil {
		t.Fatalf("open the request stream: %v", err)
	}
	if err := invite.WriteCert(s, invite.Cert{Header: req.Raw, Payload: req.Payload}); err != nil {
		t.Fatal(err)
	}
	_ = s.CloseWrite()
	resp, err := invite.ReadResponse(s)
	s.Close()
	if err != nil || resp.Status != 0 {
		t.Fatalf("A's answer to the request: %+v, %v; want status 0 (stored)", resp, err)
	}
	sid := village.RequestStranger(account.Public(), user)
	stranger := hex.EncodeToString(sid[:])
	// An unlisted stranger reaches only the local it contacted (village.md
	// §6); A lists it (a deferred vote), so B hears it too.
	strangerWait(t, []*proc{a}, vid, req.ID.String(), "the stranger's request in A's inbox", func(s wire.VillageStranger) bool {
		return s.Pending && len(s.Requests) == 1 && s.ID == stranger
	})
	villageEntryOf(a, "vote", vid, stranger, "defer")
	strangerWait(t, locals, vid, req.ID.String(), "the stranger's request listed on both", func(s wire.VillageStranger) bool {
		return !s.Pending && len(s.Requests) == 1 && s.ID == stranger
	})

	// Both locals write on: a veto each, a note, a userspec, a state.
	villageEntryOf(a, "vote", vid, stranger, "veto")
	villageEntryOf(a, "note", vid, stranger, "claims to write from the end of time")
	villageEntryOf(b, "userspec", vid, "--mode", "active", "--name", "B")
	villageEntryOf(b, "vote", vid, stranger, "veto")
	a.kith("village", "state", vid)
	b.kith("village", "state", vid)
	strangerWait(t, locals, vid, req.ID.String(), "the stranger vetoed by A and B", func(s wire.VillageStranger) bool {
		return s.Standing == "vetoed" && len(s.Vetoers) == 2 && len(s.Notes) == 1
	})
	// Each local's chain of states audits clean on the other's node.
	for _, p := range [][2]*proc{{a, b}, {b, a}} {
		waitFor(t, villageTimeout, p[1].name+"'s chain on "+p[0].name, func() bool {
			var c wire.VillageChain
			out, err := p[0].try("village", "chain", vid, p[1].Account)
			return err == nil && json.Unmarshal(out, &c) == nil && len(c.States) == 1 && c.OK
		})
	}
}

// clockAttacker is a libp2p host in the test process with a device of an
// account of its own (answering the certificate exchange), and its key.
func clockAttacker(t *testing.T) (*netnode.Host, identity.PrivateKey, identity.PrivateKey, *entry.Entry) {
	t.Helper()
	account, _ := identity.GenerateKey(nil)
	key, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := netnode.New(t.Context(), netnode.Config{Key: key, Listen: []string{"/ip4/127.0.0.1/tcp/0"}, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	cert, err := content.NewDeviceCert(account, key, "stranger", 1)
	if err != nil {
		t.Fatal(err)
	}
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	return h, key, account, cert
}
