package node

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// presenceHubNode is a hub serving on mn with hub's table.
func presenceHubNode(t *testing.T, mn *netnode.MockNet, hub HubConfig) (*Node, *network) {
	t.Helper()
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	off := false
	cfg := DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Hub = hub
	if err := n.StartNetwork(t.Context(), ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.StopNetwork() })
	return n, n.net.Load()
}

var emptyState = services.ClientMessage{State: &services.PresenceState{Heads: []services.OwnHead{}, Audience: []services.Key32{}, Watch: []services.Key32{}}}

// openPresence opens a presence stream from h to n and writes m.
func openPresence(t *testing.T, h *netnode.Host, n *Node, m services.ClientMessage) netnode.Stream {
	t.Helper()
	s, err := h.Open(t.Context(), n.device.Public(), services.PresenceProtocol)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.SetDeadline(time.Now().Add(10 * time.Second))
	if err := services.WriteClientMessage(s, m); err != nil {
		t.Fatal(err)
	}
	return s
}

// readRefusal reads the hub's next message and checks it is a refusal of
// code saying want.
func readRefusal(t *testing.T, s netnode.Stream, code uint64, want string) {
	t.Helper()
	for {
		m, err := services.ReadHubMessage(s)
		if err != nil {
			t.Fatalf("reading the hub's refusal: %v", err)
		}
		if m.Welcome != nil || m.Result != nil || m.Peer != nil {
			continue
		}
		if m.Refused == nil || m.Refused.Code != code || !strings.Contains(m.Refused.Reason, want) {
			t.Fatalf("the hub said %+v, want a refusal of code %d saying %q", m, code, want)
		}
		return
	}
}

// Every refusal of a presence session, on a raw peer: a node that is no
// hub, a hub that does not serve the peer's account, a hub whose sessions
// are all taken, a node whose states come too fast (the session ends); a
// message over the sender's rate is refused and the session goes on.
func TestMockPresenceRefusals(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	other, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("not a hub", func(t *testing.T) {
		n, _ := presenceHubNode(t, mn, HubConfig{})
		s := openPresence(t, breachPeer(t, mn, n, nil), n, emptyState)
		readRefusal(t, s, services.RefuseNotServed, "this node is not a hub")
	})
	t.Run("another version", func(t *testing.T) {
		n, nw := presenceHubNode(t, mn, HubConfig{On: true})
		var st bytes.Buffer
		if err := services.WriteClientMessage(&st, emptyState); err != nil {
			t.Fatal(err)
		}
		frame := st.Bytes()
		frame[6] = 2
		h := breachPeer(t, mn, n, nil)
		s, err := h.Open(t.Context(), n.device.Public(), services.PresenceProtocol)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Write(frame); err != nil {
			t.Fatal(err)
		}
		readRefusal(t, s, services.RefuseNotServed, "this hub speaks presence version 1")
		if _, refused := nw.host.Refused(h.Key()); refused {
			t.Fatal("a node of another version was penalised")
		}
	})
	t.Run("not served", func(t *testing.T) {
		n, _ := presenceHubNode(t, mn, HubConfig{On: true, Serve: HubServeAccounts, Accounts: []string{other.Public().Account().String()}})
		s := openPresence(t, breachPeer(t, mn, n, nil), n, emptyState)
		readRefusal(t, s, services.RefuseNotServed, "this hub serves a list of accounts, and not your account")
	})
	t.Run("sessions full", func(t *testing.T) {
		old := presenceMaxSessions
		presenceMaxSessions = 1
		t.Cleanup(func() { presenceMaxSessions = old })
		n, nw := presenceHubNode(t, mn, HubConfig{On: true})
		first := openPresence(t, breachPeer(t, mn, n, nil), n, emptyState)
		if m, err := services.ReadHubMessage(first); err != nil || m.Welcome == nil || m.Welcome.Session != 1 {
			t.Fatalf("the first node: %+v %v, want a welcome into session 1", m, err)
		}
		s := openPresence(t, breachPeer(t, mn, n, nil), n, emptyState)
		readRefusal(t, s, services.RefuseBusy, "holds 1 presence sessions, as many as it can")
		if c := nw.presence.count(); c != 1 {
			t.Fatalf("the hub holds %d sessions, want 1", c)
		}
	})
	t.Run("states too fast", func(t *testing.T) {
		n, nw := presenceHubNode(t, mn, HubConfig{On: true})
		s := openPresence(t, breachPeer(t, mn, n, nil), n, emptyState)
		for range presenceStateBurst + 1 {
			if err := services.WriteClientMessage(s, emptyState); err != nil {
				t.Fatal(err)
			}
		}
		readRefusal(t, s, services.RefuseTooFast, "slow down")
		if _, err := services.ReadHubMessage(s); err == nil {
			t.Fatal("the session goes on after states too fast")
		}
		for deadline := time.Now().Add(10 * time.Second); nw.presence.count() != 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the hub still holds %d sessions", nw.presence.count())
			}
		}
	})
	t.Run("messages too fast", func(t *testing.T) {
		n, _ := presenceHubNode(t, mn, HubConfig{On: true})
		s := openPresence(t, breachPeer(t, mn, n, nil), n, emptyState)
		if m, err := services.ReadHubMessage(s); err != nil || m.Welcome == nil {
			t.Fatalf("%+v %v, want a welcome", m, err)
		}
		for i := range presenceSendBurst + 2 {
			if err := services.WriteClientMessage(s, services.ClientMessage{Send: &services.PresenceSend{MsgID: uint64(i), To: services.Key32{9}, Text: "hi"}}); err != nil {
				t.Fatal(err)
			}
		}
		var codes []uint64
		for len(codes) < presenceSendBurst+2 {
			m, err := services.ReadHubMessage(s)
			if err != nil {
				t.Fatal(err)
			}
			if m.Result != nil {
				if m.Result.MsgID != uint64(len(codes)) {
					t.Fatalf("result for message %d, want %d", m.Result.MsgID, len(codes))
				}
				codes = append(codes, m.Result.Code)
			}
		}
		// To a device not connected: unreachable, until the budget is
		// spent; then too fast, within 3 s.
		for i, c := range codes {
			want := services.RefuseUnreachable
			if i >= presenceSendBurst {
				want = services.RefuseTooFast
			}
			if c != want && !(i == presenceSendBurst && c == services.RefuseUnreachable) {
				t.Fatalf("message %d: code %d, want %d; all: %v", i, c, want, codes)
			}
		}
		if codes[len(codes)-1] != services.RefuseTooFast {
			t.Fatalf("the last message of the flood: code %d, want too fast; all: %v", codes[len(codes)-1], codes)
		}
		// The session goes on: a state is taken.
		if err := services.WriteClientMessage(s, emptyState); err != nil {
			t.Fatal(err)
		}
	})
}

