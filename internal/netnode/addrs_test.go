package netnode

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
)

// peerAddrCases are multiaddrs given to parsePeerAddr and what it says.
func peerAddrCases(t testing.TB) []struct{ name, addr, err string } {
	pid, err := PeerIDOf(testKey(t, 1).Public())
	if err != nil {
		t.Fatal(err)
	}
	secp, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return []struct{ name, addr, err string }{
		{"tcp", "/ip4/127.0.0.1/tcp/4001/p2p/" + pid, ""},
		{"quic", "/ip6/::1/udp/4001/quic-v1/p2p/" + pid, ""},
		{"spaces around", "  /ip4/127.0.0.1/tcp/4001/p2p/" + pid + "\n", ""},
		{"no peer", "/ip4/127.0.0.1/tcp/4001", "does not name its peer: it must end in /p2p/<peer id>"},
		{"not a multiaddr", "127.0.0.1:4001", "is not a multiaddr"},
		{"empty", "", "is not a multiaddr"},
		{"secp256k1 peer", "/ip4/127.0.0.1/tcp/4001/p2p/" + mustID(t, secp).String(), "has a Secp256k1 key"},
		{"too long", "/dns/" + strings.Repeat("a", maxAddrLen) + "/tcp/1/p2p/" + pid, "longer than the 1024 allowed"},
	}
}

func TestParsePeerAddr(t *testing.T) {
	want := testKey(t, 1).Public()
	for _, tc := range peerAddrCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			info, key, err := parsePeerAddr(tc.addr)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parsePeerAddr = %v, %v; want an error containing %q", info, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if key != want {
				t.Fatalf("key %x, want %x", key, want)
			}
			if len(info.Addrs) != 1 || strings.Contains(info.Addrs[0].String(), "/p2p/") {
				t.Fatalf("transport addresses %v: want one, without /p2p", info.Addrs)
			}
		})
	}
}

func TestParsePeerAddrRefusesNonEd25519(t *testing.T) {
	secp, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = parsePeerAddr("/ip4/127.0.0.1/tcp/1/p2p/" + mustID(t, secp).String())
	if !errors.Is(err, ErrNotEd25519) {
		t.Fatalf("err = %v, want ErrNotEd25519", err)
	}
}

func TestTransportAddrsOf(t *testing.T) {
	id, err := peerIDOf(testKey(t, 1).Public())
	if err != nil {
		t.Fatal(err)
	}
	other, err := peerIDOf(testKey(t, 2).Public())
	if err != nil {
		t.Fatal(err)
	}
	got, err := transportAddrsOf(id, []string{"/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/2/p2p/" + id.String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].String() != "/ip4/127.0.0.1/tcp/1" || got[1].String() != "/ip4/127.0.0.1/tcp/2" {
		t.Fatalf("transport addresses %v", got)
	}
	_, err = transportAddrsOf(id, []string{"/ip4/127.0.0.1/tcp/2/p2p/" + other.String()})
	if err == nil || !strings.Contains(err.Error(), "belongs to peer "+other.String()+", not "+id.String()) {
		t.Fatalf("another peer's address: %v", err)
	}
	_, err = transportAddrsOf(id, []string{"/p2p/" + id.String()})
	if err == nil || !strings.Contains(err.Error(), "has no transport part") {
		t.Fatalf("an address without transport: %v", err)
	}
}

// FuzzParsePeerAddr: parsing text never panics, and an accepted address
// names an Ed25519 peer whose id matches the key.
func FuzzParsePeerAddr(f *testing.F) {
	for _, tc := range peerAddrCases(f) {
		f.Add(tc.addr)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, key, err := parsePeerAddr(s)
		if err != nil {
			return
		}
		id, err := peerIDOf(key)
		if err != nil || id != info.ID {
			t.Fatalf("accepted %q with key %x, whose id %s is not %s (%v)", s, key, id, info.ID, err)
		}
	})
}
