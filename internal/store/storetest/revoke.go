package storetest

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Revocations that hold (doc/protocol/payloads.md §6.1): a store refuses,
// drops and never shows the entries of a revoked device its revocations do
// not keep.

const revokedMsg = "not among those the revocation keeps"

// kept returns the kept heads of a revocation that keeps es (each the head
// of its log).
func kept(es ...*entry.Entry) []content.KeptHead {
	out := make([]content.KeptHead, len(es))
	for i, e := range es {
		out[i] = content.KeptHead{ID: e.ID, KeptAt: content.KeptAt{LogID: e.Header.LogID, Seq: e.Header.Seq}}
	}
	return out
}

func newRevokeKeep(t *testing.T, acc identity.PrivateKey, cert *entry.Entry, ts uint64, keep ...content.KeptHead) *entry.Entry {
	t.Helper()
	e, err := content.NewDeviceRevoke(acc, cert, "lost", keep, ts)
	if err != nil {
		t.Fatal(err)
	}
	return fresh(t, e)
}

// revokeWorld is an account with a device d that wrote posts in its
// public log and a village log.
type revokeWorld struct {
	acc, d   identity.PrivateKey
	cert     *entry.Entry
	pub, vil *chain
}

func newRevokeWorld(t *testing.T, x h) *revokeWorld {
	w := &revokeWorld{acc: key(t, 1), d: key(t, 2)}
	w.cert = newCert(t, w.acc, w.d, "phone", 1000)
	w.pub = newChain(w.d, entry.PublicLog)
	w.vil = newChain(w.d, entry.LogID{0x42})
	w.pub.posts(t, 4)
	w.vil.posts(t, 2)
	return w
}

// gone requires that the store shows nothing of es: no Get, no Find, no
// entry in its log.
func (x h) gone(es ...*entry.Entry) {
	x.t.Helper()
	for _, e := range es {
		x.notFound(e.ID)
		for _, s := range x.log(store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}, 1, 0) {
			if s.ID == e.ID {
				x.t.Fatalf("seq %d is still in its log", e.Header.Seq)
			}
		}
		for _, s := range x.find(store.Query{Authors: []identity.PublicKey{e.Header.Author}}) {
			if s.ID == e.ID {
				x.t.Fatalf("seq %d is still found", e.Header.Seq)
			}
		}
	}
}

// noLog requires that the store does not hold log k.
func (x h) noLog(k store.LogKey) {
	x.t.Helper()
	if hd, err := x.s.Head(x.ctx, k); !errors.Is(err, store.ErrNotFound) {
		x.t.Fatalf("Head(%s) = %+v, %v; want ErrNotFound", k, hd, err)
	}
	for _, hd := range x.heads() {
		if hd.Log == k {
			x.t.Fatalf("Heads still lists %s", k)
		}
	}
}

func testRevokeKeepsNothing(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	x.mustAdd(w.pub.es...)
	x.mustAdd(w.vil.es...)
	rev := newRevokeKeep(t, w.acc, w.cert, 2000)
	x.mustAdd(rev)
	x.gone(w.pub.es...)
	x.gone(w.vil.es...)
	x.noLog(w.pub.logKey())
	x.noLog(w.vil.logKey())
	if got := x.find(store.Query{Authors: []identity.PublicKey{w.d.Public()}}); len(got) != 0 {
		t.Fatalf("Find(revoked device) = %d entries, want none", len(got))
	}
	// Nothing of the device is stored again, from seq 1 or later.
	r := x.expect(w.pub.es[0], store.Rejected, revokedMsg, "was revoked by account", rev.ID.String(), w.d.Public().Device().String())
	if !errors.Is(r.Err, store.ErrNotKept) {
		t.Fatalf("rejection %v is not store.ErrNotKept", r.Err)
	}
	x.expect(newChain(w.d, entry.LogID{7}).add(t, post(t, "new log"), 0), store.Rejected, revokedMsg)
	// The revocation and the certificate stay.
	if d := x.devices(w.acc.Public()); len(d) != 1 || !d[0].Revoked || d[0].RevokedBy != rev.ID {
		t.Fatalf("Devices = %+v", d)
	}
	x.expect(rev, store.Known)
}

