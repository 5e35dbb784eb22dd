package node_test

import (
	"crypto/rand"
	"fmt"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
)

// stranger connects a throwaway identity on mn to the inviter of c (an
// attacker that makes a new one for every try): a fresh account and
// device, whose host answers the certificate exchange as a kith node does.
func stranger(t *testing.T, mn *netnode.MockNet, c invite.Code) (*netnode.Host, *entry.Entry) {
	t.Helper()
	account, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	device, err := identity.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := content.NewDeviceCert(account, device, "guesser", uint64(time.Now().UnixMilli()))
	if err != nil {
		t.Fatal(err)
	}
	h, err := mn.NewHost(device)
	if err != nil {
		t.Fatal(err)
	}
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	if err := h.ConnectKey(t.Context(), c.Device, c.Addrs); err != nil {
		t.Fatalf("connect: %v", err)
	}
	return h, cert
}

// guess sends a random secret to the inviter of c from h and returns the
// answer.
func guess(t *testing.T, h *netnode.Host, cert *entry.Entry, c invite.Code) (invite.Response, error) {
	t.Helper()
	s, err := h.Open(t.Context(), c.Device, invite.Protocol)
	if err != nil {
		return invite.Response{}, fmt.Errorf("open the invite exchange: %w", err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(10 * time.Second))
	req := invite.Request{CertHeader: cert.Raw, CertPayload: cert.Payload}
	if _, err := rand.Read(req.Secret[:]); err != nil {
		t.Fatal(err)
	}
	if err := invite.WriteRequest(s, req); err != nil {
		return invite.Response{}, fmt.Errorf("send the guess: %w", err)
	}
	return invite.ReadResponse(s)
}

// A wrong guess of an invite's secret is penalised: the guessing peer is
// refused afterwards. A right code still works after guesses from others.
func TestMockInviteGuessIsPenalised(t *testing.T) {
	mn := newMockNet(t)
	ns := mockNodes(t, mn, 2)
	a, b := ns[0], ns[1]
	inv, err := a.NewInvite(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := invite.Parse(inv.Code)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		h, cert := stranger(t, mn, c)
		resp, err := guess(t, h, cert, c)
		if err != nil || resp.Status != invite.UnknownSecret {
			t.Fatalf("a guess was answered %v (%v), want %v", resp.Status, err, invite.UnknownSecret)
		}
		// Refused afterwards: its connection is closed and its next guess
		// is not answered.
		eventually(t, "the guesser to be disconnected", func() bool {
			for _, p := range a.Peers() {
				if p.Device == h.Key().Device() {
					return false
				}
			}
			return true
		})
		if resp, err := guess(t, h, cert, c); err == nil {
			t.Fatalf("a peer that guessed wrong had its next guess answered: %+v", resp)
		}
	}
	res, err := b.Join(t.Context(), inv.Code)
	if err != nil {
		t.Fatalf("Join after the guesses: %v", err)
	}
	if !res.Mutual {
		t.Fatalf("Join result %+v, want mutual", res)
	}
}
