package scope

import (
	"context"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/village"
)

// writeIn signs a festival payload as p's next entry in log (a log of its
// own, seq 1 unless a head is given) and stores it.
func writeIn(t *testing.T, st store.Store, p *person, log entry.LogID, seq uint64, back entry.ID, pl festival.Payload) *entry.Entry {
	t.Helper()
	b, err := festival.Encode(pl)
	if err != nil {
		t.Fatal(err)
	}
	e, err := entry.Sign(p.device, entry.Draft{LogID: log, Seq: seq, Backlink: back, Timestamp: seq, Payload: b})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, st, e)
	return e
}

// TestFestivalScope: opening a festival wants its log of every author, the
// founder's found log and the certificate logs of the devices that wrote
// in it; not those people's public logs, nor the logs of a sub-festival
// not opened, nor anything once the festival is left; never a blocked
// author's.
func TestFestivalScope(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me, founder, guest, stranger := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	top := writeIn(t, st, founder, FestivalFoundLog, 1, entry.ID{}, &festival.Create{Name: "Summer"})
	sub := writeIn(t, st, founder, FestivalLog(top.ID), 1, entry.ID{}, &festival.Create{Name: "Night", Parent: top.ID})
	writeIn(t, st, guest, FestivalLog(top.ID), 1, entry.ID{}, &festival.Resource{Festival: top.ID, Kind: "stage", Name: "Main stage", Policy: festival.PolicyFirstCome})

	var opened FestivalWants
	sc, err := New(ctx, st, Config{Account: me.account.Public(), Device: me.device.Public(),
		Festivals: func(context.Context) (FestivalWants, error) { return opened, nil }})
	if err != nil {
		t.Fatal(err)
	}
	topLog := func(p *person) store.LogKey {
		return store.LogKey{Author: p.device.Public(), LogID: FestivalLog(top.ID)}
	}
	subLog := func(p *person) store.LogKey {
		return store.LogKey{Author: p.device.Public(), LogID: FestivalLog(sub.ID)}
	}
	foundLog := store.LogKey{Author: founder.device.Public(), LogID: FestivalFoundLog}
	strangerFound := store.LogKey{Author: stranger.device.Public(), LogID: FestivalFoundLog}
	check := func(when string, want map[store.LogKey]bool) {
		t.Helper()
		for l, w := range want {
			if got := sc.Wants(l); got != w {
				t.Errorf("%s: Wants(%v) = %v, want %v", when, l, got, w)
			}
		}
	}
	closed := map[store.LogKey]bool{
		topLog(founder): false, topLog(guest): false, subLog(guest): false, foundLog: false,
		certLog(guest): false, certLog(founder): false, public(guest.device): false, strangerFound: false,
	}
	check("before opening", closed)

	opened = FestivalWants{Festivals: []entry.ID{top.ID}, Founders: []store.LogKey{foundLog}}
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	check("opened", map[store.LogKey]bool{
		topLog(founder): true, topLog(guest): true, topLog(stranger): true, foundLog: true,
		certLog(guest): true, certLog(founder): true,
		subLog(guest): false, public(guest.device): false, public(founder.device): false, strangerFound: false,
		{Author: guest.device.Public(), LogID: FestivalFoundLog}: false,
	})

	opened.Festivals = append(opened.Festivals, sub.ID)
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	check("sub-festival opened", map[store.LogKey]bool{subLog(guest): true, subLog(stranger): true, topLog(guest): true})

	me.block(t, st, guest, true)
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	check("guest blocked", map[store.LogKey]bool{topLog(guest): false, subLog(guest): false, topLog(founder): true})

	opened = FestivalWants{}
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	check("left", closed)
}

// TestFestivalRendezvousKey pins the key of doc/network.md's example.
func TestFestivalRendezvousKey(t *testing.T) {
	var f entry.ID
	for i := range f {
		f[i] = byte(i)
	}
	const want = "a05e461ae2081cb4cf7ad862fa3feeb28c3ac1b0421b2c017ec081f9ef79128a"
	if got := hex.EncodeToString(FestivalRendezvousKey(f)); got != want {
		t.Errorf("FestivalRendezvousKey(00…1f) = %s, want %s", got, want)
	}
}

// TestFestivalUnfounded: a festival opened by its id alone wants every
// device's festival found log until its create is held, and nothing else
// of theirs.
func TestFestivalUnfounded(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me, founder := newPerson(t, st), newPerson(t, st)
	var opened FestivalWants
	sc, err := New(ctx, st, Config{Account: me.account.Public(), Device: me.device.Public(),
		Festivals: func(context.Context) (FestivalWants, error) { return opened, nil }})
	if err != nil {
		t.Fatal(err)
	}
	found := store.LogKey{Author: founder.device.Public(), LogID: FestivalFoundLog}
	villageFound := store.LogKey{Author: founder.device.Public(), LogID: FoundLog}
	if sc.Wants(found) {
		t.Fatal("a festival found log wanted before anything was opened")
	}
	opened = FestivalWants{Festivals: []entry.ID{{7}}, Unfounded: true}
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !sc.Wants(found) || sc.Wants(villageFound) || sc.Wants(public(founder.device)) {
		t.Fatalf("unfounded: festival found %v, village found %v, public %v; want true, false, false",
			sc.Wants(found), sc.Wants(villageFound), sc.Wants(public(founder.device)))
	}
	opened.Unfounded = false
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if sc.Wants(found) {
		t.Fatal("a festival found log still wanted once the create is held")
	}
}

// TestOnlyOffered: a log listed in SpaceWants.Only (a village's festival
// log) is given to the devices listed and this account's own, to nobody
// else, though it is wanted as a followed author's log.
func TestOnlyOffered(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me, local, follower := newPerson(t, st), newPerson(t, st), newPerson(t, st)
	lid := entry.LogID{9}
	log := store.LogKey{Author: me.device.Public(), LogID: lid}
	other := store.LogKey{Author: me.device.Public(), LogID: entry.LogID{10}}
	sc, err := New(ctx, st, Config{Account: me.account.Public(), Device: me.device.Public(),
		Spaces: func(context.Context) (SpaceWants, error) {
			return SpaceWants{Only: map[entry.LogID][]identity.PublicKey{lid: {local.device.Public()}}}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		peer identity.PublicKey
		log  store.LogKey
		want bool
	}{
		{local.device.Public(), log, true},
		{follower.device.Public(), log, false},
		{follower.device.Public(), other, true},
	} {
		if got := sc.Offers(c.peer, c.log); got != c.want {
			t.Errorf("Offers(%x, %x) = %v, want %v", c.peer[:4], c.log.LogID[:1], got, c.want)
		}
	}
	// Held, the log is named as withheld for the follower.
	w := newWriter(me.device)
	mustAdd(t, st, w.sign(t, lid, &village.Request{Village: entry.ID{1}, User: [32]byte{2}, Text: "only for locals"}))
	mustAdd(t, st, w.sign(t, other.LogID, &village.Request{Village: entry.ID{1}, User: [32]byte{2}, Text: "for anyone"}))
	checkWithheld(t, st, sc, follower.device.Public())
	checkWithheld(t, st, sc, local.device.Public())
	if sel, _, _ := sc.Withheld(follower.device.Public()); !slices.Contains(sel.LogIDs, lid) {
		t.Fatalf("Withheld(follower) = %+v, want log id %x named", sel, lid[:1])
	}
}