func testRevokeKeepsHeads(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	x.mustAdd(w.pub.es...)
	x.mustAdd(w.vil.es...)
	// Keep the public log up to seq 2; the village log is named by no
	// kept head.
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, kept(w.pub.es[1])...)
	x.mustAdd(rev)
	if hd := x.head(w.pub.logKey()); hd != (store.Head{Log: w.pub.logKey(), Seq: 2, ID: w.pub.es[1].ID}) {
		t.Fatalf("public log head %+v, want seq 2", hd)
	}
	equalIDs(t, "kept log", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es[:2]))
	x.gone(w.pub.es[2:]...)
	x.gone(w.vil.es...)
	x.noLog(w.vil.logKey())
	equalIDs(t, "Find(revoked device)", storedIDs(x.find(store.Query{Authors: []identity.PublicKey{w.d.Public()}})), ids(w.pub.es[:2]))
	// Kept entries are known; the dropped ones are refused when sent again.
	x.expect(w.pub.es[1], store.Known)
	x.expect(w.pub.es[2], store.Rejected, revokedMsg)
	// Another entry beside the kept head (a fork at seq 2) is refused, not
	// kept as evidence.
	beside := w.pub.signAt(t, 2, post(t, "beside the kept head"), 0, 5)
	x.expect(beside, store.Rejected, revokedMsg)
	if f := x.forks(); len(f) != 0 {
		t.Fatalf("fork evidence %+v, want none", f)
	}
	// A fork below the kept head is evidence, as for any log.
	below := w.pub.signAt(t, 1, post(t, "beside seq 1"), 0, 5)
	x.expect(below, store.Forked)
}

func testRevokeBeforeEntries(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	// The revocation arrives first; it keeps the public log up to seq 2,
	// an entry this store has not seen.
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, kept(w.pub.es[1])...)
	x.mustAdd(rev)
	x.mustAdd(w.pub.es[0])
	// At the kept head's seq only the kept head is stored.
	beside := w.pub.signAt(t, 2, post(t, "beside the kept head"), 0, 5)
	x.expect(beside, store.Rejected, revokedMsg)
	x.mustAdd(w.pub.es[1])
	x.expect(w.pub.es[2], store.Rejected, revokedMsg)
	x.expect(w.vil.es[0], store.Rejected, revokedMsg)
	if hd := x.head(w.pub.logKey()); hd.Seq != 2 || hd.ID != w.pub.es[1].ID {
		t.Fatalf("public log head %+v", hd)
	}
	x.noLog(w.vil.logKey())
}

func testRevokeInBatch(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, kept(w.pub.es[1])...)
	// The device's entries before the revocation in one batch: those not
	// kept are reported rejected and are not stored.
	batch := append(slices.Clone(w.pub.es), w.vil.es[0], rev)
	rs := x.ingest(batch...)
	want := []store.Outcome{store.Added, store.Added, store.Rejected, store.Rejected, store.Rejected, store.Added}
	for i, r := range rs {
		if r.Outcome != want[i] {
			t.Fatalf("entry %d: %v (%v), want %v", i, r.Outcome, r.Err, want[i])
		}
		if r.Outcome == store.Rejected {
			checkResult(t, r, batch[i], store.Rejected, revokedMsg)
		}
	}
	x.gone(w.pub.es[2:]...)
	x.gone(w.vil.es[0])
	x.noLog(w.vil.logKey())
	// And after it in one batch.
	rs = x.ingest(w.vil.es[0], w.pub.es[2])
	for i, r := range rs {
		if r.Outcome != store.Rejected {
			t.Fatalf("entry %d after the revocation: %v", i, r.Outcome)
		}
	}
}

func testRevokeCertPayloadLate(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(headerOnly(t, w.cert))
	x.mustAdd(w.pub.es...)
	// Without the certificate's payload the revocation is in no effect:
	// anyone could have written that log.
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, kept(w.pub.es[0])...)
	x.mustAdd(rev)
	equalIDs(t, "log before the certificate", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es))
	// The certificate's payload puts it in effect, dropping seq 2..4.
	x.expect(fresh(t, w.cert), store.Known)
	equalIDs(t, "log after the certificate", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es[:1]))
	x.gone(w.pub.es[1:]...)
	x.expect(w.vil.es[0], store.Rejected, revokedMsg)
}

