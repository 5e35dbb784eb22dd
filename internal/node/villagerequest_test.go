package node_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// TestMockVillageRequest: an unlisted stranger's request through one local
// stays with that local; once a local lists the stranger, it reaches the
// other local by sync; once a local vetoes the stranger, both locals'
// nodes refuse its requests.
func TestMockVillageRequest(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 4)
	a, b, x, y := ns[0], ns[1], ns[2], ns[3]
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	share(t, a, b)
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	// a and b are connected (and sync the village logs); x reaches only a.
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	// A node that takes part in no such village says so, and the refused
	// request is not kept in x's log either.
	if _, err := x.RequestVillage(ctx, entry.ID{1}, y.Addrs()[0], "hello?", [32]byte{}); !errors.Is(err, node.ErrRequestRefused) || !strings.Contains(err.Error(), "no such village") {
		t.Fatalf("request to a non-local: %v", err)
	}
	// A local does not send requests.
	if _, err := a.RequestVillage(ctx, vid, b.Addrs()[0], "hi", [32]byte{}); !errors.Is(err, node.ErrVillageRule) {
		t.Fatalf("a local's request: %v", err)
	}
	if _, err := x.RequestVillage(ctx, vid, a.Addrs()[0], "may I sell honey at the market?", [32]byte{}); err != nil {
		t.Fatal(err)
	}
	sx := village.RequestStranger(acc(x), [32]byte(x.Account().Key()))
	inbox := func(n *node.Node) []village.StrangerRequest {
		st, err := n.Village(ctx, vid)
		if err != nil {
			t.Fatal(err)
		}
		if sg := st.Stranger(sx); sg != nil && sg.Pending() {
			return sg.Requests
		}
		return nil
	}
	if r := inbox(a); len(r) != 1 || r[0].Text != "may I sell honey at the market?" {
		t.Fatalf("a's inbox: %+v", r)
	}
	// x is unlisted: its request stays with a, the local it contacted.
	// a's userspec, written after it, reaching b shows that a and b
	// synced since.
	if _, err := a.SetVillageUserspec(ctx, vid, village.Active, "Ann", ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to hold a's userspec", func() bool {
		st, err := b.Village(ctx, vid)
		return err == nil && st.Local(acc(a)).Name == "Ann"
	})
	if h, err := b.Store().Head(ctx, store.LogKey{Author: dev(x), LogID: entry.LogID(vid)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("b holds the unlisted stranger's village log (head %d, %v)", h.Seq, err)
	}
	// Once a lists x (deferred), x's requests reach every local.
	if _, err := a.VoteStranger(ctx, vid, sx, village.VoteDeferred, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to see x's request once a listed x", func() bool {
		st, err := b.Village(ctx, vid)
		return err == nil && st.Stranger(sx) != nil && len(st.Stranger(sx).Requests) == 1
	})
	// A state does not name strangers' logs; its components are those of
	// the whole set held.
	_, sp, err := b.PublishState(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sp.Seen {
		if s.Author == dev(x) {
			t.Fatal("the state names the stranger's log")
		}
	}
	eventually(t, "a to hold b's state, and its audit to find nothing", func() bool {
		links, findings, err := a.Chain(ctx, vid, acc(b))
		return err == nil && len(links) == 1 && len(findings) == 0
	})

	// b vetoes x; once a holds the veto, a's node refuses x too.
	if _, err := b.VoteStranger(ctx, vid, sx, village.VoteVeto, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.RequestVillage(ctx, vid, b.Addrs()[0], "please", [32]byte{}); !errors.Is(err, node.ErrRequestVetoed) {
		t.Fatalf("request to the vetoing local: %v", err)
	}
	eventually(t, "a to hold b's veto", func() bool {
		st, err := a.Village(ctx, vid)
		return err == nil && st.Stranger(sx) != nil && st.Stranger(sx).Standing == village.Vetoed
	})
	_, err = x.RequestVillage(ctx, vid, a.Addrs()[0], "please", [32]byte{})
	if !errors.Is(err, node.ErrRequestVetoed) || !strings.Contains(err.Error(), "vetoes") {
		t.Fatalf("request to the other local: %v", err)
	}
	// Neither local took the refused requests, and x did not keep them:
	// its village log holds the one request a stored.
	if h, err := x.Store().Head(ctx, store.LogKey{Author: dev(x), LogID: entry.LogID(vid)}); err != nil || h.Seq != 1 {
		t.Fatalf("x's village log: head %d, %v; want seq 1", h.Seq, err)
	}
	for _, n := range []*node.Node{a, b} {
		st, _ := n.Village(ctx, vid)
		if got := len(st.Stranger(sx).Requests); got != 1 {
			t.Fatalf("a local holds %d requests of the vetoed stranger: %+v", got, st.Stranger(sx).Requests)
		}
	}
}

// TestMockVillageRequestChecks: what a local's node answers to requests it
// must not take, from a raw host speaking the protocol; a malformed message
// gets the sender refused.
func TestMockVillageRequestChecks(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 2)
	a, b := ns[0], ns[1]
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	share(t, a, b)
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)

	rawKey, _ := identity.GenerateKey(nil)
	raw, err := mn.NewHost(rawKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	// The raw host says which account it belongs to, as every kith node
	// does (a node refuses a peer that cannot).
	rawAccount, _ := identity.GenerateKey(nil)
	cert, err := content.NewDeviceCert(rawAccount, rawKey, "raw", 1)
	if err != nil {
		t.Fatal(err)
	}
	raw.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	if err := raw.ConnectKey(ctx, dev(a), a.Addrs()); err != nil {
		t.Fatal(err)
	}
	other, _ := identity.GenerateKey(nil)
	sign := func(k identity.PrivateKey, seq uint64, p village.Payload) *entry.Entry {
		d := entry.Draft{LogID: entry.LogID(vid), Seq: seq, Timestamp: uint64(time.Now().Add(time.Hour).UnixMilli()), Payload: village.MustEncode(p)}
		if seq > 1 {
			d.Backlink = entry.ID{1}
		}
		e, err := entry.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ask := func(es ...*entry.Entry) (invite.Response, error) {
		s, err := raw.Open(ctx, dev(a), node.VillageRequestProtocol)
		if err != nil {
			return invite.Response{}, err
		}
		defer s.Close()
		for _, e := range es {
			if err := invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
				return invite.Response{}, err
			}
		}
		_ = s.CloseWrite()
		return invite.ReadResponse(s)
	}
	req := &village.Request{Village: vid, User: [32]byte{9}, Text: "hello", Cert: village.CertOf(cert)}
	otherCert, err := content.NewDeviceCert(rawAccount, other, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	borrowed := &village.Request{Village: vid, User: [32]byte{9}, Text: "hello", Cert: village.CertOf(otherCert)}
	for _, c := range []struct {
		name string
		es   []*entry.Entry
		want string
	}{
		{"relayed", []*entry.Entry{sign(other, 1, req)}, "not the device that sent it"},
		{"not seq 1", []*entry.Entry{sign(rawKey, 2, req)}, "from seq 1"},
		{"not a request", []*entry.Entry{sign(rawKey, 1, &village.Join{Village: vid})}, "not a village.request"},
		{"another village", []*entry.Entry{sign(rawKey, 1, &village.Request{Village: entry.ID{7}, User: [32]byte{9}, Text: "x", Cert: village.CertOf(cert)})}, "not in the village log"},
		{"another device's certificate", []*entry.Entry{sign(rawKey, 1, borrowed)}, "the certificate of another device"},
	} {
		resp, err := ask(c.es...)
		if err != nil || resp.Status != 2 || !strings.Contains(resp.Message, c.want) {
			t.Errorf("%s: %+v, %v; want status 2 and %q", c.name, resp, err, c.want)
		}
	}
	if resp, err := ask(sign(rawKey, 1, req)); err != nil || resp.Status != 0 {
		t.Fatalf("valid request: %+v, %v", resp, err)
	}
	// A malformed message: the stream is reset and the sender refused.
	s, err := raw.Open(ctx, dev(a), node.VillageRequestProtocol)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.Write([]byte{0, 0, 0, 3, 1, 2, 3})
	_ = s.CloseWrite()
	if _, err := invite.ReadResponse(s); err == nil {
		t.Fatal("a malformed message was answered")
	}
	_ = s.Close()
	if _, err := ask(sign(rawKey, 1, req)); err == nil {
		t.Fatal("the node still takes requests from a peer that sent a malformed message")
	}
}

// TestMockVillagePendingStrangerOnlyRequests: a stranger in the inbox that
// syncs with a local directly gets nothing of its village log stored
// there (not even its requests: an unlisted stranger reaches a local by
// the request protocol only), the stranger is not penalised, and once a
// local lists the stranger, its log is taken whole (here with a note,
// which its node would not write, so it is appended raw).
func TestMockVillagePendingStrangerOnlyRequests(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 3)
	a, b, x := ns[0], ns[1], ns[2]
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	lid := entry.LogID(vid)
	share(t, a, b)
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	if _, err := x.RequestVillage(ctx, vid, a.Addrs()[0], "hello", [32]byte{}); err != nil {
		t.Fatal(err)
	}
	sx := village.RequestStranger(acc(x), [32]byte(x.Account().Key()))
	xlog := store.LogKey{Author: dev(x), LogID: lid}
	note := village.MustEncode(&village.Strangerspec{Village: vid, Stranger: sx, Text: "I vouch for myself"})
	if _, err := x.AppendRaw(ctx, lid, note); err != nil {
		t.Fatal(err)
	}
	// b meets x for the first time: x is unlisted, so b does not want
	// its village log at all (its requests stay with a, the local it
	// contacted).
	if _, err := b.AddPeer(ctx, x.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	caughtUp := func(n, peer *node.Node) bool {
		for _, p := range n.Peers() {
			if p.Device == peer.Device() && p.Sync != nil && p.Sync.CaughtUp {
				return true
			}
		}
		return false
	}
	eventually(t, "b caught up with x", func() bool { return caughtUp(b, x) })
	// The refusal did not cost x its session with b (no penalty).
	if !caughtUp(b, x) {
		t.Fatal("b is no longer in session with x")
	}
	if h, err := b.Store().Head(ctx, xlog); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("b holds x's village log up to %d (%v), want none of it", h.Seq, err)
	}
	// b lists x (deferred): x is heard, and the same session takes its
	// log whole.
	if _, err := b.VoteStranger(ctx, vid, sx, village.VoteDeferred, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to hold x's note once x is heard", func() bool {
		h, err := b.Store().Head(ctx, xlog)
		return err == nil && h.Seq == 2
	})
	if !caughtUp(b, x) {
		t.Fatal("b is no longer in session with x")
	}
}
