package node_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// share copies every entry from holds into the other nodes' stores, as
// replication would.
func share(t *testing.T, from *node.Node, to ...*node.Node) {
	t.Helper()
	var es []*entry.Entry
	for _, s := range allEntries(t, from) {
		es = append(es, s.Entry)
	}
	for _, n := range to {
		if _, err := n.Store().Ingest(t.Context(), es); err != nil {
			t.Fatal(err)
		}
	}
}

func dev(n *node.Node) identity.PublicKey { return identity.PublicKey(n.Device()) }

// acc is the account key of n: villages name accounts.
func acc(n *node.Node) identity.PublicKey { return n.Account().Key() }

func TestVillageLifecycle(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	c, _ := initNode(t, node.Options{})

	if _, err := a.FoundVillage(ctx, "v", village.Unanimous, village.Majority, nil); err == nil {
		t.Fatal("founding without a co-founder succeeded")
	}
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	// Before b accepts, a local's entries are refused.
	if _, err := a.InviteToVillage(ctx, vid, acc(c)); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("invite before founding: %v", err)
	}
	if _, err := b.AcceptVillage(ctx, vid); !errors.Is(err, node.ErrNoVillage) {
		t.Fatalf("accept without the found entry: %v", err)
	}
	share(t, a, b)
	if _, err := a.AcceptVillage(ctx, vid); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("the found author accepted again: %v", err)
	}
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	st, err := a.Village(ctx, vid)
	if err != nil || !st.Founded || len(st.Members()) != 2 {
		t.Fatalf("village after accept: %v %+v", err, st)
	}
	vs, err := a.Villages(ctx)
	if err != nil || len(vs) != 1 || vs[0].Role != node.RoleLocal || vs[0].Name != "Elm street" {
		t.Fatalf("Villages = %+v, %v", vs, err)
	}

	// Invitation under the unanimous charter: both endorse, c joins.
	if _, err := a.InviteToVillage(ctx, vid, acc(c)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.InviteToVillage(ctx, vid, acc(c)); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("second invite by the same local: %v", err)
	}
	share(t, a, b, c)
	if _, err := b.InviteToVillage(ctx, vid, acc(c)); err != nil {
		t.Fatal(err)
	}
	share(t, b, c)
	if vs, err := c.Villages(ctx); err != nil || len(vs) != 1 || vs[0].Role != node.RoleInvitee {
		t.Fatalf("invitee's Villages = %+v, %v", vs, err)
	}
	if _, err := c.JoinVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	share(t, c, a, b)
	st, _ = a.Village(ctx, vid)
	if len(st.Members()) != 3 {
		t.Fatalf("locals = %d, want 3", len(st.Members()))
	}

	// Votes and notes.
	var stranger village.StrangerID
	stranger[0], stranger[63] = 7, 9
	if _, err := a.VoteStranger(ctx, vid, stranger, village.VoteAccept, [32]byte{}); err == nil {
		t.Fatal("accept without a proof succeeded")
	}
	if _, err := a.VoteStranger(ctx, vid, stranger, village.VoteVeto, [32]byte{1}); err == nil {
		t.Fatal("veto with a proof succeeded")
	}
	if _, err := a.VoteStranger(ctx, vid, stranger, village.VoteVeto, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.VoteStranger(ctx, vid, stranger, village.VoteDeferred, [32]byte{}); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("back to deferred: %v", err)
	}
	if _, err := a.NoteStranger(ctx, vid, stranger, "met at the market", [32]byte{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetVillageUserspec(ctx, vid, village.Passive, "B", "hub"); err != nil {
		t.Fatal(err)
	}
	share(t, a, b, c)
	share(t, b, a, c)
	st, _ = c.Village(ctx, vid)
	s := st.Stranger(stranger)
	if s == nil || s.Standing != village.Vetoed || len(s.Notes) != 1 {
		t.Fatalf("stranger = %+v", s)
	}

	// Exclusion: a proposes to exclude c; b is passive, so a alone
	// (proposer, counted for) is the majority of {a}.
	if _, err := c.ProposeExclusion(ctx, vid, acc(c), "x"); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("self exclusion: %v", err)
	}
	pe, err := a.ProposeExclusion(ctx, vid, acc(c), "never shows up")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.VoteExclusion(ctx, vid, pe.ID, true); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("vote on a passed proposal: %v", err)
	}
	st, _ = a.Village(ctx, vid)
	if l := st.Local(acc(c)); l.Status != village.Excluded {
		t.Fatalf("c is %s, want excluded", l.Status)
	}

	// States and the chain audit.
	e1, p1, err := a.PublishState(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	_, p2, err := a.PublishState(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Previous != p1.Commitment() {
		t.Fatal("the second state does not follow the first")
	}
	share(t, a, b)
	// The states' seen lists are blobs: without them b reports the
	// states unchecked; with them (as blob sync brings them) clean.
	if _, findings, _ := b.Chain(ctx, vid, acc(a)); len(findings) != 2 || findings[0].Kind != "seen" || !strings.Contains(findings[0].Msg, "not held") {
		t.Fatalf("audit without the seen lists: %v", findings)
	}
	shareBlobs(t, a, b)
	links, findings, err := b.Chain(ctx, vid, acc(a))
	if err != nil || len(links) != 2 || links[0].Entry.ID != e1.ID {
		t.Fatalf("Chain = %d links, %v", len(links), err)
	}
	if len(findings) != 0 {
		t.Fatalf("audit findings: %v", findings)
	}
	share(t, a, c)
	if _, _, err := c.PublishState(ctx, vid); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("an excluded local published a state: %v", err)
	}
	if _, err := b.LeaveVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	if _, err := b.LeaveVillage(ctx, vid); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("leaving twice: %v", err)
	}
	if _, err := a.Village(ctx, entry.ID{1}); !errors.Is(err, node.ErrNoVillage) {
		t.Fatalf("unknown village: %v", err)
	}
}

// shareBlobs copies every blob from's node holds to the others.
func shareBlobs(t *testing.T, from *node.Node, to ...*node.Node) {
	t.Helper()
	err := from.Blobs().List(func(id blob.ID, _ int64) error {
		b, err := os.ReadFile(from.Blobs().Path(id))
		if err != nil {
			return err
		}
		for _, n := range to {
			if _, _, err := n.Blobs().Put(bytes.NewReader(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
