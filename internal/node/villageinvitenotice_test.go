package node_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// foundTogether founds "Elm street" by a with b, delivered by the
// founding notice; b accepts. a and b are connected.
func foundTogether(t *testing.T, a, b *node.Node) entry.ID {
	t.Helper()
	ctx := t.Context()
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	fe, err := a.FoundVillage(ctx, "Elm street", village.Majority, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	eventually(t, "the co-founder to hear of the village", func() bool {
		_, err := b.Village(ctx, vid)
		return err == nil
	})
	if _, err := b.AcceptVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the founder to see the village founded", func() bool {
		st, err := a.Village(ctx, vid)
		return err == nil && st.Founded
	})
	return vid
}

// TestMockInvitationReachesInvitee (issue 15 item 2): B follows nobody in
// the village; A, a local, invites it. B's node hears of the invitation by
// the invitation notice alone (village.md §6a), A sees that it reached B,
// B sees the village, joins, and once C, the other local, invites it too
// (the charter's majority of two), B is a local on every node.
func TestMockInvitationReachesInvitee(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 3)
	a, c, b := ns[0], ns[1], ns[2]
	vid := foundTogether(t, a, c)
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := a.InviteToVillage(ctx, vid, acc(b)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b to hear of the invitation", func() bool {
		vs, err := b.Villages(ctx)
		return err == nil && len(vs) == 1 && vs[0].ID == vid && vs[0].Role == node.RoleInvitee
	})
	eventually(t, "a to see b reached", func() bool {
		ws, err := a.Waiting(ctx, vid)
		return err == nil && len(ws) == 1 && ws[0].Account == acc(b) && ws[0].Reached && ws[0].Device == dev(b) &&
			strings.Contains(ws[0].Hint, "took the invitation") && strings.Contains(ws[0].Hint, "1 more locals to invite them")
	})
	eventually(t, "b to see the village and its invitation", func() bool {
		vs, err := b.Villages(ctx)
		if err != nil || len(vs) != 1 || !vs[0].Known || vs[0].Name != "Elm street" {
			return false
		}
		st, err := b.Village(ctx, vid)
		return err == nil && st.Founded && len(st.Invitations) == 1 && st.Invitations[0].Invitee == acc(b)
	})
	if _, err := b.JoinVillage(ctx, vid); err != nil {
		t.Fatal(err)
	}
	eventually(t, "c to see b's join", func() bool {
		st, err := c.Village(ctx, vid)
		return err == nil && len(st.Invitations) == 1 && st.Invitations[0].Joined
	})
	if _, err := c.InviteToVillage(ctx, vid, acc(b)); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node.Node{a, b, c} {
		eventually(t, "b a local", func() bool {
			st, err := n.Village(ctx, vid)
			l := st.Local(acc(b))
			return err == nil && l != nil && l.Status == village.Member
		})
	}
	eventually(t, "nobody waited on", func() bool {
		ws, err := a.Waiting(ctx, vid)
		return err == nil && len(ws) == 0
	})
}