func testRevokeBadInput(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	x.mustAdd(w.pub.es...)

	// Signed by the wrong key: the revocation's signature does not verify.
	x.expect(forge(t, newRevokeKeep(t, w.acc, w.cert, 2000)), store.Rejected, "invalid signature")

	// Another account writes a revocation of d into a log of its own. It
	// has no certificate of d there (d never agreed), so it is an
	// ordinary entry with no effect.
	mallory := key(t, 9)
	mlog := newChain(mallory, content.DeviceCertLog(w.d.Public()))
	mlog.add(t, post(t, "not a certificate"), 0)
	bogus := mlog.add(t, encode(t, &content.DeviceRevoke{Device: w.d.Public().Device()}), 0)
	x.mustAdd(mlog.es...)
	_ = bogus
	x.mustAdd(w.vil.es...)
	equalIDs(t, "log after a stranger's revocation", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es))

	// A device certifying itself: the payload is refused and certifies
	// nothing, and a revocation after it changes nothing either.
	self := key(t, 10)
	slog := newChain(self, content.DeviceCertLog(self.Public()))
	add := &content.DeviceAdd{Account: self.Public().Account(), Device: self.Public().Device()}
	add.DeviceSig = self.Sign(content.DeviceCertInput(self.Public(), self.Public()))
	// {"type": "device.add", "device": …, "account": …, "device_sig": …},
	// keys in the canonical order of their encoded bytes.
	b := []byte("\xa4\x64type\x6adevice.add\x66device\x58\x20")
	b = append(b, add.Device[:]...)
	b = append(b, "\x67account\x58\x20"...)
	b = append(b, add.Account[:]...)
	b = append(b, "\x6adevice_sig\x58\x40"...)
	b = append(b, add.DeviceSig[:]...)
	selfCert := slog.add(t, b, 0)
	x.expectPayloadRefused(selfCert, "equals the account key")
	sp := newChain(self, entry.PublicLog)
	x.mustAdd(sp.posts(t, 2)...)
	x.mustAdd(slog.add(t, encode(t, &content.DeviceRevoke{Device: self.Public().Device()}), 0))
	equalIDs(t, "self-certified device's log", storedIDs(x.log(sp.logKey(), 1, 0)), ids(sp.es))

	// A keep naming an entry of another device: it keeps the entries of
	// d's log below that position, and nothing at it.
	other := newChain(key(t, 11), entry.PublicLog)
	other.posts(t, 3)
	x.mustAdd(other.es...)
	foreign := content.KeptHead{ID: other.es[2].ID, KeptAt: content.KeptAt{LogID: entry.PublicLog, Seq: 3}}
	// The last device of the account is revoked: valid.
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, foreign)
	x.mustAdd(rev)
	equalIDs(t, "log kept below a foreign head", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es[:2]))
	equalIDs(t, "the other device's log", storedIDs(x.log(other.logKey(), 1, 0)), ids(other.es))
	x.noLog(w.vil.logKey())
	// Replayed: known, nothing changes.
	x.expect(rev, store.Known)
	x.expect(fresh(t, rev), store.Known)
	equalIDs(t, "log after a replay", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es[:2]))
}

// testRevokeTwice: two revocations of one device (later seqs of the
// certificate log, and another account the device agreed to belong to)
// keep only what every one keeps.
func testRevokeTwice(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	x.mustAdd(w.pub.es...)
	x.mustAdd(w.vil.es...)
	certLog := &chain{key: w.acc, log: w.cert.Header.LogID, ts: 1, es: []*entry.Entry{w.cert}}
	r1 := certLog.add(t, encode(t, &content.DeviceRevoke{Device: w.d.Public().Device(),
		Keep: []entry.ID{w.pub.es[3].ID}, KeepAt: []content.KeptAt{{LogID: entry.PublicLog, Seq: 4}}}), 0)
	x.mustAdd(r1)
	equalIDs(t, "after the first", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es))
	x.noLog(w.vil.logKey())
	kv := []content.KeptHead{kept(w.pub.es[1])[0], kept(w.vil.es[1])[0]}
	slices.SortFunc(kv, func(a, b content.KeptHead) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	r2 := certLog.add(t, encode(t, &content.DeviceRevoke{Device: w.d.Public().Device(),
		Keep: []entry.ID{kv[0].ID, kv[1].ID}, KeepAt: []content.KeptAt{kv[0].KeptAt, kv[1].KeptAt}}), 0)
	x.mustAdd(r2)
	equalIDs(t, "after the second", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es[:2]))
	x.expect(w.vil.es[0], store.Rejected, revokedMsg)

	// The device also agreed to belong to a second account, which revokes
	// it keeping nothing: nothing of it stays.
	acc2 := key(t, 3)
	c2 := newCert(t, acc2, w.d, "shared", 3000)
	x.mustAdd(c2)
	equalIDs(t, "after a second certificate", storedIDs(x.log(w.pub.logKey(), 1, 0)), ids(w.pub.es[:2]))
	x.mustAdd(newRevokeKeep(t, acc2, c2, 4000))
	x.noLog(w.pub.logKey())
	x.gone(w.pub.es...)
}

