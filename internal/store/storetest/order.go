package storetest

import (
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// delivery is one thing a store receives: an entry with or without its
// payload.
type delivery struct {
	e           *entry.Entry
	headerFirst bool // deliver the header alone, then (later) the whole entry
}

// testArrivalOrder checks the cases where a store's state could depend on
// whether a payload travelled with its header: the same entries, delivered
// with payloads or as headers first, must leave identical stores.
func testArrivalOrder(t *testing.T, open func(t *testing.T) store.Store) {
	acc, dev := key(t, 1), key(t, 2)
	pub := newChain(dev, entry.PublicLog)
	p := pub.add(t, post(t, "to be deleted"), 0)
	d1 := pub.add(t, del(t, p.ID), 0)
	d2 := pub.add(t, del(t, d1.ID), 0) // may not apply: d1 is a delete
	badPost := pub.add(t, cborMap(map[string]any{"type": "post", "text": 5}), 0)
	after := pub.add(t, post(t, "after the bad one"), 0)

	cert := newCert(t, acc, dev, "phone", 1000)
	accPub := newChain(acc, entry.PublicLog)
	delCert := accPub.add(t, del(t, cert.ID), 0) // may not apply: a certificate

	all := []*entry.Entry{p, d1, d2, badPost, after, cert, delCert}
	scenarios := map[string][]delivery{
		"payloads with headers":                               {{p, false}, {d1, false}, {d2, false}, {badPost, false}, {after, false}, {cert, false}, {delCert, false}},
		"delete header first, then its payload":               {{p, false}, {d1, true}, {d2, false}, {badPost, false}, {after, false}, {cert, false}, {delCert, false}},
		"everything header first":                             {{p, true}, {d1, true}, {d2, true}, {badPost, true}, {after, true}, {cert, true}, {delCert, true}},
		"certificate header first, deleted, then its payload": {{cert, true}, {delCert, false}, {p, false}, {d1, false}, {d2, false}, {badPost, true}, {after, false}},
	}
	var want string
	var wantName string
	for name, sc := range scenarios {
		s := open(t)
		x := h{t: t, s: s, ctx: t.Context()}
		for _, d := range sc {
			if d.headerFirst {
				x.append(headerOnly(t, d.e))
			} else {
				x.append(d.e)
			}
		}
		// Deliver every payload (again): what was sent header-first now
		// arrives whole.
		for _, e := range all {
			x.append(e)
		}
		got := Snapshot(t, s, acc.Public())
		if g := x.get(p.ID); !g.Deleted {
			t.Errorf("%s: the post was not deleted", name)
		}
		if g := x.get(d1.ID); g.Deleted || g.Type != content.TypeDelete {
			t.Errorf("%s: the first delete was deleted (deleted %v, type %q)", name, g.Deleted, g.Type)
		}
		if g := x.get(cert.ID); g.Deleted || g.Type != content.TypeDeviceAdd {
			t.Errorf("%s: the certificate was deleted (deleted %v, type %q)", name, g.Deleted, g.Type)
		}
		if ds := x.devices(acc.Public()); len(ds) != 1 || ds[0].Device != dev.Public() {
			t.Errorf("%s: devices %+v, want the phone", name, ds)
		}
		if g := x.get(badPost.ID); g.Payload != nil {
			t.Errorf("%s: an invalid payload was kept", name)
		}
		if hd := x.head(pub.logKey()); hd.Seq != after.Header.Seq {
			t.Errorf("%s: log head %d, want %d", name, hd.Seq, after.Header.Seq)
		}
		_ = s.Close()
		if want == "" {
			want, wantName = got, name
		} else if got != want {
			t.Errorf("%q and %q leave different stores:\n%s\n---\n%s", wantName, name, want, got)
		}
	}
}