// TestMockInvitationNoticeChecks: a node stores an invitation notice only
// when its last entry invites this node's account, in the village log,
// from seq 1, by a device on the stream; it holds at most 4 unconfirmed
// invitations per village and 16 unanswered villages; a replay stores
// nothing more; declining drops every log of the village and refuses it
// from then on.
func TestMockInvitationNoticeChecks(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	b := mockNode(t, mn)
	other, _ := identity.GenerateKey(nil)
	type signer struct {
		rs   *rawStranger
		back entry.ID
	}
	sign := func(s *signer, vid entry.ID, seq uint64, p village.Payload) *entry.Entry {
		t.Helper()
		d := entry.Draft{LogID: entry.LogID(vid), Seq: seq, Timestamp: uint64(time.Now().UnixMilli()), Payload: village.MustEncode(p)}
		if seq > 1 {
			d.Backlink = s.back
			if d.Backlink == (entry.ID{}) {
				d.Backlink = entry.ID{1}
			}
		}
		e, err := entry.Sign(s.rs.key, d)
		if err != nil {
			t.Fatal(err)
		}
		s.back = e.ID
		return e
	}
	send := func(s *signer, es ...*entry.Entry) invite.Response {
		t.Helper()
		st, err := s.rs.host.Open(ctx, dev(b), node.VillageFoundProtocol)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, e := range append([]*entry.Entry{s.rs.cert}, es...) {
			if err := invite.WriteCert(st, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
				t.Fatal(err)
			}
		}
		_ = st.CloseWrite()
		resp, err := invite.ReadResponse(st)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	vid := func(i int) entry.ID { return entry.ID{0x70, byte(i)} }
	s0 := &signer{rs: newRawStranger(t, mn, b)}
	for _, c := range []struct {
		name string
		es   func() []*entry.Entry
		want string
	}{
		{"not naming b", func() []*entry.Entry {
			return []*entry.Entry{sign(s0, vid(1), 1, &village.Invite{Village: vid(1), Invitee: other.Public()})}
		}, "does not name this account"},
		{"not seq 1", func() []*entry.Entry {
			return []*entry.Entry{sign(s0, vid(1), 2, &village.Invite{Village: vid(1), Invitee: acc(b)})}
		}, "from seq 1"},
		{"not an invite", func() []*entry.Entry {
			return []*entry.Entry{sign(s0, vid(1), 1, &village.Join{Village: vid(1)})}
		}, "not a village.invite"},
		{"another village's log", func() []*entry.Entry {
			return []*entry.Entry{sign(s0, vid(1), 1, &village.Invite{Village: vid(2), Invitee: acc(b)})}
		}, "not in the village log"},
	} {
		resp := send(s0, c.es()...)
		if resp.Status != 2 || !strings.Contains(resp.Message, c.want) {
			t.Errorf("%s: %+v; want status 2 and %q", c.name, resp, c.want)
		}
	}
	if vs, err := b.Villages(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("b holds villages after refused notices: %+v, %v", vs, err)
	}

	// Four devices invite b to village 1, each with a log of two
	// entries: held. The fifth is refused (busy); the first, sent again,
	// is answered as held and stores nothing.
	var inviters []*signer
	var logs [][]*entry.Entry
	for i := range 5 {
		s := &signer{rs: newRawStranger(t, mn, b)}
		es := []*entry.Entry{
			sign(s, vid(1), 1, &village.Userspec{Village: vid(1), Mode: village.Active, Name: fmt.Sprintf("inviter %d", i)}),
			sign(s, vid(1), 2, &village.Invite{Village: vid(1), Invitee: acc(b)}),
		}
		want := invite.Status(0)
		if i == 4 {
			want = 4
		}
		if resp := send(s, es...); resp.Status != want {
			t.Fatalf("inviter %d: %+v, want status %d", i+1, resp, want)
		}
		inviters, logs = append(inviters, s), append(logs, es)
	}
	if resp := send(inviters[0], logs[0]...); resp.Status != 0 || !strings.Contains(resp.Message, "already held") {
		t.Errorf("a replay: %+v, want stored, already held", resp)
	}
	vs, err := b.Villages(ctx)
	if err != nil || len(vs) != 1 || vs[0].ID != vid(1) || vs[0].Role != node.RoleInvitee || vs[0].Known {
		t.Fatalf("b's villages after the invitations: %+v, %v", vs, err)
	}

	// Fifteen more villages: sixteen unanswered are held, the
	// seventeenth is refused (busy).
	s1 := &signer{rs: newRawStranger(t, mn, b)}
	for i := 2; i <= 17; i++ {
		s1.back = entry.ID{}
		resp := send(s1, sign(s1, vid(i), 1, &village.Invite{Village: vid(i), Invitee: acc(b)}))
		want := invite.Status(0)
		if i == 17 {
			want = 4
		}
		if resp.Status != want {
			t.Fatalf("village %d: %+v, want status %d", i, resp, want)
		}
	}
	if vs, err := b.Villages(ctx); err != nil || len(vs) != 16 {
		t.Fatalf("b lists %d villages (%v), want 16", len(vs), err)
	}

	// b declines village 1: its four logs (8 entries) are dropped, its
	// notices refused from then on, and the seventeenth village taken.
	d, err := b.DeclineVillage(ctx, vid(1))
	if err != nil || !d.Dropped || !d.Invitation || d.Entries != 8 {
		t.Fatalf("decline village 1: %+v, %v; want its 8 entries dropped", d, err)
	}
	for _, s := range inviters[:4] {
		if es, err := b.Store().Log(ctx, store.LogKey{Author: s.rs.key.Public(), LogID: entry.LogID(vid(1))}, 1, 10); err != nil || len(es) != 0 {
			t.Errorf("an inviter's log after the decline: %d entries, %v", len(es), err)
		}
	}
	if resp := send(inviters[4], logs[4]...); resp.Status != 2 || resp.Message != "this account declined the village" {
		t.Errorf("an invitation to the declined village: %+v", resp)
	}
	s1.back = entry.ID{}
	if resp := send(s1, sign(s1, vid(17), 1, &village.Invite{Village: vid(17), Invitee: acc(b)})); resp.Status != 0 {
		t.Errorf("the seventeenth after a decline: %+v, want stored", resp)
	}
	if _, err := b.DeclineVillage(ctx, vid(1)); !errors.Is(err, node.ErrNoVillage) {
		t.Errorf("declining twice: %v, want ErrNoVillage", err)
	}
}

// TestMockFoundingBeyondThe32nd: a founder whose found log holds 32
// foundings waiting on people it cannot reach still delivers the 33rd
// (a notice carries the found log up to any founding, and every pending
// one gets its turn).
func TestMockFoundingBeyondThe32nd(t *testing.T) {
	ctx := t.Context()
	ns := mockNodes(t, newMockNet(t), 2)
	a, b := ns[0], ns[1]
	for i := range 32 {
		nobody, _ := identity.GenerateKey(nil)
		if _, err := a.FoundVillage(ctx, fmt.Sprintf("Lost %d", i), village.Majority, village.Majority, []identity.PublicKey{nobody.Public()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	fe, err := a.FoundVillage(ctx, "The 33rd", village.Majority, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	if fe.Header.Seq != 33 {
		t.Fatalf("the founding is at seq %d, want 33", fe.Header.Seq)
	}
	eventually(t, "b to hear of the 33rd founding", func() bool {
		vs, err := b.Villages(ctx)
		return err == nil && len(vs) == 1 && vs[0].ID == fe.ID && vs[0].Name == "The 33rd"
	})
}

// TestDeliveryRecordsSurviveRestart: what a founder's node knows of
// having reached a co-founder, and of its tries to reach another, is kept
// in its home: after a restart it neither forgets that B took the
// founding nor starts counting its tries from zero.
func TestDeliveryRecordsSurviveRestart(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	a, _ := initNode(t, node.Options{})
	serveMock(t, mn, a)
	b := mockNode(t, mn)
	if _, err := a.AddPeer(ctx, b.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	nobody, _ := identity.GenerateKey(nil)
	reached, err := a.FoundVillage(ctx, "Reached", village.Majority, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	lost, err := a.FoundVillage(ctx, "Lost", village.Majority, village.Majority, []identity.PublicKey{nobody.Public()})
	if err != nil {
		t.Fatal(err)
	}
	var tries int
	eventually(t, "a to reach b and try the other", func() bool {
		ws, err := a.Waiting(ctx, reached.ID)
		if err != nil || len(ws) != 1 || !ws[0].Reached {
			return false
		}
		ws, err = a.Waiting(ctx, lost.ID)
		if err != nil || len(ws) != 1 || ws[0].Tries == 0 {
			return false
		}
		tries = ws[0].Tries
		return true
	})
	home := a.Home()
	if err := a.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	ws, err := a.Waiting(ctx, lost.ID)
	if err != nil || len(ws) != 1 {
		t.Fatal(ws, err)
	}
	tries = ws[0].Tries
	a.Close()
	a, err = node.Open(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ws, err = a.Waiting(ctx, reached.ID)
	if err != nil || len(ws) != 1 || !ws[0].Reached || ws[0].Device != dev(b) || !strings.Contains(ws[0].Hint, "took the founding") {
		t.Errorf("after a restart, the reached co-founder: %+v, %v", ws, err)
	}
	ws, err = a.Waiting(ctx, lost.ID)
	if err != nil || len(ws) != 1 || ws[0].Reached || ws[0].Tries != tries || !strings.Contains(ws[0].LastErr, "no device of theirs found") {
		t.Errorf("after a restart, the unreached co-founder: %+v, %v; want %d tries", ws, err, tries)
	}
}

// TestMockNoticeTooLong: a notice of at most 256 KiB is taken; one of
// more is a protocol breach: the stream is reset before an answer and
// nothing is stored.
func TestMockNoticeTooLong(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	b := mockNode(t, mn)
	sid := village.StrangerID{1}
	sid[63] = 1
	for _, c := range []struct {
		entries int
		taken   bool
	}{{60, true}, {70, false}} {
		rs := newRawStranger(t, mn, b)
		vid := entry.ID{0x71, byte(c.entries)}
		var back entry.ID
		var es []*entry.Entry
		size := 0
		for seq := uint64(1); seq <= uint64(c.entries); seq++ {
			var p village.Payload = &village.Strangerspec{Village: vid, Stranger: sid, Text: strings.Repeat("n", village.MaxNoteLen)}
			if seq == uint64(c.entries) {
				p = &village.Invite{Village: vid, Invitee: acc(b)}
			}
			d := entry.Draft{LogID: entry.LogID(vid), Seq: seq, Backlink: back, Timestamp: uint64(time.Now().UnixMilli()), Payload: village.MustEncode(p)}
			e, err := entry.Sign(rs.key, d)
			if err != nil {
				t.Fatal(err)
			}
			back, es, size = e.ID, append(es, e), size+len(e.Raw)+len(e.Payload)
		}
		s, err := rs.host.Open(ctx, dev(b), node.VillageFoundProtocol)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range append([]*entry.Entry{rs.cert}, es...) {
			if invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}) != nil {
				break
			}
		}
		_ = s.CloseWrite()
		resp, err := invite.ReadResponse(s)
		s.Close()
		got, gerr := b.Store().Log(ctx, store.LogKey{Author: rs.key.Public(), LogID: entry.LogID(vid)}, 1, 100)
		switch {
		case c.taken && (err != nil || resp.Status != 0 || gerr != nil || len(got) != c.entries):
			t.Errorf("%d entries (%d bytes): %+v, %v; b holds %d (%v); want them stored", c.entries, size, resp, err, len(got), gerr)
		case !c.taken && (err == nil || gerr != nil || len(got) != 0):
			t.Errorf("%d entries (%d bytes): %+v, %v; b holds %d (%v); want the stream reset, nothing stored", c.entries, size, resp, err, len(got), gerr)
		}
	}
}
