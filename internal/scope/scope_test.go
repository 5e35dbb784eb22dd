package scope

import (
	"context"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// person is an account with one device and a public log.
type person struct {
	account, device identity.PrivateKey
	seq             uint64
	head            entry.ID
	ts              uint64
}

// personCerts holds the certificate of every test person's device, for the
// requests its village writer signs.
var personCerts = map[identity.PublicKey]*entry.Entry{}

func newPerson(t *testing.T, st store.Store) *person {
	t.Helper()
	a, _ := identity.GenerateKey(nil)
	d, _ := identity.GenerateKey(nil)
	cert, err := content.NewDeviceCert(a, d, "test", 1)
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, st, cert)
	personCerts[d.Public()] = cert
	return &person{account: a, device: d, ts: 10}
}

func mustAdd(t *testing.T, st store.Store, e *entry.Entry) {
	t.Helper()
	r, err := st.Append(context.Background(), e)
	if err != nil || r.Outcome != store.Added {
		t.Fatalf("append: %v %v %v", err, r.Outcome, r.Err)
	}
}

func (p *person) publish(t *testing.T, st store.Store, pl content.Payload) {
	t.Helper()
	b, err := content.Encode(pl)
	if err != nil {
		t.Fatal(err)
	}
	p.seq++
	p.ts++
	e, err := entry.Sign(p.device, entry.Draft{LogID: entry.PublicLog, Seq: p.seq, Backlink: p.head, Timestamp: p.ts, Payload: b})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, st, e)
	p.head = e.ID
}

func (p *person) follow(t *testing.T, st store.Store, q *person, on bool) {
	p.publish(t, st, &content.Follow{Account: q.account.Public().Account(), Following: on})
}

func (p *person) block(t *testing.T, st store.Store, q *person, on bool) {
	p.publish(t, st, &content.Block{Account: q.account.Public().Account(), Blocking: on})
}

func public(k identity.PrivateKey) store.LogKey {
	return store.LogKey{Author: k.Public(), LogID: entry.PublicLog}
}

func certLog(p *person) store.LogKey {
	return store.LogKey{Author: p.account.Public(), LogID: content.DeviceCertLog(p.device.Public())}
}

func TestHopsAndBlocks(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me, a, b, c, x := newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st), newPerson(t, st)
	me.follow(t, st, a, true) // distance 1
	a.follow(t, st, b, true)  // distance 2
	b.follow(t, st, c, true)  // distance 3
	me.follow(t, st, x, true)
	me.block(t, st, x, true) // followed and blocked: blocked wins

	for _, tc := range []struct {
		hops          int
		a, b, c, x, m bool
	}{
		{hops: 0, m: true, a: true},
		{hops: 1, m: true, a: true, b: true},
		{hops: 2, m: true, a: true, b: true, c: true},
	} {
		s, err := New(ctx, st, Config{Account: me.account.Public(), Hops: tc.hops})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []struct {
			name string
			p    *person
			want bool
		}{{"me", me, tc.m}, {"a", a, tc.a}, {"b", b, tc.b}, {"c", c, tc.c}, {"x", x, tc.x}} {
			if got := s.Wants(public(w.p.device)); got != w.want {
				t.Errorf("hops %d: Wants(%s public log) = %v, want %v", tc.hops, w.name, got, w.want)
			}
			if got := s.Wants(certLog(w.p)); got != w.want {
				t.Errorf("hops %d: Wants(%s certificate log) = %v, want %v", tc.hops, w.name, got, w.want)
			}
		}
		if !s.Blocked(x.account.Public()) || !s.Blocked(x.device.Public()) {
			t.Errorf("hops %d: x's account and device must be blocked", tc.hops)
		}
		if s.Offers(x.device.Public(), public(me.device)) {
			t.Errorf("hops %d: offered a log to a blocked peer", tc.hops)
		}
		if s.Offers(a.device.Public(), public(x.device)) {
			t.Errorf("hops %d: offered a blocked account's log", tc.hops)
		}
		if !s.Offers(c.device.Public(), public(a.device)) {
			t.Errorf("hops %d: refused to offer a public log to an unblocked peer", tc.hops)
		}
		for _, p := range []*person{x, a, c} {
			checkWithheld(t, st, s, p.device.Public())
		}
	}
}

