package netnode

import (
	"context"
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// TestServicesAnnounced: two hosts that connect announce to each other
// what they offer that peer; a change of offer is announced again; the
// announcement is forgotten when the peer goes.
func TestServicesAnnounced(t *testing.T) {
	hub := startHost(t, loopbackConfig(t, testKey(t, 1)))
	a := startHost(t, loopbackConfig(t, testKey(t, 2)))
	relay := services.Announcement{Services: []services.Service{{Name: services.Relay, Limits: []services.Limit{{Key: services.LimitSeconds, Value: 3600}}}}}
	hub.OfferServices(func(_ context.Context, remote identity.PublicKey) services.Announcement {
		if remote == a.Key() {
			return relay
		}
		return services.Announcement{}
	})
	if _, err := a.Connect(testContext(t, 5*time.Second), hub.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a learns the hub's services", func() bool { _, ok := a.PeerServices(hub.Key()); return ok })
	if got, _ := a.PeerServices(hub.Key()); !reflect.DeepEqual(got, relay) {
		t.Fatalf("a learned %+v, want %+v", got, relay)
	}
	waitFor(t, 5*time.Second, "the hub learns a offers nothing", func() bool { _, ok := hub.PeerServices(a.Key()); return ok })
	if got, _ := hub.PeerServices(a.Key()); len(got.Services) != 0 {
		t.Fatalf("the hub learned %+v from a, which offers nothing", got)
	}

	hub.OfferServices(nil)
	waitFor(t, 5*time.Second, "a learns the hub offers nothing now", func() bool { got, _ := a.PeerServices(hub.Key()); return len(got.Services) == 0 })

	if err := a.host.Network().ClosePeer(hub.host.ID()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a forgets the hub's services", func() bool { _, ok := a.PeerServices(hub.Key()); return !ok })
}

// TestServicesMalformedPenalised: a peer that sends a malformed
// announcement is penalised; one of an unknown version is dropped and
// not penalised.
func TestServicesMalformedPenalised(t *testing.T) {
	h := startHost(t, loopbackConfig(t, testKey(t, 1)))
	for _, c := range []struct {
		name      string
		key       byte // a key of its own: the last subtest's peer may linger at h
		body      []byte
		penalised bool
	}{
		{"version 2", 9, []byte{0x82, 0x02, 0x80}, false},
		{"services out of order", 10, []byte{0x82, 0x01, 0x82, 0x82, 0x61, 'b', 0x80, 0x82, 0x61, 'a', 0x80}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			peer := startHost(t, loopbackConfig(t, testKey(t, c.key)))
			if _, err := peer.Connect(testContext(t, 5*time.Second), h.Addrs()[0]); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "h hears peer's real announcement", func() bool { _, ok := h.PeerServices(peer.Key()); return ok })
			s, err := peer.host.NewStream(testContext(t, 5*time.Second), h.host.ID(), protocol.ID(services.Protocol))
			if err != nil {
				t.Fatal(err)
			}
			frame := binary.BigEndian.AppendUint32(nil, uint32(len(c.body)))
			if _, err := s.Write(append(frame, c.body...)); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			if c.penalised {
				waitFor(t, 5*time.Second, "h penalises the peer", func() bool { _, refused := h.Refused(peer.Key()); return refused })
				return
			}
			time.Sleep(200 * time.Millisecond)
			if _, refused := h.Refused(peer.Key()); refused {
				t.Fatal("h penalised a peer for an announcement of a newer version")
			}
			if _, ok := h.PeerServices(peer.Key()); !ok {
				t.Fatal("h dropped what the peer announced before, for an announcement it could not read")
			}
		})
	}
}

// TestServicesSilentPenalised: a peer that opens the announcement's
// stream and sends nothing until the deadline is penalised (the open
// stream would make its connection look busy to the admission).
func TestServicesSilentPenalised(t *testing.T) {
	old := servicesTimeout
	servicesTimeout = 300 * time.Millisecond
	t.Cleanup(func() { servicesTimeout = old })
	h := startHost(t, loopbackConfig(t, testKey(t, 1)))
	peer := startHost(t, loopbackConfig(t, testKey(t, 9)))
	if _, err := peer.Connect(testContext(t, 5*time.Second), h.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	s, err := peer.host.NewStream(testContext(t, 5*time.Second), h.host.ID(), protocol.ID(services.Protocol))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reset()
	if _, err := s.Write([]byte{0, 0}); err != nil { // half a length, then silence
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "h penalises the silent peer", func() bool { _, refused := h.Refused(peer.Key()); return refused })
}
