package scope

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/village"
)

// logWriter appends to any log of one device.
type logWriter struct {
	key   identity.PrivateKey
	heads map[entry.LogID]*entry.Entry
	ts    uint64
}

func newWriter(k identity.PrivateKey) *logWriter {
	return &logWriter{key: k, heads: map[entry.LogID]*entry.Entry{}, ts: 100}
}

func (w *logWriter) sign(t *testing.T, log entry.LogID, p village.Payload) *entry.Entry {
	t.Helper()
	d := entry.Draft{LogID: log, Seq: 1, Timestamp: w.ts, Payload: village.MustEncode(p)}
	w.ts++
	if h := w.heads[log]; h != nil {
		d.Seq, d.Backlink = h.Header.Seq+1, h.ID
	}
	e, err := entry.Sign(w.key, d)
	if err != nil {
		t.Fatal(err)
	}
	w.heads[log] = e
	return e
}

func sortedKeys(ks ...identity.PublicKey) []identity.PublicKey {
	slices.SortFunc(ks, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return ks
}

func TestVillageLogsWanted(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	a, b, c, d := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	wa, wb, wc := newWriter(a.device), newWriter(b.device), newWriter(c.device)

	found := wa.sign(t, FoundLog, &village.Found{Name: "v", Admit: village.Unanimous, Exclude: village.Majority,
		Founders: sortedKeys(a.device.Public(), b.device.Public())})
	mustAdd(t, st, found)
	vid := found.ID
	vlog := entry.LogID(vid)
	mustAdd(t, st, wb.sign(t, vlog, &village.Accept{Village: vid}))
	mustAdd(t, st, wa.sign(t, vlog, &village.Invite{Village: vid, Invitee: d.device.Public()}))
	// c is no participant: its entry in the village log is ignored.
	mustAdd(t, st, wc.sign(t, vlog, &village.Join{Village: vid}))

	sc, err := New(ctx, st, Config{Account: a.account.Public(), Hops: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Villages(); len(got) != 1 || got[0] != vid {
		t.Fatalf("Villages = %v, want [%s]", got, vid)
	}
	for _, k := range []identity.PublicKey{a.device.Public(), b.device.Public(), d.device.Public()} {
		if !sc.Wants(store.LogKey{Author: k, LogID: vlog}) {
			t.Errorf("village log of %s not wanted", k.Hex())
		}
		if !sc.Wants(store.LogKey{Author: k, LogID: FoundLog}) {
			t.Errorf("found log of %s not wanted", k.Hex())
		}
	}
	// Any author's village log is wanted (a stranger's requests reach
	// every local, village.md §6), but not a non-participant's found log.
	if !sc.Wants(store.LogKey{Author: c.device.Public(), LogID: vlog}) {
		t.Error("a stranger's village log is not wanted")
	}
	if sc.Wants(store.LogKey{Author: c.device.Public(), LogID: FoundLog}) {
		t.Error("a non-participant's found log is wanted")
	}
	if sc.Wants(store.LogKey{Author: b.device.Public(), LogID: entry.PublicLog}) {
		t.Error("a participant's public log is wanted without a follow")
	}

	// Blocking b's account drops b's village logs.
	a.block(t, st, b, true)
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if sc.Wants(store.LogKey{Author: b.device.Public(), LogID: vlog}) {
		t.Error("a blocked participant's village log is wanted")
	}
	if !sc.Wants(store.LogKey{Author: d.device.Public(), LogID: vlog}) {
		t.Error("the invitee's village log is no longer wanted")
	}

	// The invitee, holding only the invitation, wants the inviter's logs
	// (and so reaches the found entry in the founder's found log).
	st2 := mem.New()
	d2 := newPerson(t, st2)
	wa2 := newWriter(a.device)
	found2 := wa2.sign(t, FoundLog, &village.Found{Name: "w", Admit: village.Majority, Exclude: village.Majority,
		Founders: sortedKeys(a.device.Public(), b.device.Public())})
	inv := wa2.sign(t, entry.LogID(found2.ID), &village.Invite{Village: found2.ID, Invitee: d2.device.Public()})
	// Held without its found entry: the invitation alone, at seq 1 of a's
	// village log.
	mustAdd(t, st2, inv)
	sc2, err := New(ctx, st2, Config{Account: d2.account.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc2.Villages(); len(got) != 1 || got[0] != found2.ID {
		t.Fatalf("invitee's Villages = %v", got)
	}
	if !sc2.Wants(store.LogKey{Author: a.device.Public(), LogID: FoundLog}) ||
		!sc2.Wants(store.LogKey{Author: a.device.Public(), LogID: entry.LogID(found2.ID)}) {
		t.Error("the invitee does not want the inviter's found and village logs")
	}
	if !sc2.Wants(store.LogKey{Author: d2.device.Public(), LogID: entry.LogID(found2.ID)}) {
		t.Error("the invitee does not want its own village log")
	}
}

func TestVillageRelevantAndRendezvous(t *testing.T) {
	k, _ := identity.GenerateKey(nil)
	w := newWriter(k)
	var vid entry.ID
	vid[0] = 1
	for _, p := range []village.Payload{&village.Join{Village: vid}, &village.Vote{Village: vid, Stranger: village.StrangerID{1, 63: 1}, Vote: village.VoteVeto}} {
		if !Relevant(w.sign(t, entry.LogID(vid), p)) {
			t.Errorf("Relevant(%s) = false", p.Type())
		}
	}
	r1, r2 := RendezvousKey(vid), RendezvousKey(entry.ID{2})
	if len(r1) != 32 || bytes.Equal(r1, r2) || bytes.Contains(r1, vid[:]) {
		t.Errorf("rendezvous keys %x %x", r1, r2)
	}
}

// An invitee whose inviter did not found the village holds the invitation
// only: the found entry is in a log it cannot name, so it wants every
// device's found log until the found entry is held.
func TestVillageFoundEntryOfAnotherFounder(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	a, c, d, x := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	wa, wc := newWriter(a.device), newWriter(c.device)
	found := wa.sign(t, FoundLog, &village.Found{Name: "v", Admit: village.Majority, Exclude: village.Majority,
		Founders: sortedKeys(a.device.Public(), c.device.Public())})
	vid := found.ID
	// c, a founder who did not author the found entry, invites d.
	mustAdd(t, st, wc.sign(t, entry.LogID(vid), &village.Invite{Village: vid, Invitee: d.device.Public()}))
	sc, err := New(ctx, st, Config{Account: d.account.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Villages(); len(got) != 1 || got[0] != vid {
		t.Fatalf("Villages = %v", got)
	}
	for _, k := range []identity.PublicKey{a.device.Public(), x.device.Public()} {
		if !sc.Wants(store.LogKey{Author: k, LogID: FoundLog}) {
			t.Errorf("found log of %s not wanted while the found entry is missing", k.Hex())
		}
	}
	if sc.Wants(store.LogKey{Author: x.device.Public(), LogID: entry.PublicLog}) {
		t.Error("a non-participant's other logs are wanted")
	}

	// With the found entry held, the founders' logs are wanted, and no
	// longer the found log of a device outside the village.
	mustAdd(t, st, found)
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !sc.Wants(store.LogKey{Author: a.device.Public(), LogID: entry.LogID(vid)}) ||
		!sc.Wants(store.LogKey{Author: a.device.Public(), LogID: FoundLog}) {
		t.Error("the founder's logs are not wanted once the found entry is held")
	}
	if sc.Wants(store.LogKey{Author: x.device.Public(), LogID: FoundLog}) {
		t.Error("an outsider's found log is still wanted once the found entry is held")
	}
}

func TestVillageStrangerLogs(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	a, b, x, y := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	wa, wb, wx := newWriter(a.device), newWriter(b.device), newWriter(x.device)
	found := wa.sign(t, FoundLog, &village.Found{Name: "v", Admit: village.Unanimous, Exclude: village.Majority,
		Founders: sortedKeys(a.device.Public(), b.device.Public())})
	mustAdd(t, st, found)
	vid := found.ID
	vlog := entry.LogID(vid)
	mustAdd(t, st, wb.sign(t, vlog, &village.Accept{Village: vid}))
	user := [32]byte(x.account.Public())
	mustAdd(t, st, wx.sign(t, vlog, &village.Request{Village: vid, User: user, Text: "hello"}))
	sc, err := New(ctx, st, Config{Account: a.account.Public()})
	if err != nil {
		t.Fatal(err)
	}
	xl, yl := store.LogKey{Author: x.device.Public(), LogID: vlog}, store.LogKey{Author: y.device.Public(), LogID: vlog}
	if !sc.Wants(xl) || !sc.Offers(b.device.Public(), xl) || !sc.Wants(yl) {
		t.Fatal("a pending stranger's village log is not wanted or offered")
	}
	// b vetoes x: x's village log is neither wanted nor offered; y's still is.
	mustAdd(t, st, wb.sign(t, vlog, &village.Vote{Village: vid, Stranger: village.RequestStranger(x.device.Public(), user), Vote: village.VoteVeto}))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if sc.Wants(xl) || sc.Offers(b.device.Public(), xl) {
		t.Fatal("a vetoed stranger's village log is wanted or offered")
	}
	if !sc.Wants(yl) || !sc.Wants(store.LogKey{Author: b.device.Public(), LogID: vlog}) {
		t.Fatal("other village logs are no longer wanted")
	}

	// A stranger in the inbox: its village log is wanted until
	// MaxRequests entries are held, and again once a local lists it.
	wy := newWriter(y.device)
	yUser := [32]byte(y.account.Public())
	for range village.MaxRequests - 1 {
		mustAdd(t, st, wy.sign(t, vlog, &village.Request{Village: vid, User: yUser, Text: "again"}))
	}
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !sc.Wants(yl) {
		t.Fatalf("village log wanted no more at %d entries", village.MaxRequests-1)
	}
	mustAdd(t, st, wy.sign(t, vlog, &village.Request{Village: vid, User: yUser, Text: "again"}))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if sc.Wants(yl) || !sc.Offers(b.device.Public(), yl) {
		t.Fatalf("a pending stranger's village log at %d entries: wanted %v, offered %v", village.MaxRequests, sc.Wants(yl), sc.Offers(b.device.Public(), yl))
	}
	mustAdd(t, st, wb.sign(t, vlog, &village.Vote{Village: vid, Stranger: village.RequestStranger(y.device.Public(), yUser), Vote: village.VoteDeferred}))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !sc.Wants(yl) {
		t.Fatal("a heard stranger's village log is capped")
	}
}
