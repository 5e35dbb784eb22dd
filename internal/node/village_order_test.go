package node_test

import (
	"github.com/kithnet/kith/internal/content"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// newDevice makes a device key, the account key that certifies it and the
// certificate.
func newDevice(t *testing.T) (device, account identity.PrivateKey, cert *entry.Entry) {
	t.Helper()
	account, _ = identity.GenerateKey(nil)
	device, _ = identity.GenerateKey(nil)
	cert, err := content.NewDeviceCert(account, device, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	return device, account, cert
}

// foundedPair founds a village of a and b (each holding the other's
// entries) and returns its id.
func foundedPair(t *testing.T, a, b *node.Node) entry.ID {
	t.Helper()
	fe, err := a.FoundVillage(t.Context(), "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	share(t, a, b)
	if _, err := b.AcceptVillage(t.Context(), fe.ID); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	return fe.ID
}

func refsOf(t *testing.T, e *entry.Entry) []entry.ID {
	t.Helper()
	p, err := village.Decode(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return village.RefsOf(p)
}

// The node names in each village entry the heads of the other locals'
// village logs it holds and has not referenced yet (village.md §3).
func TestVillageEntriesNameHeads(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	vid := foundedPair(t, a, b)
	st, err := b.Village(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	accept := st.Local(acc(b)).Since
	S := village.RequestStranger(identity.PublicKey{7}, [32]byte{8})
	v1, err := a.VoteStranger(ctx, vid, S, village.VoteVeto, [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if got := refsOf(t, v1); !slices.Equal(got, []entry.ID{accept}) {
		t.Fatalf("a's vote references %v, want b's accept %s", got, accept)
	}
	n1, err := a.NoteStranger(ctx, vid, S, "second", [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if got := refsOf(t, n1); got != nil {
		t.Fatalf("a's note references %v, want none (b wrote nothing new)", got)
	}
	share(t, a, b)
	v2, err := b.VoteStranger(ctx, vid, S, village.VoteAccept, [32]byte{9})
	if err != nil {
		t.Fatal(err)
	}
	if got := refsOf(t, v2); !slices.Equal(got, []entry.ID{n1.ID}) {
		t.Fatalf("b's vote references %v, want a's head %s", got, n1.ID)
	}
	_, p, err := b.PublishState(ctx, vid)
	if err != nil || p.Refs != nil {
		t.Fatalf("b's state references %v (%v), want none", p, err)
	}
}

// A stranger's request stamped with the largest timestamp an entry can
// carry stops no local from writing (issue 11, item 9): the locals veto
// it, note it and publish their states, stamped by their own clocks.
func TestHugeTimestampDoesNotFreezeVillage(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	vid := foundedPair(t, a, b)
	s, sacc, scert := newDevice(t)
	user := [32]byte{5}
	req, err := entry.Sign(s, entry.Draft{LogID: entry.LogID(vid), Seq: 1, Timestamp: entry.MaxTimestamp,
		Payload: village.MustEncode(&village.Request{Village: vid, User: user, Text: "freeze", Cert: village.CertOf(scert)})})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node.Node{a, b} {
		if _, err := n.Store().Ingest(ctx, []*entry.Entry{req}); err != nil {
			t.Fatal(err)
		}
	}
	S := village.RequestStranger(sacc.Public(), user)
	var written []*entry.Entry
	write := func(e *entry.Entry, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, e)
	}
	write(a.VoteStranger(ctx, vid, S, village.VoteVeto, [32]byte{}))
	write(a.NoteStranger(ctx, vid, S, "forged clock", [32]byte{}))
	e, _, err := a.PublishState(ctx, vid)
	write(e, err)
	share(t, a, b)
	write(b.VoteStranger(ctx, vid, S, village.VoteVeto, [32]byte{}))
	write(b.SetVillageUserspec(ctx, vid, village.Active, "b", ""))
	e, _, err = b.PublishState(ctx, vid)
	write(e, err)
	for _, e := range written {
		if e.Header.Timestamp >= 1<<62 {
			t.Fatalf("entry at seq %d stamped %d: after the stranger's claim, not by the node's clock", e.Header.Seq, e.Header.Timestamp)
		}
	}
	share(t, b, a)
	st, err := a.Village(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if x := st.Stranger(S); x == nil || x.Standing != village.Vetoed || len(x.Vetoers) != 2 || len(x.Requests) != 1 {
		t.Fatalf("stranger %+v, want vetoed by both with its one request", x)
	}
}