// testRevokeDropsTombstones: a delete the revocation does not keep no
// longer applies to a target that arrives after it.
func testRevokeDropsTombstones(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	x.mustAdd(w.pub.es[:2]...)
	// In its village log, the device deletes its third public post,
	// which this store does not hold yet.
	d := w.vil.add(t, del(t, w.pub.es[2].ID), 0)
	x.mustAdd(w.vil.es...)
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, kept(w.pub.es[3])...)
	x.mustAdd(rev)
	x.gone(d)
	x.mustAdd(w.pub.es[2])
	if g := x.get(w.pub.es[2].ID); g.Deleted || g.Payload == nil {
		t.Fatalf("a post deleted by a dropped delete: deleted %v, payload %x", g.Deleted, g.Payload)
	}
	// A delete the device writes after its revocation is refused: the
	// kept post keeps its payload.
	x.mustAdd(w.pub.es[3])
	x.expect(newChain(w.d, entry.PublicLog).signAt(t, 5, del(t, w.pub.es[0].ID), 0, 9), store.Rejected, revokedMsg)
	if g := x.get(w.pub.es[0].ID); g.Deleted {
		t.Fatal("a kept post was deleted after the revocation")
	}
}

// testRevokeRace: a device writes while its revocation travels. Two
// stores get the same entries in opposite orders and end the same.
func testRevokeRace(t *testing.T, x h, open func(t *testing.T) store.Store) {
	w := newRevokeWorld(t, x)
	rev := newRevokeKeep(t, w.acc, w.cert, 2000, kept(w.pub.es[1])...)
	all := append([]*entry.Entry{w.cert}, w.pub.es...)
	all = append(all, w.vil.es...)
	x.mustAdd(all...)
	x.mustAdd(rev)
	s2 := open(t)
	t.Cleanup(func() { _ = s2.Close() })
	y := h{t: t, s: s2, ctx: x.ctx}
	y.mustAdd(w.cert, rev)
	for _, e := range all[1:] {
		r := y.append(e)
		keep := e.Header.LogID == entry.PublicLog && e.Header.Seq <= 2
		if keep != (r.Outcome == store.Added) {
			t.Fatalf("seq %d of %s: %v (%v)", e.Header.Seq, e.Header.LogID, r.Outcome, r.Err)
		}
	}
	if a, b := Snapshot(t, x.s, w.acc.Public()), Snapshot(t, s2, w.acc.Public()); a != b {
		t.Fatalf("the two orders differ:\n%s\n---\n%s", a, b)
	}
}

// testRevokeKeepUnknown: a revocation keeping content.MaxRevokeKeep heads
// no store has seen (in logs of their own) keeps, of each such log, the
// entries below the named seq and only the named entry at it.
func testRevokeKeepUnknown(t *testing.T, x h) {
	w := newRevokeWorld(t, x)
	x.mustAdd(w.cert)
	var keep []content.KeptHead
	for i := range content.MaxRevokeKeep {
		id := entry.ID{0: byte(i), 1: byte(i >> 8), 31: 0xee}
		keep = append(keep, content.KeptHead{ID: id, KeptAt: content.KeptAt{LogID: entry.LogID{0: byte(i), 1: byte(i >> 8), 31: 0x77}, Seq: 2}})
	}
	x.mustAdd(newRevokeKeep(t, w.acc, w.cert, 2000, keep...))
	l := newChain(w.d, keep[5].LogID)
	x.mustAdd(l.add(t, post(t, "below the unknown head"), 0))
	x.expect(l.add(t, post(t, "at the unknown head's seq, not it"), 0), store.Rejected, revokedMsg)
	x.expect(w.pub.es[0], store.Rejected, revokedMsg)
}
