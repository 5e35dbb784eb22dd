package scope

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/space"
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

// signedHeads is the latest entry signed in each log by each author, over
// all writers: a village entry references the other authors' heads of its
// log, as if its author had seen everything signed before it (village.md
// §3, "Order"; the logs of each test are its own).
var signedHeads = map[entry.LogID]map[identity.PublicKey]entry.ID{}

func (w *logWriter) sign(t *testing.T, log entry.LogID, p village.Payload) *entry.Entry {
	t.Helper()
	if r, ok := p.(*village.Request); ok && r.Cert.Header == nil {
		c := personCerts[w.key.Public()]
		if c == nil {
			acc, _ := identity.GenerateKey(nil)
			var err error
			if c, err = content.NewDeviceCert(acc, w.key, "", 1); err != nil {
				t.Fatal(err)
			}
		}
		r.Cert = village.CertOf(c)
	}
	if _, ok := p.(*village.Found); !ok {
		var refs []entry.ID
		for a, id := range signedHeads[log] {
			if a != w.key.Public() {
				refs = append(refs, id)
			}
		}
		if err := village.SetRefs(p, refs); err != nil {
			t.Fatal(err)
		}
	}
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
	if signedHeads[log] == nil {
		signedHeads[log] = map[identity.PublicKey]entry.ID{}
	}
	signedHeads[log][w.key.Public()] = e.ID
	return e
}