func TestNewestStatementWinsAndRefresh(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me, a := newPerson(t, st), newPerson(t, st)
	s, err := New(ctx, st, Config{Account: me.account.Public(), Hops: 0})
	if err != nil {
		t.Fatal(err)
	}
	if s.Wants(public(a.device)) {
		t.Fatal("wanted an account nobody follows")
	}
	me.follow(t, st, a, true)
	if s.Wants(public(a.device)) {
		t.Fatal("the snapshot changed before Refresh")
	}
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !s.Wants(public(a.device)) {
		t.Fatal("a followed account is not wanted after Refresh")
	}
	if got := s.Following(); len(got) != 1 || got[0] != a.account.Public().Account() {
		t.Fatalf("Following = %v", got)
	}
	me.follow(t, st, a, false)
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Wants(public(a.device)) || len(s.Following()) != 0 {
		t.Fatal("an unfollowed account is still wanted")
	}
}

func TestExplicitLogs(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me := newPerson(t, st)
	other, _ := identity.GenerateKey(nil)
	l := store.LogKey{Author: other.Public(), LogID: entry.LogID{7}}
	s, err := New(ctx, st, Config{Account: me.account.Public(), Logs: []store.LogKey{l}})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Wants(l) {
		t.Fatal("an explicit log is not wanted")
	}
	if s.Wants(public(other)) {
		t.Fatal("another log of the same author is wanted")
	}
}

func TestRelevant(t *testing.T) {
	p, _ := identity.GenerateKey(nil)
	for _, tc := range []struct {
		pl   content.Payload
		want bool
	}{
		{&content.Post{Text: "hi"}, false},
		{&content.Follow{Account: p.Public().Account(), Following: true}, true},
		{&content.Block{Account: p.Public().Account(), Blocking: true}, true},
	} {
		b, _ := content.Encode(tc.pl)
		e, err := entry.Sign(p, entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1, Payload: b})
		if err != nil {
			t.Fatal(err)
		}
		if got := Relevant(e); got != tc.want {
			t.Errorf("Relevant(%s) = %v, want %v", tc.pl.Type(), got, tc.want)
		}
	}
}

// TestExplicitLogsMany: explicit logs given in any order and with
// duplicates are each wanted and offered, and no other log is; the scope
// keeps them in a set of its own (one hash each), not the caller's slice.
func TestExplicitLogsMany(t *testing.T) {
	ctx := context.Background()
	st := mem.New()
	me := newPerson(t, st)
	var logs []store.LogKey
	for i := range 300 {
		var l store.LogKey
		l.Author[0], l.Author[1] = byte(i*37), byte(i)
		l.LogID[0] = byte(i % 5)
		logs = append(logs, l)
	}
	given := append(slices.Clone(logs), logs[3], logs[100], logs[299])
	s, err := New(ctx, st, Config{Account: me.account.Public(), Logs: given})
	if err != nil {
		t.Fatal(err)
	}
	if s.explicit.len() != len(logs) {
		t.Fatalf("explicit logs kept: %d, want %d", s.explicit.len(), len(logs))
	}
	given[0] = store.LogKey{} // the caller's slice is not the scope's
	peer := identity.PublicKey{9}
	for i, l := range logs {
		if !s.Wants(l) || !s.Offers(peer, l) {
			t.Fatalf("explicit log %d: wanted %v, offered %v", i, s.Wants(l), s.Offers(peer, l))
		}
		other := l
		other.LogID[1] = 1
		if s.Wants(other) {
			t.Fatalf("a log next to explicit log %d is wanted", i)
		}
	}
}