// A presence stream that breaks or ends before the first state is whole
// is no breach; garbage, an oversized length and a first message that is
// not a state are.
func TestMockPresenceBreachesPenalised(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, nw := breachNode(t, mn)
	var st, send bytes.Buffer
	if err := services.WriteClientMessage(&st, emptyState); err != nil {
		t.Fatal(err)
	}
	if err := services.WriteClientMessage(&send, services.ClientMessage{Send: &services.PresenceSend{To: services.Key32{1}, Text: "first"}}); err != nil {
		t.Fatal(err)
	}
	// (breachCases' own oversized length, 8 KiB, is within presence's
	// frame.)
	cases := append(breachCases(st.Bytes())[:6],
		breachCase{"a send first", send.Bytes(), endClose, true},
		breachCase{"length over 96 KiB", []byte{0, 1, 0x80, 0x01, 0x85}, endReset, true},
	)
	done := make(chan identity.PublicKey, 16)
	ctx := t.Context()
	var reads readWatch
	nw.host.Handle(services.PresenceProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.servePresence(ctx, nw, remote, reads.wrap(s))
		done <- remote
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runBreach(t, mn, n, nw, services.PresenceProtocol, c, done, &reads) })
	}
}

// A node says its state (whom it follows, its villages' locals) only to
// hubs it chose: a peer that connects and offers presence gets nothing
// until this node keeps it.
func TestMockPresenceOnlyToChosenHubs(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	hub, hnw := presenceHubNode(t, mn, HubConfig{On: true})
	c, cnw := presenceHubNode(t, mn, HubConfig{})
	if err := hnw.host.ConnectKey(t.Context(), c.device.Public(), c.Addrs()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if n := hnw.presence.count(); n != 0 {
			t.Fatalf("the hub holds %d sessions of a node that did not choose it", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cnw.host.Keep(hub.device.Public(), hub.Addrs())
	for deadline := time.Now().Add(10 * time.Second); hnw.presence.count() != 1; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the node kept the hub but is not online there")
		}
	}
}
