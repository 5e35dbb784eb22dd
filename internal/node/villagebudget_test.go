package node_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// foundPair founds a village of a and b (both accepted, both holding the
// entries) and returns its id.
func foundPair(t *testing.T, a, b *node.Node) entry.ID {
	t.Helper()
	ctx := t.Context()
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	share(t, a, b)
	if _, err := b.AcceptVillage(ctx, fe.ID); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	return fe.ID
}

// rawStranger is a fresh identity on the mock network that speaks the
// request protocol from a raw host, as a spammer with free keys would.
type rawStranger struct {
	key     identity.PrivateKey
	account identity.PrivateKey
	cert    *entry.Entry
	host    *netnode.Host
	log     []*entry.Entry
}

func newRawStranger(t *testing.T, mn *netnode.MockNet, local *node.Node) *rawStranger {
	t.Helper()
	key, _ := identity.GenerateKey(nil)
	h, err := mn.NewHost(key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	account, _ := identity.GenerateKey(nil)
	cert, err := content.NewDeviceCert(account, key, "raw", 1)
	if err != nil {
		t.Fatal(err)
	}
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	if err := h.ConnectKey(t.Context(), dev(local), local.Addrs()); err != nil {
		t.Fatal(err)
	}
	return &rawStranger{key: key, account: account, cert: cert, host: h}
}

// sendRequests signs n more requests (texts of textLen bytes) and sends
// the whole village log to the local; it requires status 0.
func (r *rawStranger) sendRequests(t *testing.T, local *node.Node, vid entry.ID, n, textLen int) {
	t.Helper()
	for range n {
		d := entry.Draft{LogID: entry.LogID(vid), Seq: uint64(len(r.log) + 1), Timestamp: uint64(time.Now().UnixMilli()),
			Payload: village.MustEncode(&village.Request{Village: vid, User: [32]byte{7}, Text: fmt.Sprintf("%-*d", textLen, len(r.log)), Cert: village.CertOf(r.cert)})}
		if len(r.log) > 0 {
			d.Backlink = r.log[len(r.log)-1].ID
		}
		e, err := entry.Sign(r.key, d)
		if err != nil {
			t.Fatal(err)
		}
		r.log = append(r.log, e)
	}
	s, err := r.host.Open(t.Context(), dev(local), node.VillageRequestProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, e := range r.log {
		if err := invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.CloseWrite()
	resp, err := invite.ReadResponse(s)
	if err != nil || resp.Status != 0 {
		t.Fatalf("request: %+v, %v", resp, err)
	}
}

func (r *rawStranger) bytes() int64 {
	var n int64
	for _, e := range r.log {
		n += int64(len(e.Raw) + len(e.Payload))
	}
	return n
}

// heldUnlisted returns the village logs a holds of authors other than
// the locals, with their entry counts, and the entries and bytes in all.
func heldUnlisted(t *testing.T, n *node.Node, vid entry.ID, locals ...*node.Node) (map[identity.PublicKey]int, int, int64) {
	t.Helper()
	ctx := t.Context()
	heads, err := n.Store().Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[identity.PublicKey]int{}
	var count int
	var size int64
outer:
	for _, h := range heads {
		if h.Log.LogID != entry.LogID(vid) {
			continue
		}
		for _, l := range locals {
			if h.Log.Author == dev(l) {
				continue outer
			}
		}
		es, err := n.Store().Log(ctx, h.Log, 1, 1000)
		if err != nil {
			t.Fatal(err)
		}
		logs[h.Log.Author] = len(es)
		for _, e := range es {
			count++
			size += int64(len(e.Raw) + len(e.Payload))
		}
	}
	return logs, count, size
}

// TestMockUnlistedBudget: fresh keys sending 32 requests each leave in the
// local's store only the newest strangers' logs that fit in the bounds
// (count, then bytes), the older ones deleted from the store; the inbox
// counts what was dropped; a listed stranger does not count.
func TestMockUnlistedBudget(t *testing.T) {
	for _, c := range []struct {
		name    string
		keys    int
		textLen int
	}{
		{"count", node.MaxUnlistedRequests/village.MaxRequests + 2, 10},
		{"bytes", 10, 2000},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := t.Context()
			mn := newMockNet(t)
			ns := mockNodes(t, mn, 2)
			a, b := ns[0], ns[1]
			vid := foundPair(t, a, b)
			var ss []*rawStranger
			for range c.keys {
				s := newRawStranger(t, mn, a)
				s.sendRequests(t, a, vid, village.MaxRequests, c.textLen)
				ss = append(ss, s)
			}
			// What must stay: the newest strangers, as long as both
			// bounds hold.
			want := map[identity.PublicKey]int{}
			var wantCount int
			var wantBytes int64
			kept := 0
			for i := len(ss) - 1; i >= 0; i-- {
				s := ss[i]
				if wantCount+len(s.log) > node.MaxUnlistedRequests || wantBytes+s.bytes() > node.MaxUnlistedBytes {
					break
				}
				want[s.key.Public()] = len(s.log)
				wantCount += len(s.log)
				wantBytes += s.bytes()
				kept++
			}
			if kept == len(ss) || kept == 0 {
				t.Fatalf("test setup: %d of %d strangers fit", kept, len(ss))
			}
			logs, count, size := heldUnlisted(t, a, vid, a, b)
			if count != wantCount || size != wantBytes || len(logs) != len(want) {
				t.Fatalf("a holds %d logs, %d requests, %d bytes of unlisted strangers; want %d, %d, %d (bounds %d, %d)",
					len(logs), count, size, len(want), wantCount, wantBytes, node.MaxUnlistedRequests, node.MaxUnlistedBytes)
			}
			for k, n := range want {
				if logs[k] != n {
					t.Fatalf("a holds %d requests of stranger %s, want %d", logs[k], k.Hex(), n)
				}
			}
			if count > node.MaxUnlistedRequests || size > node.MaxUnlistedBytes {
				t.Fatalf("over the bounds: %d requests, %d bytes", count, size)
			}
			droppedStrangers := len(ss) - kept
			d, err := a.VillageDropped(vid)
			if err != nil || d.Strangers != droppedStrangers || d.Requests != droppedStrangers*village.MaxRequests {
				t.Fatalf("VillageDropped = %+v, %v; want %d strangers, %d requests", d, err, droppedStrangers, droppedStrangers*village.MaxRequests)
			}
			// The dropped entries are gone from the store.
			if _, err := a.Store().Get(ctx, ss[0].log[0].ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a dropped request is still held: %v", err)
			}
			// And so is the dropped stranger's certificate, stored with its
			// requests; a kept stranger's stays.
			if _, err := a.Store().Get(ctx, ss[0].cert.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a dropped stranger's certificate is still held: %v", err)
			}
			if _, err := a.Store().Get(ctx, ss[len(ss)-1].cert.ID); err != nil {
				t.Fatalf("a kept stranger's certificate: %v", err)
			}
			st, err := a.Village(ctx, vid)
			if err != nil {
				t.Fatal(err)
			}
			pending := 0
			for _, sg := range st.Strangers {
				if sg.Pending() {
					pending++
				}
			}
			if pending != kept {
				t.Fatalf("inbox of %d strangers, want %d", pending, kept)
			}
		})
	}
}

// TestMockUnlistedBudgetSparesListed: a stranger a local listed does not
// count against the budget and is never dropped for it.
func TestMockUnlistedBudgetSparesListed(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 2)
	a, b := ns[0], ns[1]
	vid := foundPair(t, a, b)
	first := newRawStranger(t, mn, a)
	first.sendRequests(t, a, vid, village.MaxRequests, 10)
	sid := village.RequestStranger(first.account.Public(), [32]byte{7})
	if _, err := a.VoteStranger(ctx, vid, sid, village.VoteDeferred, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	for range node.MaxUnlistedRequests/village.MaxRequests + 1 {
		newRawStranger(t, mn, a).sendRequests(t, a, vid, village.MaxRequests, 10)
	}
	if h, err := a.Store().Head(ctx, store.LogKey{Author: first.key.Public(), LogID: entry.LogID(vid)}); err != nil || h.Seq != village.MaxRequests {
		t.Fatalf("the listed stranger's log: head %d, %v; want %d", h.Seq, err, village.MaxRequests)
	}
	d, err := a.VillageDropped(vid)
	if err != nil || d.Strangers != 1 {
		t.Fatalf("VillageDropped = %+v, %v; want 1 stranger", d, err)
	}
}

// TestMockUnlistedFile: the file an unlisted stranger's request names is
// not fetched by the local's node until a local opens it, and then only
// within the village's budget for such files; a listed stranger's file
// is fetched whatever the budget.
func TestMockUnlistedFile(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 3)
	a, b, x := ns[0], ns[1], ns[2]
	vid := foundPair(t, a, b)
	restore := node.SetUnlistedFileBudget(1000)
	defer restore()
	add := func(size int, fill byte) blob.ID {
		id, _, _, err := x.AddBlob(bytes.NewReader(bytes.Repeat([]byte{fill}, size)), false)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f1, f2 := add(600, 'a'), add(600, 'b')
	r1, err := x.RequestVillage(ctx, vid, a.Addrs()[0], "my papers", [32]byte(f1))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := x.RequestVillage(ctx, vid, a.Addrs()[0], "more papers", [32]byte(f2))
	if err != nil {
		t.Fatal(err)
	}
	// Not wanted, not fetched: a second later neither is held.
	time.Sleep(time.Second)
	for _, f := range []blob.ID{f1, f2} {
		if has, _, _ := a.Blobs().Has(f); has {
			t.Fatal("a fetched an unlisted stranger's file nobody opened")
		}
	}
	if st, err := a.Status(ctx); err != nil || st.Blobs.Pending != 0 || st.Blobs.Fetched != 0 {
		t.Fatalf("a's blob sync: %+v; want nothing wanted or fetched", st.Blobs)
	}
	// Opened: fetched, counted.
	id, size, err := a.RequestFile(ctx, vid, r1.ID)
	if err != nil || id != f1 || size != 600 {
		t.Fatalf("RequestFile = %s, %d, %v", id, size, err)
	}
	// The second does not fit in what is left (400 bytes).
	if _, _, err := a.RequestFile(ctx, vid, r2.ID); !errors.Is(err, node.ErrFileBudget) || !strings.Contains(err.Error(), "400 bytes") {
		t.Fatalf("RequestFile over the budget: %v", err)
	}
	if has, _, _ := a.Blobs().Has(f2); has {
		t.Fatal("a file over the budget was stored")
	}
	// Once a lists x, its files are no longer counted.
	sx := village.RequestStranger(acc(x), [32]byte(x.Account().Key()))
	if _, err := a.VoteStranger(ctx, vid, sx, village.VoteDeferred, [32]byte{}); err != nil {
		t.Fatal(err)
	}
	if id, _, err := a.RequestFile(ctx, vid, r2.ID); err != nil || id != f2 {
		t.Fatalf("RequestFile of a listed stranger's file = %s, %v", id, err)
	}
}
