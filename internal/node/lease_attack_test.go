package node

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/lease"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// leaseHubNode is a node serving leases on the mock network.
func leaseHubNode(t *testing.T, mn *netnode.MockNet, accounts int) (*Node, *network) {
	t.Helper()
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	off := false
	cfg := DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Hub = HubConfig{On: true, HubLease: HubLease{Lease: true, LeaseAccounts: accounts}}
	cfg.StrangerWork = 1000
	if err := n.StartNetwork(t.Context(), ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.StopNetwork() })
	return n, n.net.Load()
}

// rawAsker is a device of a fresh account (or of cert's, when given)
// connected to n on the mock network, answering the certificate exchange
// with cert (its own when nil).
func rawAsker(t *testing.T, mn *netnode.MockNet, n *Node, cert *invite.Cert) (h *netnode.Host, account identity.PublicKey, sent invite.Cert) {
	t.Helper()
	key, _ := identity.GenerateKey(nil)
	acc, _ := identity.GenerateKey(nil)
	own, err := content.NewDeviceCert(acc, key, "raw", 1)
	if err != nil {
		t.Fatal(err)
	}
	c := invite.Cert{Header: own.Raw, Payload: own.Payload}
	if cert != nil {
		c = *cert
	}
	h, err = mn.NewHost(key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, c)
	})
	if err := h.ConnectKey(t.Context(), n.device.Public(), n.Addrs()); err != nil {
		t.Fatal(err)
	}
	return h, acc.Public(), c
}

func rawLease(t *testing.T, h *netnode.Host, n *Node, account identity.PublicKey) (services.LeaseRequest, services.LeaseResponse) {
	t.Helper()
	q, p, err := tryLease(t, h, n, account)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return q, p
}

func tryLease(t *testing.T, h *netnode.Host, n *Node, account identity.PublicKey) (services.LeaseRequest, services.LeaseResponse, error) {
	t.Helper()
	q := services.LeaseRequest{Account: services.Key32(account), Seconds: 3600, Bytes: 1 << 20}
	_, _ = rand.Read(q.Nonce[:])
	s, err := h.Open(t.Context(), n.device.Public(), services.LeaseProtocol)
	if err != nil {
		t.Fatal(err)
	}
	if err := services.WriteLeaseRequest(s, q); err != nil {
		t.Fatal(err)
	}
	_ = s.CloseWrite()
	p, err := services.ReadLeaseResponse(s)
	return q, p, err
}

// Attacks on a holder (services.md §9): a device asking for another
// account's logs, a device replaying another device's certificate, fresh
// identities filling the holder, and a flood of renewals.
func TestMockLeaseAttacks(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, nw := leaseHubNode(t, mn, 3)
	// The victim leases its own logs.
	vh, vacc, vcert := rawAsker(t, mn, n, nil)
	victimAccount := vacc
	q, p := rawLease(t, vh, n, vacc)
	if err := lease.Check(n.device.Public(), vh.Key(), q, p); err != nil {
		t.Fatalf("the victim's own lease: %+v, %v", p, err)
	}

	t.Run("another account's logs", func(t *testing.T) {
		h, _, _ := rawAsker(t, mn, n, nil)
		_, p := rawLease(t, h, n, victimAccount)
		if p.Code != services.RefuseNotYours || !strings.Contains(p.Reason, "not certified by account") {
			t.Fatalf("answer %+v, want refused as not yours", p)
		}
	})
	t.Run("replaying the victim's certificate", func(t *testing.T) {
		h, _, _ := rawAsker(t, mn, n, &vcert)
		// The holder penalises it in the certificate exchange, which may
		// close the connection before the refusal is read.
		_, p, err := tryLease(t, h, n, victimAccount)
		if err == nil && p.Code != services.RefuseNotYours {
			t.Fatalf("answer %+v, want refused as not yours", p)
		}
		if _, refused := nw.host.Refused(h.Key()); !refused {
			t.Fatal("a peer that sent another device's certificate was not penalised")
		}
		ls, err := n.Leases(t.Context())
		if err != nil || len(ls.Granted) != 1 || ls.Granted[0].Asker != vh.Key().Device() {
			t.Fatalf("the holder's leases %+v, %v: want only the victim's, asked by the victim", ls.Granted, err)
		}
	})
	t.Run("fresh identities fill the holder", func(t *testing.T) {
		granted, full := 1, 0 // the victim's
		for range 4 {
			h, acc, _ := rawAsker(t, mn, n, nil)
			_, p := rawLease(t, h, n, acc)
			switch p.Code {
			case 0:
				granted++
			case services.RefuseFull:
				full++
			default:
				t.Fatalf("answer %+v", p)
			}
		}
		if granted != 3 || full != 2 {
			t.Fatalf("%d granted, %d refused as full; want 3 and 2", granted, full)
		}
	})
	t.Run("a flood of renewals", func(t *testing.T) {
		before, err := n.Leases(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// Within a minute of its grant the victim's lease is not granted
		// again: each request is refused as busy, and nothing is written.
		for range 50 {
			_, p := rawLease(t, vh, n, vacc)
			if p.Code != services.RefuseBusy || !strings.Contains(p.Reason, "ask again in") {
				t.Fatalf("renewal in a flood: %+v, want busy", p)
			}
		}
		ls, err := n.Leases(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(ls.Granted) != 3 || len(before.Granted) != 3 {
			t.Fatalf("after 50 renewals %d leases, before %d: want 3", len(ls.Granted), len(before.Granted))
		}
		for i := range ls.Granted {
			if !ls.Granted[i].Granted.Equal(before.Granted[i].Granted) {
				t.Fatalf("lease %d was granted again in the flood: %+v, before %+v", i, ls.Granted[i], before.Granted[i])
			}
		}
	})
}
