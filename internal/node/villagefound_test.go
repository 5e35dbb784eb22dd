package node_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// TestVillageWaitingHint: a founder whose co-founder has not accepted
// sees who the village waits on, that this node has not reached them, and
// what to do; an invitee who has not joined, likewise.
func TestVillageWaitingHint(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	c, _ := initNode(t, node.Options{})
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	ws, err := a.Waiting(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Account != acc(b) || ws[0].As != node.RoleFounder || ws[0].Reached || ws[0].Tries != 0 {
		t.Fatalf("waiting: %+v", ws)
	}
	for _, want := range []string{"may not have heard of the village yet", "has not reached a device of theirs (0 tries)", "follow you (" + a.Account().String() + ")"} {
		if !strings.Contains(ws[0].Hint, want) {
			t.Errorf("hint %q lacks %q", ws[0].Hint, want)
		}
	}
	share(t, a, b)
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	if _, err := a.InviteToVillage(ctx, vid, acc(c)); err != nil {
		t.Fatal(err)
	}
	ws, err = a.Waiting(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || ws[0].Account != acc(c) || ws[0].As != node.RoleInvitee || !strings.Contains(ws[0].Hint, "kith village join "+vid.String()) {
		t.Fatalf("waiting after the founding: %+v", ws)
	}
}

// TestMockFoundingReachesCoFounder: a co-founder who does not follow the
// founder hears of the village by the founding notice alone, its founder
// sees that it was reached, and once it accepts the village is founded on
// both sides.
func TestMockFoundingReachesCoFounder(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 2)
	a, b := ns[0], ns[1]
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	eventually(t, "b to hear of the village", func() bool {
		vs, err := b.Villages(ctx)
		return err == nil && len(vs) == 1 && vs[0].ID == vid && vs[0].Known && vs[0].Role == node.RoleFounder
	})
	eventually(t, "a to see b reached", func() bool {
		ws, err := a.Waiting(ctx, vid)
		return err == nil && len(ws) == 1 && ws[0].Reached && ws[0].Device == dev(b) && strings.Contains(ws[0].Hint, "took the founding")
	})
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a to see the village founded", func() bool {
		st, err := a.Village(ctx, vid)
		return err == nil && st.Founded
	})
}

// TestMockFoundingNoticeChecks: a node stores a founding notice only when
// it names its account as a founder, is in the sender's found log from
// seq 1 and comes from a device of a founder; it holds at most 16
// foundings it has not answered.
func TestMockFoundingNoticeChecks(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	b := mockNode(t, mn)
	rs := newRawStranger(t, mn, b)
	raw, rawKey, rawAccount, cert := rs.host, rs.key, rs.account, rs.cert
	founders := func(ks ...identity.PublicKey) []identity.PublicKey {
		slices.SortFunc(ks, func(x, y identity.PublicKey) int { return strings.Compare(string(x[:]), string(y[:])) })
		return ks
	}
	var back entry.ID
	sign := func(seq uint64, p village.Payload) *entry.Entry {
		d := entry.Draft{LogID: scope.FoundLog, Seq: seq, Timestamp: uint64(time.Now().UnixMilli()), Payload: village.MustEncode(p)}
		if seq > 1 {
			d.Backlink = back
			if back == (entry.ID{}) {
				d.Backlink = entry.ID{1}
			}
		}
		e, err := entry.Sign(rawKey, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	send := func(es ...*entry.Entry) (invite.Response, error) {
		s, err := raw.Open(ctx, dev(b), node.VillageFoundProtocol)
		if err != nil {
			return invite.Response{}, err
		}
		defer s.Close()
		for _, e := range append([]*entry.Entry{cert}, es...) {
			if err := invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
				return invite.Response{}, err
			}
		}
		_ = s.CloseWrite()
		return invite.ReadResponse(s)
	}
	stranger, _ := identity.GenerateKey(nil)
	notB := &village.Found{Name: "not b", Admit: village.Unanimous, Exclude: village.Majority, Founders: founders(rawAccount.Public(), stranger.Public())}
	notAuthor := &village.Found{Name: "not the author", Admit: village.Unanimous, Exclude: village.Majority, Founders: founders(acc(b), stranger.Public())}
	for _, c := range []struct {
		name string
		e    *entry.Entry
		want string
	}{
		{"not naming b", sign(1, notB), "does not name this account"},
		{"author not a founder", sign(1, notAuthor), "not a device of a founder"},
		{"not seq 1", sign(2, notB), "from seq 1"},
		{"not a founding", sign(1, &village.Join{Village: entry.ID{1}}), "not a village.found"},
	} {
		resp, err := send(c.e)
		if err != nil || resp.Status != 2 || !strings.Contains(resp.Message, c.want) {
			t.Errorf("%s: %+v, %v; want status 2 and %q", c.name, resp, err, c.want)
		}
	}
	if vs, err := b.Villages(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("b holds villages after refused notices: %+v, %v", vs, err)
	}
	// Sixteen foundings b has not answered are held; the seventeenth is
	// refused (busy) and not stored.
	var log []*entry.Entry
	for i := range 17 {
		f := &village.Found{Name: "spam " + string(rune('a'+i)), Admit: village.Unanimous, Exclude: village.Majority, Founders: founders(acc(b), rawAccount.Public())}
		e := sign(uint64(i+1), f)
		back = e.ID
		log = append(log, e)
		resp, err := send(log...)
		want := 0
		if i == 16 {
			want = 4
		}
		if err != nil || int(resp.Status) != want {
			t.Fatalf("founding %d: %+v, %v; want status %d", i+1, resp, err, want)
		}
	}
	if vs, err := b.Villages(ctx); err != nil || len(vs) != 16 {
		t.Fatalf("b holds %d villages (%v), want 16", len(vs), err)
	}

	// b declines the first: one place is free, so the seventeenth is
	// taken; the declined one's notice is refused from then on. The found
	// log stays while it holds other foundings that name b.
	d, err := b.DeclineVillage(ctx, log[0].ID)
	if err != nil || d.Dropped {
		t.Fatalf("decline the first: %+v, %v; want it declined, the log kept", d, err)
	}
	if resp, err := send(log...); err != nil || resp.Status != 0 {
		t.Fatalf("the seventeenth after a decline: %+v, %v; want stored", resp, err)
	}
	if resp, err := send(log[0]); err != nil || resp.Status != 2 || resp.Message != "this account declined the village" {
		t.Fatalf("the declined founding sent again: %+v, %v", resp, err)
	}
	if _, err := b.DeclineVillage(ctx, log[0].ID); !errors.Is(err, node.ErrNoVillage) {
		t.Errorf("declining twice: %v, want ErrNoVillage", err)
	}
	// Declining every other one: the last decline drops the whole found
	// log (17 entries), and b lists no village.
	for i, e := range log[1:] {
		d, err := b.DeclineVillage(ctx, e.ID)
		last := i == len(log)-2
		if err != nil || d.Dropped != last || (last && d.Entries != 17) {
			t.Fatalf("decline founding %d: %+v, %v; want dropped %v", i+2, d, err, last)
		}
	}
	if vs, err := b.Villages(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("after declining all, b lists %+v (%v)", vs, err)
	}
	if es, err := b.Store().Log(ctx, store.LogKey{Author: rawKey.Public(), LogID: scope.FoundLog}, 1, 100); err != nil || len(es) != 0 {
		t.Errorf("the stranger's found log after declining all: %d entries, %v", len(es), err)
	}
}