func sortedKeys(ks ...identity.PublicKey) []identity.PublicKey {
	slices.SortFunc(ks, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return ks
}

// foundVillage stores a village founded by wa (in its found log) and wb,
// with wb's acceptance, admitting locals by admit.
func foundVillage(t *testing.T, st store.Store, wa, wb *logWriter, admit village.Method) (entry.ID, entry.LogID) {
	t.Helper()
	found := wa.sign(t, FoundLog, &village.Found{Name: "v", Admit: admit, Exclude: village.Majority,
		Founders: sortedKeys(accountOf(wa.key), accountOf(wb.key))})
	mustAdd(t, st, found)
	vlog := entry.LogID(found.ID)
	mustAdd(t, st, wb.sign(t, vlog, &village.Accept{Village: found.ID}))
	return found.ID, vlog
}

func TestVillageLogsWanted(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	a, b, c, d := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	wa, wb, wc := newWriter(a.device), newWriter(b.device), newWriter(c.device)

	vid, vlog := foundVillage(t, st, wa, wb, village.Unanimous)
	mustAdd(t, st, wa.sign(t, vlog, &village.Invite{Village: vid, Invitee: d.account.Public()}))
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
	// An unlisted stranger's village log is not wanted (its requests
	// reach only the local it contacted, village.md §6), nor a
	// non-participant's found log.
	if sc.Wants(store.LogKey{Author: c.device.Public(), LogID: vlog}) {
		t.Error("an unlisted stranger's village log is wanted")
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
		Founders: sortedKeys(a.account.Public(), b.account.Public())})
	inv := wa2.sign(t, entry.LogID(found2.ID), &village.Invite{Village: found2.ID, Invitee: d2.account.Public()})
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
	sid := village.StrangerID{1, 63: 1}
	for _, tc := range []struct {
		p    village.Payload
		want bool
	}{
		{&village.Found{Name: "v", Admit: village.Unanimous, Exclude: village.Majority, Founders: sortedKeys(k.Public(), identity.PublicKey{9})}, true},
		{&village.Accept{Village: vid}, true},
		{&village.Invite{Village: vid, Invitee: identity.PublicKey{7}}, true},
		{&village.Join{Village: vid}, true},
		{&village.Leave{Village: vid}, true},
		{&village.Vote{Village: vid, Stranger: sid, Vote: village.VoteVeto}, true},
		{&village.Exclude{Village: vid, Subject: identity.PublicKey{7}, Reason: "gone"}, true},
		{&village.ExcludeVote{Village: vid, Proposal: entry.ID{3}, For: true}, true},
		{&village.Position{Village: vid, Invitee: identity.PublicKey{7}, Position: conversation.Block, Reason: "not yet"}, true},
		{&village.Request{Village: vid, User: [32]byte{5}, Text: "hi"}, false},
		{&village.Userspec{Village: vid, Mode: village.Passive, Name: "hub"}, false},
		{&village.Strangerspec{Village: vid, Stranger: sid, Text: "nice"}, false},
	} {
		if got := Relevant(w.sign(t, entry.LogID(vid), tc.p)); got != tc.want {
			t.Errorf("Relevant(%s) = %v, want %v", tc.p.Type(), got, tc.want)
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
		Founders: sortedKeys(a.account.Public(), c.account.Public())})
	vid := found.ID
	// c, a founder who did not author the found entry, invites d.
	mustAdd(t, st, wc.sign(t, entry.LogID(vid), &village.Invite{Village: vid, Invitee: d.account.Public()}))
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

// TestVillageStrangerLogs: an unlisted stranger's village log is neither
// wanted nor offered (but to the stranger itself): what it sends reaches
// only the local it contacted. Once a local lists it (any vote), its log
// is wanted and offered; once vetoed, neither, not even to itself.
func TestVillageStrangerLogs(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	a, b, x, y := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	wa, wb, wx, wy := newWriter(a.device), newWriter(b.device), newWriter(x.device), newWriter(y.device)
	vid, vlog := foundVillage(t, st, wa, wb, village.Unanimous)
	user, yUser := [32]byte(x.account.Public()), [32]byte(y.account.Public())
	mustAdd(t, st, wx.sign(t, vlog, &village.Request{Village: vid, User: user, Text: "hello"}))
	mustAdd(t, st, wy.sign(t, vlog, &village.Request{Village: vid, User: yUser, Text: "hi"}))
	sc, err := New(ctx, st, Config{Account: a.account.Public()})
	if err != nil {
		t.Fatal(err)
	}
	xl, yl := store.LogKey{Author: x.device.Public(), LogID: vlog}, store.LogKey{Author: y.device.Public(), LogID: vlog}
	bl := store.LogKey{Author: b.device.Public(), LogID: vlog}
	if sc.Wants(xl) || sc.Offers(b.device.Public(), xl) || sc.Wants(yl) || sc.Offers(b.device.Public(), yl) {
		t.Fatal("an unlisted stranger's village log is wanted or offered to a local")
	}
	if !sc.Offers(x.device.Public(), xl) {
		t.Error("a stranger's own village log is not offered to it")
	}
	if !sc.Unlisted(xl) || !sc.Unlisted(yl) || sc.Unlisted(bl) || sc.Unlisted(store.LogKey{Author: x.device.Public(), LogID: entry.PublicLog}) {
		t.Errorf("Unlisted: x %v y %v b %v x's public log %v; want true true false false", sc.Unlisted(xl), sc.Unlisted(yl), sc.Unlisted(bl),
			sc.Unlisted(store.LogKey{Author: x.device.Public(), LogID: entry.PublicLog}))
	}
	if !sc.Wants(bl) || !sc.Offers(x.device.Public(), bl) {
		t.Fatal("a local's village log is not wanted or offered")
	}
	checkWithheld(t, st, sc, b.device.Public())
	checkWithheld(t, st, sc, x.device.Public())
	// Certificate logs are wanted of any author for the devices whose
	// village logs are wanted, not for an unlisted stranger's device
	// (which could certify itself for any number of throwaway accounts).
	someone, _ := identity.GenerateKey(nil)
	certLog := func(p *person) store.LogKey {
		return store.LogKey{Author: someone.Public(), LogID: content.DeviceCertLog(p.device.Public())}
	}
	if !sc.Wants(certLog(b)) || sc.Wants(certLog(x)) || sc.Wants(certLog(y)) {
		t.Fatalf("certificate logs wanted: local %v, unlisted strangers %v %v; want true false false", sc.Wants(certLog(b)), sc.Wants(certLog(x)), sc.Wants(certLog(y)))
	}
	// b lists y (deferred): y's log is wanted and offered; x's is not.
	mustAdd(t, st, wb.sign(t, vlog, &village.Vote{Village: vid, Stranger: village.RequestStranger(y.account.Public(), yUser), Vote: village.VoteDeferred}))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !sc.Wants(yl) || !sc.Offers(b.device.Public(), yl) || sc.Unlisted(yl) {
		t.Fatalf("a listed stranger's village log: wanted %v, offered %v, unlisted %v", sc.Wants(yl), sc.Offers(b.device.Public(), yl), sc.Unlisted(yl))
	}
	if sc.Wants(xl) || sc.Offers(b.device.Public(), xl) {
		t.Fatal("another stranger's log is wanted or offered once one is listed")
	}
	if !sc.Wants(certLog(y)) || sc.Wants(certLog(x)) || !sc.Wants(store.LogKey{Author: y.account.Public(), LogID: entry.PublicLog}) {
		t.Fatalf("a heard stranger's certificate log wanted %v, its account's logs %v; the unlisted one's %v", sc.Wants(certLog(y)),
			sc.Wants(store.LogKey{Author: y.account.Public(), LogID: entry.PublicLog}), sc.Wants(certLog(x)))
	}
	// b vetoes x: x's village log is neither wanted nor offered, not even
	// to x, and still counts as unlisted.
	mustAdd(t, st, wb.sign(t, vlog, &village.Vote{Village: vid, Stranger: village.RequestStranger(x.account.Public(), user), Vote: village.VoteVeto}))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if sc.Wants(xl) || sc.Offers(b.device.Public(), xl) || sc.Offers(x.device.Public(), xl) || !sc.Unlisted(xl) {
		t.Fatal("a vetoed stranger's village log is wanted or offered, or not unlisted")
	}
	checkWithheld(t, st, sc, b.device.Public())
	checkWithheld(t, st, sc, x.device.Public())
	checkWithheld(t, st, sc, y.device.Public())
	if !sc.Wants(yl) || !sc.Wants(bl) {
		t.Fatal("other village logs are no longer wanted")
	}
}

// TestVillageAdmits: in a village log, a stranger the village does not
// hear has only its requests admitted; locals, invitees and heard
// strangers have everything admitted, and logs of other villages are not
// judged. VillageLocals names the other current locals.
func TestVillageAdmits(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	a, b, c, x := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	wa, wb, wc, wx := newWriter(a.device), newWriter(b.device), newWriter(c.device), newWriter(x.device)
	vid, vlog := foundVillage(t, st, wa, wb, village.Majority)
	mustAdd(t, st, wa.sign(t, vlog, &village.Invite{Village: vid, Invitee: c.account.Public()}))
	user := [32]byte(x.account.Public())
	sc, err := New(ctx, st, Config{Account: a.account.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.VillageLocals(); !slices.Equal(got, []identity.PublicKey{b.device.Public()}) {
		t.Fatalf("VillageLocals = %v, want [b]", got)
	}
	// A space created from the village reaches its locals: the locals'
	// space found logs are wanted (spaces.md §2), a stranger's is not.
	if !sc.Wants(store.LogKey{Author: b.device.Public(), LogID: space.FoundLog}) || sc.Wants(store.LogKey{Author: x.device.Public(), LogID: space.FoundLog}) {
		t.Fatal("a local's space found log is not wanted, or a stranger's is")
	}
	req := wx.sign(t, vlog, &village.Request{Village: vid, User: user, Text: "hello"})
	note := wx.sign(t, vlog, &village.Strangerspec{Village: vid, Stranger: village.RequestStranger(a.account.Public(), user), Text: "I am a local"})
	if !sc.Admits(req) {
		t.Error("a stranger's request is not admitted")
	}
	if sc.Admits(note) {
		t.Error("a pending stranger's note is admitted")
	}
	noPayload := *note
	noPayload.Payload = nil
	if sc.Admits(&noPayload) {
		t.Error("a pending stranger's entry without payload is admitted")
	}
	bSpec := wb.sign(t, vlog, &village.Userspec{Village: vid, Mode: village.Active})
	wc.ts = 200 // after the invitations
	if !sc.Admits(wc.sign(t, vlog, &village.Join{Village: vid})) || !sc.Admits(bSpec) {
		t.Error("an invitee's or a local's entry is not admitted")
	}
	mustAdd(t, st, bSpec)
	var other entry.ID
	other[0] = 9
	if !sc.Admits(wx.sign(t, entry.LogID(other), &village.Join{Village: other})) {
		t.Error("an entry in the log of a village this node is not in is judged")
	}
	// Once listed (deferred), the stranger is heard: all its entries pass.
	mustAdd(t, st, req)
	mustAdd(t, st, wb.sign(t, vlog, &village.Vote{Village: vid, Stranger: village.RequestStranger(x.account.Public(), user), Vote: village.VoteDeferred}))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !sc.Admits(note) {
		t.Error("a heard stranger's entry is not admitted")
	}
	// c joins and is admitted (majority of {a, b} needs both): a local.
	mustAdd(t, st, wc.heads[vlog])
	mustAdd(t, st, wb.sign(t, vlog, &village.Invite{Village: vid, Invitee: c.account.Public()}))
	if err := sc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// The locals' devices, which the node keeps connected.
	want := sortedKeys(b.device.Public(), c.device.Public())
	got := sortedKeys(sc.VillageLocals()...)
	if !slices.Equal(got, want) {
		t.Fatalf("VillageLocals = %v, want b and c", got)
	}
}

// accountOf returns the account of the test person whose device is k.
func accountOf(k identity.PrivateKey) identity.PublicKey {
	c := personCerts[k.Public()]
	if c == nil {
		panic("no test person has this device")
	}
	return c.Header.Author
}
