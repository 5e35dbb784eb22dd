package netnode

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/services"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
)

// TestPunchAsAttacker: a peer with a direct connection that asks for a
// punch (to make the node dial addresses of its choice) is refused with a
// reason and nothing is dialled; a malformed punch message is a breach.
func TestPunchAsAttacker(t *testing.T) {
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	bKey := testKey(t, 2)
	b := startHost(t, loopbackConfig(t, bKey))
	if _, err := b.Connect(testContext(t, 5*time.Second), addrWith(t, a, "/tcp/")); err != nil {
		t.Fatal(err)
	}
	open := func() (s interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
		Close() error
	}) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := b.host.NewStream(ctx, a.host.ID(), protocol.ID(PunchProtocol))
		if err != nil {
			t.Fatal(err)
		}
		_ = st.SetDeadline(time.Now().Add(5 * time.Second))
		return st
	}
	s := open()
	victim := ma.StringCast("/ip4/10.66.0.1/tcp/22").Bytes()
	if err := services.WritePunch(s, services.PunchMessage{Kind: services.PunchConnect, Addrs: []services.Bytes{victim}}); err != nil {
		t.Fatal(err)
	}
	m, err := services.ReadPunch(s)
	if err != nil || m.Kind != services.PunchRefuse || m.Reason != "already connected directly" {
		t.Fatalf("a punch asked over a direct connection: %+v, %v; want a refusal, already connected directly", m, err)
	}
	_ = s.Close()
	if st := a.punchStatus(b.host.ID()); st != "" {
		t.Fatalf("a records a punch with b (%q): want none made", st)
	}
	s = open()
	if _, err := s.Write([]byte{0, 0, 0, 2, 0x83, 0x01}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "a to penalise b for a malformed punch message", func() bool {
		_, refused := a.penalties.refusedUntil(bKey.Public())
		return refused
	})
}

// TestPuncherBounds: one punch per peer at a time, a peer's asks at least
// punchInterval apart, maxPunches at once on the host; each refusal says
// why.
func TestPuncherBounds(t *testing.T) {
	p := newPuncher()
	if err := p.begin("peer-1", true); err != nil {
		t.Fatal(err)
	}
	if err := p.begin("peer-1", true); err == nil || !strings.Contains(err.Error(), "under way") {
		t.Fatalf("a second punch with one peer: %v, want refused as under way", err)
	}
	p.end("peer-1", nil)
	if err := p.begin("peer-1", true); err == nil || !strings.Contains(err.Error(), "asked again within") {
		t.Fatalf("a peer asking again at once: %v, want refused", err)
	}
	for i := range maxPunches {
		if err := p.begin(peerName(i), false); err != nil {
			t.Fatalf("punch %d: %v", i+1, err)
		}
	}
	if err := p.begin("one-more", false); err == nil || !strings.Contains(err.Error(), "the most at once") {
		t.Fatalf("punch %d: %v, want refused", maxPunches+1, err)
	}
}

func peerName(i int) peer.ID { return peer.ID("p" + string(rune('a'+i))) }
