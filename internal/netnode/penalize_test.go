package netnode

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// testPenalty is long enough for the steps a test takes while a peer is
// refused, on a loaded machine under -race (400 ms ran out once in CI
// between the penalty and B's next stream).
const testPenalty = 2 * time.Second

func penaltyConfig(t testing.TB, seed byte) Config {
	cfg := loopbackConfig(t, testKey(t, seed))
	cfg.PenaltyBase, cfg.PenaltyMax = testPenalty, 10*testPenalty
	return cfg
}

func TestPenalizeDisconnectsAndRefusesBothWays(t *testing.T) {
	a := startHost(t, penaltyConfig(t, 1))
	b := startHost(t, penaltyConfig(t, 2))
	remotes := make(chan identity.PublicKey, 4)
	echo(a, "/kith/test/1", remotes)
	if _, err := b.Connect(testContext(t, 5*time.Second), a.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "A sees B", func() bool { return connectedTo(a, b.Key()) })

	before := time.Now()
	a.Penalize(b.Key(), "sent a forged entry")
	after := time.Now()
	until, refused := a.Refused(b.Key())
	if !refused || until.Before(before.Add(testPenalty)) || until.After(after.Add(testPenalty)) {
		t.Fatalf("Refused = %v, %v; want true and %v after the penalty", until, refused, testPenalty)
	}
	waitFor(t, 5*time.Second, "B is disconnected", func() bool {
		return !connectedTo(a, b.Key()) && !connectedTo(b, a.Key())
	})

	// Inbound: the gater cuts B off right after the handshake (B may see
	// the connection up for an instant), so B's streams never reach A.
	_, _ = b.Connect(testContext(t, 5*time.Second), a.Addrs()[0])
	if s, err := b.Open(testContext(t, 5*time.Second), a.Key(), "/kith/test/1"); err == nil {
		_ = s.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = s.Write([]byte("let me in"))
		_ = s.CloseWrite()
		if resp, err := io.ReadAll(s); err == nil {
			t.Fatalf("B's stream to A was answered: %q", resp)
		}
	}
	waitFor(t, 5*time.Second, "B is cut off", func() bool { return !connectedTo(b, a.Key()) })
	// Outbound: A refuses to dial B, through its API and underneath it.
	if _, err := a.Connect(testContext(t, 5*time.Second), b.Addrs()[0]); !errors.Is(err, ErrRefused) {
		t.Fatalf("A.Connect(B) = %v; want ErrRefused", err)
	}
	if _, err := a.Open(testContext(t, 5*time.Second), b.Key(), "/kith/test/1"); !errors.Is(err, ErrRefused) {
		t.Fatalf("A.Open(B) = %v; want ErrRefused", err)
	}
	info, _, err := parsePeerAddr(b.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := a.host.Connect(testContext(t, 5*time.Second), info); err == nil {
		t.Fatal("the gater let A dial the refused B")
	}
	if connectedTo(a, b.Key()) || len(remotes) != 0 {
		t.Fatal("B got through")
	}

	// When the refusal ends, B is welcome again.
	time.Sleep(time.Until(until))
	if _, ok := a.Refused(b.Key()); ok {
		t.Fatal("still refused after the back-off")
	}
	if resp := roundTrip(t, b, a.Key(), "/kith/test/1", []byte("again")); string(resp) != b.Key().Device().String()+":again" {
		t.Fatalf("answer %q after the back-off", resp)
	}

	// A repeat doubles the refusal.
	before = time.Now()
	a.Penalize(b.Key(), "again")
	after = time.Now()
	until, refused = a.Refused(b.Key())
	if !refused || until.Before(before.Add(2*testPenalty)) || until.After(after.Add(2*testPenalty)) {
		t.Fatalf("second penalty: Refused = %v, %v; want true and %v after it", until, refused, 2*testPenalty)
	}
}

func TestPenalizedKeptPeerIsRedialledAfterTheBackOff(t *testing.T) {
	a := startHost(t, penaltyConfig(t, 1))
	b := startHost(t, penaltyConfig(t, 2))
	a.Keep(b.Key(), b.Addrs())
	waitFor(t, 5*time.Second, "A connects to the kept B", func() bool { return connectedTo(a, b.Key()) })
	a.Penalize(b.Key(), "flood")
	until, _ := a.Refused(b.Key())
	waitFor(t, 5*time.Second, "B is disconnected", func() bool { return !connectedTo(a, b.Key()) })
	time.Sleep(time.Until(until) - 50*time.Millisecond)
	if connectedTo(a, b.Key()) {
		t.Fatal("A redialled B before its refusal ended")
	}
	waitFor(t, 5*time.Second, "A redials B once the refusal ends", func() bool { return connectedTo(a, b.Key()) })
}

func TestPenalizeSelfIsIgnored(t *testing.T) {
	a := startHost(t, penaltyConfig(t, 1))
	a.Penalize(a.Key(), "nonsense")
	if _, ok := a.Refused(a.Key()); ok {
		t.Fatal("the host refuses itself")
	}
}

// TestNonEd25519PeersAreRefused runs a plain libp2p host with a secp256k1
// key: it cannot connect to a kith host, and a kith host does not dial it.
func TestNonEd25519PeersAreRefused(t *testing.T) {
	h := startHost(t, loopbackConfig(t, testKey(t, 1)))
	sk, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := libp2p.New(libp2p.Identity(sk), libp2p.ListenAddrStrings(tcpLoopback), libp2p.DisableRelay())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	info, _, err := parsePeerAddr(h.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := other.Connect(ctx, info); err == nil {
		// The gater closes the connection right after the handshake; the
		// dialler may see it open for an instant.
		waitFor(t, 5*time.Second, "the secp256k1 peer is cut off", func() bool {
			return len(other.Network().ConnsToPeer(info.ID)) == 0
		})
	}
	if n := len(h.Peers()); n != 0 {
		t.Fatalf("the kith host lists %d peers", n)
	}
	if err := h.host.Connect(ctx, peer.AddrInfo{ID: other.ID(), Addrs: other.Addrs()}); err == nil {
		t.Fatal("the kith host dialled a secp256k1 peer")
	}
	if _, err := h.Connect(ctx, other.Addrs()[0].String()+"/p2p/"+other.ID().String()); !errors.Is(err, ErrNotEd25519) {
		t.Fatalf("Connect to a secp256k1 peer: %v; want ErrNotEd25519", err)
	}
}
