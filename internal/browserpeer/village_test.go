package browserpeer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	nodescope "github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// TestFoundLogIsTheNodes: the browser looks for found entries in the log
// the node writes them in.
func TestFoundLogIsTheNodes(t *testing.T) {
	if foundLog != nodescope.FoundLog {
		t.Fatalf("foundLog %x, scope.FoundLog %x", foundLog, nodescope.FoundLog)
	}
}

// copyAll gives to every entry from holds that to does not, log by log in
// seq order, as a sync would.
func copyAll(t *testing.T, from, to *Peer) {
	t.Helper()
	ctx := t.Context()
	heads, err := from.store.Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heads {
		rs, err := from.store.Log(ctx, h.Log, 1, 100000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if err := to.append(ctx, r.Entry); err != nil {
				t.Fatalf("copy %x: %v", r.Entry.ID[:4], err)
			}
		}
	}
}

func write(t *testing.T, p *Peer, id entry.ID, pl village.Payload) *entry.Entry {
	t.Helper()
	r, err := p.reduce(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.writeVillage(t.Context(), r, pl)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func viewOf(t *testing.T, p *Peer, id entry.ID) VillageView {
	t.Helper()
	vs, err := p.Villages(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.ID == hex.EncodeToString(id[:]) {
			return v
		}
	}
	t.Fatalf("no village %x among %d", id[:4], len(vs))
	return VillageView{}
}

// TestBrowserVillage: Ann and Bo found a village; Ann invites Cleo, a
// browser peer. Cleo's scope then wants the village's logs (Bo's too, and
// Bo's certificates) and not a stranger's public log; a vote before she is
// a local is refused with ErrNotLocal, in words, and makes nothing; she
// joins, Bo invites her, and her agreement to Dan's invitation admits
// him as the reducer counts it. Accepting a stranger is refused (no
// proof file in a browser); a veto and a note are written and counted.
func TestBrowserVillage(t *testing.T) {
	var kept keptLog
	ann, annAcc := newPeer(t, "ann", &kept)
	bo, boAcc := newPeer(t, "bo", &kept)
	cleo, cleoAcc := newPeer(t, "cleo", &kept)
	ctx := t.Context()
	founders := []identity.PublicKey{annAcc.Public(), boAcc.Public()}
	slices.SortFunc(founders, func(a, b identity.PublicKey) int { return compareIDs(entry.ID(a), entry.ID(b)) })
	found, err := ann.Publish(ctx, foundLog, village.MustEncode(&village.Found{Name: "Elm street", Admit: village.Majority, Exclude: village.Majority, Founders: founders}))
	if err != nil {
		t.Fatal(err)
	}
	vid := found.ID
	copyAll(t, ann, bo)
	if _, err := bo.VillageAccept(ctx, vid); err != nil {
		t.Fatal(err)
	}
	copyAll(t, bo, ann)
	write(t, ann, vid, &village.Invite{Village: vid, Invitee: cleoAcc.Public()})

	// Before Cleo holds anything of the village, it wants nothing of it.
	boVillageLog := store.LogKey{Author: bo.Device(), LogID: entry.LogID(vid)}
	if (scope{cleo}).Wants(boVillageLog) {
		t.Fatal("Cleo wants Bo's village log before she is invited")
	}
	copyAll(t, ann, cleo) // Ann's logs (Cleo follows her node) and what Ann holds
	for _, log := range []store.LogKey{
		boVillageLog,
		{Author: boAcc.Public(), LogID: content.DeviceCertLog(bo.Device())},
		{Author: bo.Device()}, // Bo's public log: his name
		{Author: ann.Device(), LogID: foundLog},
	} {
		if !(scope{cleo}).Wants(log) {
			t.Errorf("Cleo does not want %x/%x", log.Author[:4], log.LogID[:4])
		}
	}
	stranger := key(t, "stranger").Public()
	for _, log := range []store.LogKey{{Author: stranger}, {Author: stranger, LogID: foundLog}, {Author: stranger, LogID: entry.LogID(vid)}} {
		if (scope{cleo}).Wants(log) {
			t.Errorf("Cleo wants a stranger's log %x", log.LogID[:4])
		}
	}
	v := viewOf(t, cleo, vid)
	if v.Name != "Elm street" || v.Role != "invitee" || !v.Founded || len(v.Locals) != 2 || len(v.Invitations) != 1 || !v.Invitations[0].Invitee.You {
		t.Fatalf("Cleo's view: %+v", v)
	}

	// A vote before she is a local: refused, in words; nothing made.
	var sid village.StrangerID
	copy(sid[:], slices.Repeat([]byte{0xab}, 64))
	head := func() uint64 {
		h, err := cleo.store.Head(ctx, store.LogKey{Author: cleo.Device(), LogID: entry.LogID(vid)})
		if errors.Is(err, store.ErrNotFound) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return h.Seq
	}
	_, err = cleo.VillageVote(ctx, vid, sid, village.VoteVeto)
	want := `Your account is not a local of "Elm street" (it is invited, and becomes a local once the invitation is admitted and it has joined), so it cannot vote there. Nothing was written.`
	if !errors.Is(err, ErrNotLocal) || err.Error() != want {
		t.Fatalf("a vote before being a local: %v", err)
	}
	if _, err := cleo.VillageNote(ctx, vid, sid, "hi"); !errors.Is(err, ErrNotLocal) {
		t.Fatalf("a note before being a local: %v", err)
	}
	if head() != 0 {
		t.Fatal("a refused vote made an entry")
	}

	// She joins; Bo invites her too: a local.
	if _, err := cleo.VillageJoin(ctx, vid); err != nil {
		t.Fatal(err)
	}
	copyAll(t, cleo, ann)
	copyAll(t, ann, bo)
	write(t, bo, vid, &village.Invite{Village: vid, Invitee: cleoAcc.Public()})
	dan := identity.PublicKey(sha256.Sum256([]byte("Dan")))
	copyAll(t, bo, ann)
	write(t, ann, vid, &village.Invite{Village: vid, Invitee: dan})
	copyAll(t, ann, cleo)
	v = viewOf(t, cleo, vid)
	if v.Role != "local" || len(v.Locals) != 3 {
		t.Fatalf("Cleo's view after the join: %+v", v)
	}
	var danInv *InvitationView
	for i := range v.Invitations {
		if v.Invitations[i].Invitee.Key == hex.EncodeToString(dan[:]) {
			danInv = &v.Invitations[i]
		}
	}
	if danInv == nil || danInv.Needed != 1 || danInv.Admitted || danInv.Mine != "" {
		t.Fatalf("Dan's invitation: %+v", danInv)
	}
	if _, err := cleo.VillagePosition(ctx, vid, dan, entry.ID{}, 0, ""); err != nil {
		t.Fatal(err)
	}
	_, es, err := cleo.villageEntries(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	st, err := village.Reduce(vid, es)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(st.Invitations, func(inv *village.Invitation) bool { return inv.Invitee == dan })
	if i < 0 || !st.Invitations[i].Admitted || !slices.Equal(st.Invitations[i].Endorsers, sorted(annAcc.Public(), cleoAcc.Public())) {
		t.Fatalf("Dan's invitation after Cleo agreed: %+v", st.Invitations[i])
	}
	// Once admitted, a position on it is refused.
	if _, err := cleo.VillagePosition(ctx, vid, dan, entry.ID{}, 1, ""); err == nil || err.Error() != "the invitation is admitted already; nothing was written" {
		t.Fatalf("a position on an admitted invitation: %v", err)
	}

	// Strangers: accept needs proof; a veto and a note count.
	if _, err := cleo.VillageVote(ctx, vid, sid, village.VoteAccept); err == nil {
		t.Fatal("an accept without proof was written")
	}
	if _, err := cleo.VillageVote(ctx, vid, sid, village.VoteVeto); err != nil {
		t.Fatal(err)
	}
	if _, err := cleo.VillageNote(ctx, vid, sid, "seen selling stale bread"); err != nil {
		t.Fatal(err)
	}
	v = viewOf(t, cleo, vid)
	if len(v.Strangers) != 1 || v.Strangers[0].Standing != "vetoed" || v.Strangers[0].MyVote != "veto" || v.Strangers[0].MyNote != "seen selling stale bread" {
		t.Fatalf("the stranger in Cleo's view: %+v", v.Strangers)
	}
	if _, err := cleo.VillageVote(ctx, vid, sid, village.VoteDeferred); err == nil {
		t.Fatal("a vote went back to deferred")
	}
	// The node-side reducer over the same entries agrees (Ann holds them
	// once synced).
	copyAll(t, cleo, ann)
	_, es, err = ann.villageEntries(context.Background(), vid)
	if err != nil {
		t.Fatal(err)
	}
	st, err = village.Reduce(vid, es)
	if err != nil {
		t.Fatal(err)
	}
	sg := st.Stranger(sid)
	if sg == nil || sg.Standing != village.Vetoed || !slices.Equal(sg.Vetoers, []identity.PublicKey{cleoAcc.Public()}) || len(sg.Notes) != 1 || sg.Notes[0].Text != "seen selling stale bread" {
		t.Fatalf("the stranger on Ann's side: %+v", sg)
	}
}

func sorted(ks ...identity.PublicKey) []identity.PublicKey {
	slices.SortFunc(ks, func(a, b identity.PublicKey) int { return compareIDs(entry.ID(a), entry.ID(b)) })
	return ks
}

// TestBrowserVillageDeviceOfALocal: a browser paired as a second device
// of a local's account (Ann's) is that account in the village: its scope
// wants the village's logs, its view says Ann is a local and it is her,
// and its agreement to Dan's invitation counts as Ann's.
func TestBrowserVillageDeviceOfALocal(t *testing.T) {
	var kept keptLog
	ann, annAcc := newPeer(t, "ann", &kept)
	bo, boAcc := newPeer(t, "bo", &kept)
	ctx := t.Context()
	dev := key(t, "ann/browser")
	browser := New(Config{
		Device:  dev.Public(),
		Sign:    func(m []byte) ([]byte, error) { s := dev.Sign(m); return s[:], nil },
		Now:     func() uint64 { return 1_700_000_000_000 },
		OnAdded: kept.add,
	})
	cert, err := content.NewPairedDeviceCert(annAcc, dev.Public(), dev.Sign(content.DeviceCertInput(annAcc.Public(), dev.Public())), "kitchen browser", 1_700_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if err := browser.Certify(ctx, cert); err != nil {
		t.Fatal(err)
	}
	found, err := ann.Publish(ctx, foundLog, village.MustEncode(&village.Found{Name: "Elm street", Admit: village.Majority, Exclude: village.Majority,
		Founders: sorted(annAcc.Public(), boAcc.Public())}))
	if err != nil {
		t.Fatal(err)
	}
	vid := found.ID
	copyAll(t, ann, bo)
	if _, err := bo.VillageAccept(ctx, vid); err != nil {
		t.Fatal(err)
	}
	dan := identity.PublicKey(sha256.Sum256([]byte("Dan")))
	write(t, bo, vid, &village.Invite{Village: vid, Invitee: dan})
	copyAll(t, bo, browser) // Bo holds Ann's found entry and certificate
	if !(scope{browser}).Wants(store.LogKey{Author: bo.Device(), LogID: entry.LogID(vid)}) {
		t.Fatal("the browser of a founder does not want Bo's village log")
	}
	v := viewOf(t, browser, vid)
	if v.Role != "local" || len(v.Locals) != 2 || len(v.Invitations) != 1 || v.Invitations[0].Needed != 1 {
		t.Fatalf("the view of Ann's browser: %+v", v)
	}
	you := 0
	for _, l := range v.Locals {
		if l.You {
			you++
			if a := annAcc.Public(); l.Key != hex.EncodeToString(a[:]) {
				t.Fatalf("the browser is shown as %+v, want Ann", l)
			}
		}
	}
	if you != 1 {
		t.Fatalf("%d locals are the browser's account", you)
	}
	if _, err := browser.VillagePosition(ctx, vid, dan, entry.ID{}, 0, ""); err != nil {
		t.Fatal(err)
	}
	_, es, err := browser.villageEntries(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	st, err := village.Reduce(vid, es)
	if err != nil {
		t.Fatal(err)
	}
	if inv := st.Invitations[0]; !inv.Admitted || !slices.Equal(inv.Endorsers, sorted(annAcc.Public(), boAcc.Public())) {
		t.Fatalf("Dan's invitation after Ann's browser agreed: %+v", inv)
	}
}
