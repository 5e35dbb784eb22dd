package netnode

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/introduce"
)

// TestSignalRelayBrowsersOnly: a host with the signalling relay gives a
// slot to a peer connected over WebSocket, as a browser is, and lists it
// in SignalPeers until it disconnects; a peer connected over TCP is
// refused a slot and never listed.
func TestSignalRelayBrowsersOnly(t *testing.T) {
	cfg := loopbackConfig(t, testKey(t, 1), tcpLoopback, "/ip4/127.0.0.1/tcp/0/ws")
	cfg.SignalRelay = true
	relay := startHost(t, cfg)
	var tcpAddr, wsAddr string
	for _, a := range relay.Addrs() {
		switch {
		case strings.Contains(a, "/ws/"):
			wsAddr = a
		case strings.Contains(a, "/tcp/"):
			tcpAddr = a
		}
	}
	if tcpAddr == "" || wsAddr == "" {
		t.Fatalf("the relay's addresses %v: want one on TCP and one on WebSocket", relay.Addrs())
	}
	overTCP := startHost(t, loopbackConfig(t, testKey(t, 2)))
	if err := reserveAt(t, overTCP, tcpAddr); err == nil {
		t.Fatal("a peer on TCP got a slot at the signalling relay")
	}
	if got := relay.SignalPeers(); len(got) != 0 {
		t.Fatalf("after a refused slot the relay lists %d peers", len(got))
	}

	browser := startHost(t, loopbackConfig(t, testKey(t, 3)))
	if err := reserveAt(t, browser, wsAddr); err != nil {
		t.Fatalf("a peer on WebSocket was refused a slot: %v", err)
	}
	if got := relay.SignalPeers(); !slices.Equal(got, []identity.PublicKey{browser.Key()}) {
		t.Fatalf("the relay lists %d peers, want the one on WebSocket", len(got))
	}
	if st := relay.RelayStats(); st.SlotsGiven != 1 || st.SlotsRefused["not_served"] != 1 {
		t.Fatalf("relay counts %+v: want 1 slot given, 1 refused as not served", st)
	}
	if err := browser.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the relay to forget the slot of the peer that went", func() bool {
		return len(relay.SignalPeers()) == 0
	})
}

// TestIntroduceProtocolID: the resource manager's limits are for the
// protocol id the node serves introductions on.
func TestIntroduceProtocolID(t *testing.T) {
	if IntroduceProtocol != introduce.Protocol {
		t.Fatalf("IntroduceProtocol %q, introduce.Protocol %q", IntroduceProtocol, introduce.Protocol)
	}
}

// TestICEProtocolID: the resource manager's limits are for the protocol
// id the node answers ICE questions on.
func TestICEProtocolID(t *testing.T) {
	if ICEProtocol != ice.Protocol {
		t.Fatalf("ICEProtocol %q, ice.Protocol %q", ICEProtocol, ice.Protocol)
	}
}
